"""mfp-console: a touch-panel emulator of Canon MFP fleet features over a simulated mutual-TLS fleet."""

from __future__ import annotations

import logging

# A library stays quiet unless its user configures logging: refusals and faults are published on the
# fleet's event bus (and shown in the event log); `mfp-console machine` logs them to stderr itself.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]

__version__ = "0.1.0"

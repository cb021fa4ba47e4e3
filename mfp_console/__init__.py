"""mfp-console: a touch-panel emulator of Canon MFP fleet features over a simulated mutual-TLS fleet."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"

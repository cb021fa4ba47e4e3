"""pytest plugin entry point for scenario files (collection is added by the scenario layer)."""

from __future__ import annotations

"""Allows ``python -m mfp_console``."""

from __future__ import annotations

from mfp_console.cli.main import main

raise SystemExit(main())

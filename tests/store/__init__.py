"""Tests of mfp_console.store: per-machine SQLite stores."""

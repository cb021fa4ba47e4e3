"""Tests of mfp_console.protocol: the sans-IO wire protocol."""

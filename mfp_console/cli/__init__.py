"""cli layer of mfp-console."""

"""scenario layer of mfp-console."""

"""engine layer of mfp-console."""

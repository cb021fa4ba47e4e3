"""domain layer of mfp-console."""

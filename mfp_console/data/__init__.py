"""Data files shipped in the package: the default fleet."""

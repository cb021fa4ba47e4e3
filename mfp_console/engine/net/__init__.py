"""Network plumbing of the engine: the TLS transport, channels over it, dialling out, and ping."""

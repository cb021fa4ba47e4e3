"""Device Information Distribution: the facade part, the host's job, the client's receiver, auto distribution."""

"""Personalized Data Synchronization: the facade part, the server and client functions, their link, backup."""

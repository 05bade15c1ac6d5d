"""Doors into the core: each translates a channel to the desk and back."""

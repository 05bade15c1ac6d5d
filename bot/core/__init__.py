"""The desk's domain: conversations, knowledge answers and handoffs.

Nothing in this package imports telegram, sqlalchemy or sklearn; it sees the world
through the small protocols in :mod:`bot.core.ports`.
"""

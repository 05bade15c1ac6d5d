"""SQLAlchemy storage for the desk: one code path for SQLite and PostgreSQL."""

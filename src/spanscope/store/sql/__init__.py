"""The SQL store (SQLAlchemy 2, Alembic migrations) for SQLite and PostgreSQL."""

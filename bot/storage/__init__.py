"""Persistence: SQLAlchemy 2 async models, Alembic migrations, and the reminder store."""

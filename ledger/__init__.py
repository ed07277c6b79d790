"""The database: SQLAlchemy models, Alembic migrations, the double-entry ledger, verification and exports."""

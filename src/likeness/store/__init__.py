"""Storage adapters: SQLAlchemy tables and repositories, migrations, the data home."""

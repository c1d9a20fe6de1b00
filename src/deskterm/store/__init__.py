"""The store: SQLModel tables, engine, migrations, search and read queries."""

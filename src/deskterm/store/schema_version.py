"""The Alembic revision the code expects; a test keeps it equal to the migrations' head."""

HEAD_REVISION = "0002_search_indexes"

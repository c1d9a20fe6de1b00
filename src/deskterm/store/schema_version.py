"""The Alembic revision the code expects; a test keeps it equal to the migrations' head."""

HEAD_REVISION = "0008_rule_runs"

"""The Alembic revision the code expects; a test keeps it equal to the migrations' head."""

HEAD_REVISION = "0010_agent_sessions"

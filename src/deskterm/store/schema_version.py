"""The Alembic revision the code expects; a test keeps it equal to the migrations' head."""

HEAD_REVISION = "0006_message_order_ref"

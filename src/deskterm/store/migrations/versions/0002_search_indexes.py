"""Search indexes: newest-first ticket scans without a status, and FTS hit -> ticket lookups.

Revision ID: 0002_search_indexes
Revises: 0001_initial
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_search_indexes"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_ticket_recent", "ticket", ["spam", "last_message_at"])
    op.create_index("ix_message_id_ticket", "message", ["id", "ticket_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_message_id_ticket", table_name="message")
    op.drop_index("ix_ticket_recent", table_name="ticket")

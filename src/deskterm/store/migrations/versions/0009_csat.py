"""Satisfaction surveys (issue 15 item 2): one row per surveyed ticket, and its answer.

Revision ID: 0009_csat
Revises: 0008_rule_runs
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_csat"
down_revision: str | None = "0008_rule_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "csatsurvey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["answer_message_id"], ["message.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", name="uq_csatsurvey_ticket"),
    )
    op.create_index("ix_csatsurvey_state_due", "csatsurvey", ["state", "due_at"])
    # The survey's cursor over the event log starts at the end: turning surveys on never
    # surveys the tickets closed before.
    op.execute(
        "INSERT INTO rulecursor (name, event_id, updated_at) SELECT 'csat',"
        " coalesce(max(id), 0), CURRENT_TIMESTAMP FROM event"
    )


def downgrade() -> None:
    """Revert this revision."""
    op.execute("DELETE FROM rulecursor WHERE name = 'csat'")
    op.drop_index("ix_csatsurvey_state_due", table_name="csatsurvey")
    op.drop_table("csatsurvey")

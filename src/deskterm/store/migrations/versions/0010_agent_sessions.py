"""Agent sessions (issue 15 item 4): each agent's time in the inbox, for stats.

Revision ID: 0010_agent_sessions
Revises: 0009_csat
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_agent_sessions"
down_revision: str | None = "0009_csat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "agentsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("screen", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_agentsession_agent_started", "agentsession", ["agent_id", "started_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_agentsession_agent_started", table_name="agentsession")
    op.drop_table("agentsession")

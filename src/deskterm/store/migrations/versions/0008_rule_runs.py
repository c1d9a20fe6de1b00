"""The rules engine (issue 14 part B): its event cursor, one row per rule run, arming.

Revision ID: 0008_rule_runs
Revises: 0007_rules
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_rule_runs"
down_revision: str | None = "0007_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # A rule runs on events logged after it was turned on, never on the history before.
    with op.batch_alter_table("rule") as batch:
        batch.add_column(sa.Column("armed_after", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE rule SET armed_after = (SELECT coalesce(max(id), 0) FROM event)")
    op.create_table(
        "rulecursor",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # The engine starts at the end of the log: an upgraded store never replays its past.
    op.execute(
        "INSERT INTO rulecursor (name, event_id, updated_at) SELECT 'rules',"
        " coalesce(max(id), 0), CURRENT_TIMESTAMP FROM event"
    )
    op.create_table(
        "rulerun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("rule_name", sa.String(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(), nullable=False),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_id", "event_id", name="uq_rulerun"),
    )
    op.create_index("ix_rulerun_ticket", "rulerun", ["ticket_id", "created_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_rulerun_ticket", table_name="rulerun")
    op.drop_table("rulerun")
    op.drop_table("rulecursor")
    with op.batch_alter_table("rule") as batch:
        batch.drop_column("armed_after")

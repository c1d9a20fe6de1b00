"""Automation rules (issue 14): name, order, on/off, the checked definition, a version.

Revision ID: 0007_rules
Revises: 0006_message_order_ref
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_rules"
down_revision: str | None = "0006_message_order_ref"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        # Bumped on every change: the engine caches parsed rules and re-reads on a change.
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rule_name", "rule", ["name"], unique=True)
    op.create_index("ix_rule_position", "rule", ["position"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_rule_position", table_name="rule")
    op.drop_index("ix_rule_name", table_name="rule")
    op.drop_table("rule")

"""Orders of every platform: platform, normalised status, buyer; order actions done once.

Revision ID: 0005_orders
Revises: 0004_labels
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_orders"
down_revision: str | None = "0004_labels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("shop_order") as batch:
        # Every order cached so far came from Shopify.
        batch.add_column(
            sa.Column("platform", sa.String(), nullable=False, server_default="shopify")
        )
        batch.add_column(sa.Column("status", sa.String(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("platform_status", sa.String(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("buyer_id", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_shop_order_buyer", "shop_order", ["store", "buyer_id"])
    op.create_table(
        "orderaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("order_name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_orderaction_state", "orderaction", ["state", "updated_at"])
    op.create_index("ix_orderaction_ticket_id", "orderaction", ["ticket_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_orderaction_ticket_id", table_name="orderaction")
    op.drop_index("ix_orderaction_state", table_name="orderaction")
    op.drop_table("orderaction")
    op.drop_index("ix_shop_order_buyer", table_name="shop_order")
    with op.batch_alter_table("shop_order") as batch:
        for column in ("source_updated_at", "buyer_id", "platform_status", "status", "platform"):
            batch.drop_column(column)

"""Chat order cards: the platform order id a message names (issue 13 item 1).

Revision ID: 0006_message_order_ref
Revises: 0005_orders
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_message_order_ref"
down_revision: str | None = "0005_orders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # A column, not a link table: the message row carries it, so ingest stays one insert per
    # message in the batch's transaction and a re-fetch (a duplicate) changes nothing.
    # The order's store is the message's channel (shop_order.store = the channel's name).
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("order_ref", sa.String(), nullable=True))
    # The sync asks, per channel, for linked orders not yet cached.
    op.create_index("ix_message_order_ref", "message", ["channel_id", "order_ref"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_message_order_ref", table_name="message")
    with op.batch_alter_table("message") as batch:
        batch.drop_column("order_ref")

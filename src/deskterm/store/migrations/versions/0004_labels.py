"""Labels: language, intent and sentiments per message with their confidences; intent corrections.

Revision ID: 0004_labels
Revises: 0003_drafts
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004_labels"
down_revision: str | None = "0003_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("language", sa.String(), nullable=True))
        batch.add_column(sa.Column("intent", sa.String(), nullable=True))
        batch.add_column(sa.Column("intent_confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("sentiments", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("label_scores", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("labelled_by", sa.String(), nullable=True))
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("intent_confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("intent_source", sa.String(), nullable=False, server_default=""))
    with op.batch_alter_table("macro") as batch:
        batch.add_column(sa.Column("intents", sa.String(), nullable=False, server_default=""))
    op.create_table(
        "intentcorrection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("intent", sa.String(), nullable=False),
        sa.Column("previous_intent", sa.String(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intentcorrection_ticket_id", "intentcorrection", ["ticket_id"])
    _add_label_views()


# Saved views every shop wants once messages are labelled (helpdesk.md "Views"); an
# existing view of the same name is left alone, and users may edit or delete these.
LABEL_VIEWS = (
    (
        "Angry customers",
        "status:open (sentiment:negative OR sentiment:threatening OR sentiment:offensive)",
    ),
    ("Cancellations", "status:open intent:order/cancel"),
)


def _add_label_views() -> None:
    conn = op.get_bind()
    view = sa.table(
        "savedview",
        sa.column("name", sa.String),
        sa.column("query", sa.String),
        sa.column("sort", sa.String),
        sa.column("agent_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    last = conn.execute(sa.select(sa.func.max(view.c.position))).scalar() or 0
    for offset, (name, query) in enumerate(LABEL_VIEWS, 1):
        exists = conn.execute(sa.select(view.c.name).where(view.c.name == name)).first()
        if exists is None:
            conn.execute(
                view.insert().values(
                    name=name,
                    query=query,
                    sort="last_message_at desc",
                    agent_id=None,
                    position=last + offset,
                    created_at=datetime.now(UTC),
                )
            )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_intentcorrection_ticket_id", table_name="intentcorrection")
    op.drop_table("intentcorrection")
    with op.batch_alter_table("macro") as batch:
        batch.drop_column("intents")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("intent_source")
        batch.drop_column("intent_confidence")
    with op.batch_alter_table("message") as batch:
        for column in (
            "labelled_by",
            "label_scores",
            "sentiments",
            "intent_confidence",
            "intent",
            "language",
        ):
            batch.drop_column(column)

"""Keeps the per-ticket full-text row (subject, customer, tags) in step with the tables."""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlmodel import Session


def _dialect(session: Session | Connection) -> str:
    bind = session if isinstance(session, Connection) else session.get_bind()
    return bind.dialect.name


def reindex_ticket(session: Session | Connection, ticket_id: int) -> None:
    """Rewrite ``ticket_fts`` for one ticket (SQLite only; other dialects search with LIKE)."""
    if _dialect(session) != "sqlite":
        return
    session.execute(text("DELETE FROM ticket_fts WHERE rowid = :id"), {"id": ticket_id})
    session.execute(
        text(
            """
            INSERT INTO ticket_fts(rowid, subject, customer, tags)
            SELECT t.id, t.subject,
                   coalesce(c.name, '') || ' ' || coalesce(
                       (SELECT group_concat(i.value || ' ' || i.display_name, ' ')
                          FROM customeridentity i WHERE i.customer_id = t.customer_id), ''),
                   coalesce((SELECT group_concat(g.name, ' ') FROM tickettag tt
                              JOIN tag g ON g.id = tt.tag_id WHERE tt.ticket_id = t.id), '')
              FROM ticket t LEFT JOIN customer c ON c.id = t.customer_id
             WHERE t.id = :id
            """
        ),
        {"id": ticket_id},
    )


def reindex_customer(session: Session | Connection, customer_id: int) -> None:
    """Rewrite the full-text rows of every ticket of one customer (name or identity changed)."""
    rows = session.execute(
        text("SELECT id FROM ticket WHERE customer_id = :c"), {"c": customer_id}
    ).all()
    for (ticket_id,) in rows:
        reindex_ticket(session, int(ticket_id))

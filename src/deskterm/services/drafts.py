"""Drafts: an agent's unsent reply or note on a ticket, kept in the store across quits."""

from __future__ import annotations

from typing import Any, Literal, cast

from sqlalchemy import CursorResult, delete
from sqlmodel import Session, col, select

from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.domain.text import clean_stored_text
from deskterm.services.actor import Actor
from deskterm.store.engine import Store
from deskterm.store.tables import Draft, Ticket, as_utc, table_of, utcnow
from deskterm.store.upsert import upsert

DraftKind = Literal["reply", "note"]
"""What a draft will become: a reply to the customer or an internal note."""

DRAFT_KINDS: tuple[DraftKind, ...] = ("reply", "note")
"""Every draft kind, in the order a composer offers them."""

# Drafts are private scratch text saved as often as the composer likes: they are
# deliberately not written to the event log, which records what happened to tickets.


def _check(kind: str, actor: Actor) -> int:
    if kind not in DRAFT_KINDS:
        raise UsageError(f"unknown draft kind {kind!r} (expected reply or note)")
    if actor.agent_id is None:
        raise UsageError(f"{actor.label} is not an agent; only agents keep drafts")
    return actor.agent_id


def live_ticket_id(session: Session, ticket_id: int) -> int:
    """``ticket_id``, or the ticket it was (transitively) merged into.

    A composer may stay open while someone merges its ticket away; its draft must land
    where the conversation now lives instead of on a ticket nobody opens any more.
    """
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFoundError(f"no ticket with id {ticket_id}")
    seen = {ticket_id}
    # merge() never merges an already-merged ticket, but a survivor may be merged later.
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        survivor = session.get(Ticket, ticket.merged_into_id)
        if survivor is None:
            break
        ticket = survivor
    assert ticket.id is not None
    return ticket.id


def save_draft(store: Store, ticket_id: int, kind: str, body: str, actor: Actor) -> int | None:
    """Keep ``body`` as the actor's ``kind`` draft on the ticket (replacing any earlier one).

    An empty or whitespace-only body deletes the draft instead. Returns the id of the
    ticket the draft is kept on (the one it was merged into, if it was), or None when
    the draft was deleted.
    """
    agent_id = _check(kind, actor)
    text = clean_stored_text(body)
    with store.write() as session:
        target = live_ticket_id(session, ticket_id)
        if not text.strip():
            _delete(session, target, agent_id, kind)
            return None
        values: dict[str, Any] = {
            "ticket_id": target,
            "agent_id": agent_id,
            "kind": kind,
            "body": text,
            "updated_at": utcnow(),
        }
        session.execute(
            upsert(
                store.dialect,
                table_of(Draft),
                values,
                keys=("ticket_id", "agent_id", "kind"),
                update=("body", "updated_at"),
            )
        )
        return target


def load_draft(store: Store, ticket_id: int, kind: str, actor: Actor) -> str:
    """The actor's ``kind`` draft on the ticket, or "" when there is none."""
    agent_id = _check(kind, actor)
    with store.read() as session:
        target = live_ticket_id(session, ticket_id)
        body = session.exec(
            select(Draft.body).where(
                Draft.ticket_id == target, Draft.agent_id == agent_id, Draft.kind == kind
            )
        ).first()
    return body or ""


def discard_draft(store: Store, ticket_id: int, kind: str, actor: Actor) -> bool:
    """Delete the actor's ``kind`` draft on the ticket (after sending, or on request).

    Returns whether there was one.
    """
    agent_id = _check(kind, actor)
    with store.write() as session:
        return _delete(session, live_ticket_id(session, ticket_id), agent_id, kind)


def _delete(session: Session, ticket_id: int, agent_id: int, kind: str) -> bool:
    statement = delete(Draft).where(
        col(Draft.ticket_id) == ticket_id,
        col(Draft.agent_id) == agent_id,
        col(Draft.kind) == kind,
    )
    result = cast(CursorResult[Any], session.execute(statement))
    return bool(result.rowcount)


def move_drafts(session: Session, from_id: int, to_id: int) -> None:
    """Move every draft of ticket ``from_id`` to ``to_id`` (merging), losing no text.

    When an agent has a draft of the same kind on both tickets, the two texts are
    joined (the surviving ticket's first) rather than one replacing the other.
    """
    kept = {
        (draft.agent_id, draft.kind): draft
        for draft in session.exec(select(Draft).where(Draft.ticket_id == to_id)).all()
    }
    moving = session.exec(select(Draft).where(Draft.ticket_id == from_id)).all()
    for draft in moving:
        other = kept.get((draft.agent_id, draft.kind))
        if other is None:
            draft.ticket_id = to_id
            session.add(draft)
            continue
        if draft.body.strip() != other.body.strip():
            other.body = other.body.rstrip("\n") + "\n\n" + draft.body.lstrip("\n")
        other.updated_at = max(as_utc(other.updated_at), as_utc(draft.updated_at))
        session.add(other)
        session.delete(draft)
    session.flush()

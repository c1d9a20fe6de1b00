"""Ticket use cases: tag, assign, close/reopen, snooze, notes, merge, spam."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select, update

from deskterm.automation import snooze as snooze_rules
from deskterm.domain.enums import Direction, TicketStatus
from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.domain.text import clean_stored_text
from deskterm.services.actor import Actor, ensure_agent
from deskterm.services.drafts import move_drafts
from deskterm.store.engine import Store
from deskterm.store.events import append_event
from deskterm.store.search_index import reindex_ticket
from deskterm.store.tables import (
    Agent,
    Message,
    Outbox,
    Tag,
    ThreadRef,
    Ticket,
    TicketTag,
    as_utc,
    utcnow,
)

_TAG_RE = re.compile(r"^[^\s,\"()]+$")


def load_ticket(session: Session, ticket_id: int) -> Ticket:
    """The ticket with ``ticket_id`` (merged tickets included), or NotFoundError."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFoundError(f"no ticket with id {ticket_id}")
    return ticket


def log_event(
    session: Session, ticket_id: int | None, actor: Actor, kind: str, **data: Any
) -> None:
    """Append one event on behalf of ``actor`` (the log is never updated or deleted)."""
    append_event(session, ticket_id, kind, actor=actor.label, agent_id=actor.agent_id, **data)


def normalize_tag(name: str) -> str:
    """Tags are lower-case single words (``vip``, ``order/late``); anything else is refused."""
    tag = name.strip().lower()
    if not tag or not _TAG_RE.match(tag):
        raise UsageError(f"invalid tag {name!r}: use one word without spaces, commas or quotes")
    return tag


def _touched(ticket: Ticket) -> None:
    ticket.updated_at = utcnow()


def _ticket_action(
    store: Store, ticket_id: int, actor: Actor, change: Callable[[Session, Ticket], bool]
) -> bool:
    with store.write() as session:
        ticket = load_ticket(session, ticket_id)
        return apply_change(session, ticket, change)


def apply_change(
    session: Session, ticket: Ticket, change: Callable[[Session, Ticket], bool]
) -> bool:
    """Run ``change`` on ``ticket`` in the caller's transaction; touch the ticket if it changed.

    The session-level form of every ticket action: the rules engine runs a rule's actions
    and records the run in ONE transaction (services/rule_engine.py).
    """
    changed = change(session, ticket)
    if changed:
        _touched(ticket)
        session.add(ticket)
    return changed


def tags_added(session: Session, ticket: Ticket, tags: list[str], actor: Actor) -> list[str]:
    """Add already-normalised ``tags`` in the caller's transaction; the ones that were new."""
    added: list[str] = []
    for name in dict.fromkeys(tags):
        tag = session.exec(select(Tag).where(Tag.name == name)).first()
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
            session.flush()
        assert tag.id is not None and ticket.id is not None
        if session.get(TicketTag, (ticket.id, tag.id)) is None:
            session.add(TicketTag(ticket_id=ticket.id, tag_id=tag.id))
            log_event(session, ticket.id, actor, "tag.added", tag=name)
            added.append(name)
    if added:
        session.flush()
        reindex_ticket(session, ticket.id)  # type: ignore[arg-type]
    return added


def tags_removed(session: Session, ticket: Ticket, tags: list[str], actor: Actor) -> list[str]:
    """Remove already-normalised ``tags`` in the caller's transaction; the ones it had."""
    removed: list[str] = []
    for name in dict.fromkeys(tags):
        tag = session.exec(select(Tag).where(Tag.name == name)).first()
        link = None if tag is None else session.get(TicketTag, (ticket.id, tag.id))
        if link is not None:
            session.delete(link)
            log_event(session, ticket.id, actor, "tag.removed", tag=name)
            removed.append(name)
    if removed:
        session.flush()
        reindex_ticket(session, ticket.id)  # type: ignore[arg-type]
    return removed


def add_tags(store: Store, ticket_id: int, names: Iterable[str], actor: Actor) -> list[str]:
    """Add tags (created on first use); returns the ones that were new on this ticket."""
    tags = [normalize_tag(name) for name in names]
    added: list[str] = []

    def change(session: Session, ticket: Ticket) -> bool:
        added.extend(tags_added(session, ticket, tags, actor))
        return bool(added)

    _ticket_action(store, ticket_id, actor, change)
    return added


def remove_tags(store: Store, ticket_id: int, names: Iterable[str], actor: Actor) -> list[str]:
    """Remove tags; returns the ones the ticket actually had."""
    tags = [normalize_tag(name) for name in names]
    removed: list[str] = []

    def change(session: Session, ticket: Ticket) -> bool:
        removed.extend(tags_removed(session, ticket, tags, actor))
        return bool(removed)

    _ticket_action(store, ticket_id, actor, change)
    return removed


def assigned(session: Session, ticket: Ticket, assignee_email: str | None, actor: Actor) -> bool:
    """Assign ``ticket`` in the caller's transaction (None: unassign); False if it was."""
    agent: Agent | None = None
    if assignee_email:
        if "@" not in assignee_email:
            raise UsageError(f"assignee must be an email address, got {assignee_email!r}")
        agent = ensure_agent(session, email=assignee_email)
    new_id = agent.id if agent else None
    if ticket.assignee_id == new_id:
        return False
    ticket.assignee_id = new_id
    log_event(
        session,
        ticket.id,
        actor,
        "ticket.assigned" if agent else "ticket.unassigned",
        assignee=agent.email if agent else None,
    )
    return True


def assign(store: Store, ticket_id: int, assignee_email: str | None, actor: Actor) -> bool:
    """Assign to the agent with ``assignee_email`` (created on first use), or unassign (None)."""
    return _ticket_action(
        store, ticket_id, actor, lambda s, t: assigned(s, t, assignee_email, actor)
    )


def closed(session: Session, ticket: Ticket, actor: Actor) -> bool:
    """Close ``ticket`` (and end any snooze) in the caller's transaction."""
    if ticket.status == TicketStatus.CLOSED and ticket.snoozed_until is None:
        return False
    ticket.status, ticket.snoozed_until, ticket.closed_at = "closed", None, utcnow()
    log_event(session, ticket.id, actor, "ticket.closed")
    return True


def close(store: Store, ticket_id: int, actor: Actor) -> bool:
    """Close the ticket (and end any snooze)."""
    return _ticket_action(store, ticket_id, actor, lambda s, t: closed(s, t, actor))


def reopened(session: Session, ticket: Ticket, actor: Actor) -> bool:
    """Reopen a closed or snoozed ``ticket`` in the caller's transaction."""
    if ticket.status == TicketStatus.OPEN:
        return False
    ticket.status, ticket.snoozed_until = "open", None
    log_event(session, ticket.id, actor, "ticket.reopened")
    return True


def reopen(store: Store, ticket_id: int, actor: Actor) -> bool:
    """Reopen a closed or snoozed ticket."""
    return _ticket_action(store, ticket_id, actor, lambda s, t: reopened(s, t, actor))


def snoozed(session: Session, ticket: Ticket, until: datetime, actor: Actor) -> bool:
    """Snooze ``ticket`` until ``until`` (aware, in the future) in the caller's transaction."""
    ticket.status, ticket.snoozed_until, ticket.closed_at = "closed", until, utcnow()
    log_event(session, ticket.id, actor, "ticket.snoozed", until=until.isoformat())
    return True


def snooze(store: Store, ticket_id: int, until: datetime, actor: Actor) -> bool:
    """Close the ticket until ``until``; it reopens then, or when the customer writes."""
    until = as_utc(until)
    if until <= utcnow():
        raise UsageError(f"snooze time {until:%Y-%m-%d %H:%M} UTC is in the past")
    return _ticket_action(store, ticket_id, actor, lambda s, t: snoozed(s, t, until, actor))


def unsnooze(store: Store, ticket_id: int, actor: Actor) -> bool:
    """End a snooze now: the ticket reopens."""

    def change(session: Session, ticket: Ticket) -> bool:
        if ticket.snoozed_until is None:
            return False
        ticket.status, ticket.snoozed_until = "open", None
        log_event(session, ticket.id, actor, "ticket.unsnoozed")
        return True

    return _ticket_action(store, ticket_id, actor, change)


def wake_snoozed(store: Store, actor: Actor, now: datetime | None = None) -> list[int]:
    """Reopen every ticket whose snooze has ended; returns their ids."""
    return snooze_rules.wake_snoozed(store, actor=actor.label, agent_id=actor.agent_id, now=now)


def spam_set(session: Session, ticket: Ticket, spam: bool, actor: Actor) -> bool:
    """Mark (or unmark) ``ticket`` as spam in the caller's transaction."""
    if ticket.spam == spam:
        return False
    ticket.spam = spam
    log_event(session, ticket.id, actor, "ticket.spam" if spam else "ticket.not_spam")
    return True


def set_spam(store: Store, ticket_id: int, spam: bool, actor: Actor) -> bool:
    """Mark (or unmark) a ticket as spam: a view, never a deletion."""
    return _ticket_action(store, ticket_id, actor, lambda s, t: spam_set(s, t, spam, actor))


def priority_set(session: Session, ticket: Ticket, priority: str, actor: Actor) -> bool:
    """Set ``ticket``'s priority in the caller's transaction; False if it had it."""
    if ticket.priority == priority:
        return False
    previous, ticket.priority = ticket.priority, priority
    log_event(session, ticket.id, actor, "ticket.priority", priority=priority, previous=previous)
    return True


def add_note(store: Store, ticket_id: int, body: str, actor: Actor) -> int:
    """Add an internal note (never sent); returns the new message id."""
    with store.write() as session:
        return note_added(session, load_ticket(session, ticket_id), body, actor)


def note_added(session: Session, ticket: Ticket, body: str, actor: Actor) -> int:
    """Add an internal note to ``ticket`` in the caller's transaction; the message id."""
    text = clean_stored_text(body).strip()
    if not text:
        raise UsageError("a note needs some text")
    assert ticket.id is not None
    agent = session.get(Agent, actor.agent_id) if actor.agent_id else None
    now = utcnow()
    note = Message(
        ticket_id=ticket.id,
        channel_id=ticket.channel_id,
        direction=Direction.NOTE.value,
        author=agent.name if agent else actor.label,
        author_handle=agent.email if agent else "",
        author_search=f"{agent.name} {agent.email}" if agent else actor.label,
        body_text=text,
        external_id=f"note-{uuid.uuid4()}",
        sent_at=now,
        received_at=now,
        agent_id=actor.agent_id,
    )
    session.add(note)
    ticket.message_count += 1
    ticket.last_message_at = max(as_utc(ticket.last_message_at), now)
    _touched(ticket)
    session.add(ticket)
    session.flush()
    log_event(session, ticket.id, actor, "note.added", message_id=note.id)
    assert note.id is not None
    return note.id


def merge(
    store: Store, first_id: int, second_id: int, actor: Actor, *, allow_other_customer: bool = False
) -> int:
    """Merge two tickets into the older one; returns the surviving ticket's id."""
    if first_id == second_id:
        raise UsageError("cannot merge a ticket into itself")
    with store.write() as session:
        a, b = load_ticket(session, first_id), load_ticket(session, second_id)
        for ticket in (a, b):
            if ticket.merged_into_id is not None:
                raise UsageError(
                    f"ticket {ticket.id} was already merged into {ticket.merged_into_id}"
                )
        if a.customer_id != b.customer_id and not allow_other_customer:
            raise UsageError(
                f"tickets {a.id} and {b.id} belong to different customers;"
                " link the customers first or pass --force"
            )
        survivor, merged = (
            (a, b) if (as_utc(a.created_at), a.id) <= (as_utc(b.created_at), b.id) else (b, a)
        )
        assert survivor.id is not None and merged.id is not None
        _move_rows(session, merged.id, survivor.id)
        survivor.message_count += merged.message_count
        survivor.last_message_at = max(
            as_utc(survivor.last_message_at), as_utc(merged.last_message_at)
        )
        survivor.created_at = min(as_utc(survivor.created_at), as_utc(merged.created_at))
        # Unread marks and reopen-on-reply compare against it; it must cover moved messages.
        inbound = [t.last_inbound_at for t in (survivor, merged) if t.last_inbound_at is not None]
        survivor.last_inbound_at = max(map(as_utc, inbound)) if inbound else None
        if merged.status == TicketStatus.OPEN:
            survivor.status, survivor.snoozed_until = "open", None
        survivor.spam = survivor.spam and merged.spam
        merged.merged_into_id, merged.message_count = survivor.id, 0
        merged.status = "closed"
        for ticket in (survivor, merged):
            _touched(ticket)
            session.add(ticket)
        session.flush()
        log_event(session, survivor.id, actor, "ticket.merged", merged=merged.id)
        log_event(session, merged.id, actor, "ticket.merged_into", into=survivor.id)
        reindex_ticket(session, survivor.id)
        reindex_ticket(session, merged.id)
        return survivor.id


def _move_rows(session: Session, from_id: int, to_id: int) -> None:
    for table in (Message, ThreadRef, Outbox):
        session.execute(
            update(table).where(col(table.ticket_id) == from_id).values(ticket_id=to_id)
        )
    have = set(session.exec(select(TicketTag.tag_id).where(TicketTag.ticket_id == to_id)).all())
    for link in session.exec(select(TicketTag).where(TicketTag.ticket_id == from_id)).all():
        if link.tag_id not in have:
            session.add(TicketTag(ticket_id=to_id, tag_id=link.tag_id))
        session.delete(link)
    move_drafts(session, from_id, to_id)

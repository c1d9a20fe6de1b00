"""Undo of one triage action (close, reopen, spam, snooze, tag, assign): capture, restore.

How it works: before the action runs, :func:`perform` captures the triage fields of every
ticket it acts on (:class:`TicketState`); :func:`restore` later puts back exactly the
fields that kind of action changes (:data:`FIELDS`) — status with ``closed_at`` and
``snoozed_until`` for close/reopen/snooze, ``spam`` for spam, the tag set for tags, the
assignee for assign — in one transaction, ticket by ticket.

The choices:

- An undo is itself an action: each field it puts back is logged with the event kind the
  forward change would log (``ticket.reopened``, ``tag.removed``, ``ticket.assigned``…),
  by the agent who undid it, with ``undo`` naming the action undone (``close``, ``tag``…).
  Replaying the log gives the state in the store; nothing is deleted from it.
- A conflicting change in between (a customer's reply reopened the ticket, another agent
  added a tag) does not stop the undo: the fields the action changed go back to what the
  agent saw before it, because that is the state they asked for, and the event log keeps
  both the change in between and the undo. Fields the action did not change are never
  touched (undoing a tag does not undo a reassignment made meanwhile).
- A ticket merged into another meanwhile is left alone: it no longer exists on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlmodel import Session, select

from deskterm.domain.errors import UsageError
from deskterm.domain.undo import FIELDS, Action, Field, TicketState, Undoable
from deskterm.services.actor import Actor
from deskterm.services.tickets import load_ticket, log_event
from deskterm.store.engine import Store
from deskterm.store.search_index import reindex_ticket
from deskterm.store.tables import Agent, Tag, TicketTag, as_utc, utcnow

__all__ = [
    "FIELDS",
    "Action",
    "Field",
    "TicketState",
    "Undoable",
    "capture",
    "perform",
    "restore",
    "ticket_state",
]


def ticket_state(session: Session, ticket_id: int) -> TicketState:
    """The triage fields of one ticket now."""
    ticket = load_ticket(session, ticket_id)
    names = session.exec(
        select(Tag.name).join(TicketTag).where(TicketTag.ticket_id == ticket_id)
    ).all()
    return TicketState(
        ticket_id=ticket_id,
        status=ticket.status,
        closed_at=_utc(ticket.closed_at),
        snoozed_until=_utc(ticket.snoozed_until),
        spam=ticket.spam,
        assignee_id=ticket.assignee_id,
        tags=frozenset(names),
        merged_into_id=ticket.merged_into_id,
    )


def capture(store: Store, ticket_ids: Iterable[int]) -> tuple[TicketState, ...]:
    """The triage fields of every ticket in ``ticket_ids``, read in one transaction."""
    with store.read() as session:
        return tuple(ticket_state(session, tid) for tid in ticket_ids)


def perform(
    store: Store, undoable: Undoable, actor: Actor, change: Callable[[Store, Actor, int], object]
) -> None:
    """Capture the state of ``undoable``'s tickets, then apply ``change`` to each.

    If a later ticket fails, the earlier ones stay changed and the undo still puts every
    captured ticket back (restoring an unchanged ticket changes and logs nothing). If the
    action failed without changing anything, there is nothing to undo: ``before`` is
    cleared, and :func:`restore` says so.
    """
    undoable.before = capture(store, undoable.ticket_ids)
    try:
        for ticket_id in undoable.ticket_ids:
            change(store, actor, ticket_id)
    except Exception:
        if capture(store, undoable.ticket_ids) == undoable.before:
            undoable.before = None
        raise


def restore(store: Store, undoable: Undoable, actor: Actor) -> list[int]:
    """Put back the fields ``undoable``'s action changed; the ids of the tickets changed."""
    if undoable.before is None:
        raise UsageError("nothing to undo: the last action changed nothing (it failed)")
    undone = undoable.action
    changed: list[int] = []
    with store.write() as session:
        for before in undoable.before:
            if _restore_one(session, before, undoable.fields, actor, undone):
                changed.append(before.ticket_id)
    return changed


def _restore_one(
    session: Session, before: TicketState, fields: tuple[Field, ...], actor: Actor, undone: str
) -> bool:
    ticket = load_ticket(session, before.ticket_id)
    if ticket.merged_into_id is not None and before.merged_into_id is None:
        return False  # merged meanwhile: its messages live on in another ticket
    changed = False
    if "status" in fields:
        changed |= _restore_status(session, before, actor, undone)
    if "spam" in fields and ticket.spam != before.spam:
        ticket.spam = before.spam
        kind = "ticket.spam" if before.spam else "ticket.not_spam"
        log_event(session, ticket.id, actor, kind, undo=undone)
        changed = True
    if "assignee" in fields and ticket.assignee_id != before.assignee_id:
        ticket.assignee_id = before.assignee_id
        agent = session.get(Agent, before.assignee_id) if before.assignee_id else None
        kind = "ticket.assigned" if agent is not None else "ticket.unassigned"
        log_event(
            session, ticket.id, actor, kind, assignee=agent.email if agent else None, undo=undone
        )
        changed = True
    if "tags" in fields:
        changed |= _restore_tags(session, before, actor, undone)
    if changed:
        ticket.updated_at = utcnow()
        session.add(ticket)
    return changed


def _restore_status(session: Session, before: TicketState, actor: Actor, undone: str) -> bool:
    ticket = load_ticket(session, before.ticket_id)
    now = (ticket.status, _utc(ticket.snoozed_until), _utc(ticket.closed_at))
    if now == (before.status, before.snoozed_until, before.closed_at):
        return False
    state_changed = now[:2] != (before.status, before.snoozed_until)
    ticket.status = before.status
    ticket.snoozed_until = before.snoozed_until
    ticket.closed_at = before.closed_at
    session.add(ticket)
    if state_changed:
        if before.status == "open":
            log_event(session, ticket.id, actor, "ticket.reopened", undo=undone)
        elif before.snoozed_until is not None:
            until = before.snoozed_until.isoformat()
            log_event(session, ticket.id, actor, "ticket.snoozed", until=until, undo=undone)
        else:
            log_event(session, ticket.id, actor, "ticket.closed", undo=undone)
    return True


def _restore_tags(session: Session, before: TicketState, actor: Actor, undone: str) -> bool:
    ticket_id = before.ticket_id
    links = session.exec(
        select(TicketTag, Tag).join(Tag).where(TicketTag.ticket_id == ticket_id)
    ).all()
    have = {tag.name: link for link, tag in links}
    for name in sorted(set(have) - before.tags):
        session.delete(have[name])
        log_event(session, ticket_id, actor, "tag.removed", tag=name, undo=undone)
    for name in sorted(before.tags - set(have)):
        tag = session.exec(select(Tag).where(Tag.name == name)).first()
        if tag is None:  # the tag itself was deleted meanwhile: it comes back with the link
            tag = Tag(name=name)
            session.add(tag)
            session.flush()
        assert tag.id is not None
        session.add(TicketTag(ticket_id=ticket_id, tag_id=tag.id))
        log_event(session, ticket_id, actor, "tag.added", tag=name, undo=undone)
    if set(have) == before.tags:
        return False
    session.flush()
    reindex_ticket(session, ticket_id)
    return True


def _utc(moment: datetime | None) -> datetime | None:
    return as_utc(moment) if moment is not None else None

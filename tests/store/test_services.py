"""Services: every ticket use case changes the store and appends to the event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.store.engine import Store
from deskterm.store.tables import Event, Message, Tag, Ticket, TicketTag
from tests.conftest import ingest, msg


@pytest.fixture
def actor(store: Store) -> Actor:
    with store.write() as session:
        return agent_actor(session, email="Dewi@Shop.test", name="Dewi")


def _events(store: Store, ticket_id: int) -> list[str]:
    with store.read() as session:
        rows = session.exec(select(Event).where(Event.ticket_id == ticket_id).order_by(Event.id))
        return [e.kind for e in rows]


def _ticket(store: Store, ticket_id: int) -> Ticket:
    with store.read() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


def test_tag_and_untag(store: Store, channel: ChannelContext, actor: Actor) -> None:
    tid = ingest(store, channel, msg("1@x")).ticket_id
    assert svc.add_tags(store, tid, ["VIP", "order/late", "vip"], actor) == ["vip", "order/late"]
    assert svc.add_tags(store, tid, ["vip"], actor) == []
    assert svc.remove_tags(store, tid, ["vip", "missing"], actor) == ["vip"]
    with store.read() as session:
        names = session.exec(select(Tag.name).join(TicketTag)).all()
    assert names == ["order/late"]
    assert _events(store, tid)[-3:] == ["tag.added", "tag.added", "tag.removed"]
    with pytest.raises(UsageError, match="invalid tag"):
        svc.add_tags(store, tid, ["two words"], actor)


def test_assign_unassign_logs_who(store: Store, channel: ChannelContext, actor: Actor) -> None:
    tid = ingest(store, channel, msg("1@x")).ticket_id
    assert svc.assign(store, tid, "budi@shop.test", actor)
    assert not svc.assign(store, tid, "budi@shop.test", actor)
    assert svc.assign(store, tid, None, actor)
    with store.read() as session:
        events = session.exec(select(Event).where(Event.ticket_id == tid).order_by(Event.id)).all()
    assert [e.kind for e in events][-2:] == ["ticket.assigned", "ticket.unassigned"]
    assert events[-1].actor == "agent:dewi@shop.test" and events[-1].agent_id == actor.agent_id
    with pytest.raises(UsageError):
        svc.assign(store, tid, "not-an-email", actor)


def test_close_reopen_snooze_wake(store: Store, channel: ChannelContext, actor: Actor) -> None:
    tid = ingest(store, channel, msg("1@x")).ticket_id
    assert svc.close(store, tid, actor) and _ticket(store, tid).status == "closed"
    assert not svc.close(store, tid, actor)
    assert svc.reopen(store, tid, actor) and _ticket(store, tid).status == "open"
    until = datetime.now(UTC) + timedelta(hours=2)
    svc.snooze(store, tid, until, actor)
    ticket = _ticket(store, tid)
    assert ticket.status == "closed" and ticket.snoozed_until == until
    assert svc.wake_snoozed(store, actor, now=datetime.now(UTC)) == []
    assert svc.wake_snoozed(store, actor, now=until + timedelta(seconds=1)) == [tid]
    assert _ticket(store, tid).status == "open"
    with pytest.raises(UsageError, match="in the past"):
        svc.snooze(store, tid, datetime.now(UTC) - timedelta(minutes=1), actor)
    assert _events(store, tid)[2:] == [  # ticket.created, message.received
        "ticket.closed",
        "ticket.reopened",
        "ticket.snoozed",
        "snooze.ended",
    ]


def test_spam_and_note(store: Store, channel: ChannelContext, actor: Actor) -> None:
    tid = ingest(store, channel, msg("1@x")).ticket_id
    assert svc.set_spam(store, tid, True, actor) and _ticket(store, tid).spam
    note_id = svc.add_note(store, tid, "Customer called, refund approved", actor)
    with store.read() as session:
        note = session.get(Message, note_id)
    assert note is not None and note.direction == "note" and note.author_handle == "dewi@shop.test"
    assert _ticket(store, tid).message_count == 2
    with pytest.raises(UsageError):
        svc.add_note(store, tid, "   ", actor)


def test_merge_keeps_older_ticket_and_moves_everything(
    store: Store, channel: ChannelContext, actor: Actor
) -> None:
    older = ingest(store, channel, msg("1@x", subject="Refund", day=1)).ticket_id
    newer = ingest(store, channel, msg("2@x", subject="Refund again", day=3)).ticket_id
    svc.add_tags(store, newer, ["refund"], actor)
    assert svc.merge(store, newer, older, actor) == older
    survivor, merged = _ticket(store, older), _ticket(store, newer)
    assert survivor.message_count == 2 and merged.merged_into_id == older
    assert survivor.last_message_at.day == 3
    with store.read() as session:
        assert {m.ticket_id for m in session.exec(select(Message))} == {older}
    # A later reply to the merged-away ticket's message lands in the survivor.
    reply = ingest(store, channel, msg("3@x", in_reply_to="2@x", day=4))
    assert reply.ticket_id == older
    assert "ticket.merged" in _events(store, older)
    with pytest.raises(UsageError, match="already merged"):
        svc.merge(store, older, newer, actor)


def test_merge_refuses_other_customers_without_force(
    store: Store, channel: ChannelContext, actor: Actor
) -> None:
    a = ingest(store, channel, msg("1@x")).ticket_id
    b = ingest(store, channel, msg("2@x", sender="bob@example.com")).ticket_id
    with pytest.raises(UsageError, match="different customers"):
        svc.merge(store, a, b, actor)
    assert svc.merge(store, a, b, actor, allow_other_customer=True) == a


def test_unknown_ticket(store: Store, actor: Actor) -> None:
    with pytest.raises(NotFoundError, match="no ticket with id 99"):
        svc.close(store, 99, actor)

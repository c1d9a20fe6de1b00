"""Undo of triage actions: the state before comes back exactly, logged (issue 10 item 5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets
from deskterm.services.actor import Actor, agent_actor
from deskterm.services.undo import (
    Action,
    TicketState,
    Undoable,
    capture,
    perform,
    restore,
)
from deskterm.store.engine import Store
from deskterm.store.tables import Event, Ticket
from tests.conftest import ingest, msg

FIELDS = ("status", "closed_at", "snoozed_until", "spam", "assignee_id", "tags")


@pytest.fixture
def me(store: Store) -> Actor:
    with store.write() as session:
        return agent_actor(session, email="dewi@shop.test", name="Dewi")


@pytest.fixture
def other(store: Store) -> Actor:
    with store.write() as session:
        return agent_actor(session, email="budi@shop.test", name="Budi")


def new_ticket(store: Store, channel: ChannelContext, n: int) -> int:
    message = msg(f"<m{n}@x>", sender=f"c{n}@example.com", subject=f"Order {n}", day=n)
    return ingest(store, channel, message).ticket_id


def state(store: Store, ticket_id: int) -> TicketState:
    return capture(store, [ticket_id])[0]


def assert_same(before: TicketState, after: TicketState) -> None:
    """Field by field, so a failure names the field that did not come back."""
    for name in FIELDS:
        assert getattr(after, name) == getattr(before, name), name


def undo_roundtrip(
    store: Store,
    actor: Actor,
    ids: list[int],
    action: Action,
    change: Callable[[Store, Actor, int], object],
) -> tuple[list[TicketState], list[TicketState], list[TicketState]]:
    """(before, after the action, after its undo) for each ticket."""
    before = [state(store, tid) for tid in ids]
    undoable = Undoable(action, tuple(ids))
    perform(store, undoable, actor, change)
    done = [state(store, tid) for tid in ids]
    restore(store, undoable, actor)
    return before, done, [state(store, tid) for tid in ids]


def busy_ticket(store: Store, channel: ChannelContext, me: Actor, other: Actor, n: int = 1) -> int:
    """A ticket with history: tagged, assigned to someone else, closed once and reopened."""
    tid = new_ticket(store, channel, n)
    tickets.add_tags(store, tid, ["vip", "late", "order/late"], me)
    tickets.assign(store, tid, "budi@shop.test", other)
    tickets.close(store, tid, me)
    tickets.reopen(store, tid, me)
    return tid


def test_undo_close(store: Store, channel: ChannelContext, me: Actor, other: Actor) -> None:
    """issue 10 item 5: close then undo: open again, with the earlier closed_at."""
    tid = busy_ticket(store, channel, me, other)
    before, done, after = undo_roundtrip(
        store, me, [tid], "close", lambda st, ac, t: tickets.close(st, t, ac)
    )
    assert done[0].status == "closed" and done[0].closed_at != before[0].closed_at
    assert before[0].closed_at is not None  # the earlier close's moment comes back
    assert_same(before[0], after[0])


def test_undo_reopen(store: Store, channel: ChannelContext, me: Actor, other: Actor) -> None:
    """issue 10 item 5: `c` on a closed ticket reopens it; undo closes it again as it was."""
    tid = busy_ticket(store, channel, me, other)
    tickets.close(store, tid, me)
    before, done, after = undo_roundtrip(
        store, me, [tid], "reopen", lambda st, ac, t: tickets.reopen(st, t, ac)
    )
    assert done[0].status == "open"
    assert_same(before[0], after[0])


def test_undo_close_of_a_snoozed_ticket_brings_the_snooze_back(
    store: Store, channel: ChannelContext, me: Actor
) -> None:
    """issue 10 item 5: closing a snoozed ticket ends the snooze; undo restores it."""
    tid = new_ticket(store, channel, 1)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    tickets.snooze(store, tid, until, me)
    before, done, after = undo_roundtrip(
        store, me, [tid], "close", lambda st, ac, t: tickets.close(st, t, ac)
    )
    assert done[0].snoozed_until is None
    assert after[0].snoozed_until == until
    assert_same(before[0], after[0])


def test_undo_snooze(store: Store, channel: ChannelContext, me: Actor, other: Actor) -> None:
    """issue 10 item 5: snooze then undo: open, no snoozed_until, the old closed_at."""
    tid = busy_ticket(store, channel, me, other)
    until = datetime.now(UTC) + timedelta(days=2)
    before, done, after = undo_roundtrip(
        store, me, [tid], "snooze", lambda st, ac, t: tickets.snooze(st, t, until, ac)
    )
    assert done[0].snoozed_until is not None and done[0].status == "closed"
    assert_same(before[0], after[0])


def test_undo_a_second_snooze_restores_the_first(
    store: Store, channel: ChannelContext, me: Actor
) -> None:
    """issue 10 item 5: snoozing a snoozed ticket again, then undo: the first snooze is back."""
    tid = new_ticket(store, channel, 1)
    first = datetime.now(UTC) + timedelta(days=1)
    second = datetime.now(UTC) + timedelta(days=7)
    tickets.snooze(store, tid, first, me)
    before, _done, after = undo_roundtrip(
        store, me, [tid], "snooze", lambda st, ac, t: tickets.snooze(st, t, second, ac)
    )
    assert after[0].snoozed_until == before[0].snoozed_until
    assert_same(before[0], after[0])


@pytest.mark.parametrize("spam", [True, False])
def test_undo_spam(store: Store, channel: ChannelContext, me: Actor, spam: bool) -> None:
    """issue 10 item 5: `!` then undo, both ways (mark as spam, and no longer spam)."""
    tid = new_ticket(store, channel, 1)
    if not spam:
        tickets.set_spam(store, tid, True, me)
    before, done, after = undo_roundtrip(
        store,
        me,
        [tid],
        "spam" if spam else "not_spam",
        lambda st, ac, t: tickets.set_spam(st, t, spam, ac),
    )
    assert done[0].spam is spam
    assert_same(before[0], after[0])


def test_undo_tag(store: Store, channel: ChannelContext, me: Actor, other: Actor) -> None:
    """issue 10 item 5: tags added and removed in one action all come back (order aside)."""
    tid = busy_ticket(store, channel, me, other)

    def change(st: Store, ac: Actor, t: int) -> None:
        tickets.add_tags(st, t, ["refund", "brand-new-tag"], ac)
        tickets.remove_tags(st, t, ["vip"], ac)

    before, done, after = undo_roundtrip(store, me, [tid], "tag", change)
    assert done[0].tags == {"late", "order/late", "refund", "brand-new-tag"}
    assert after[0].tags == {"vip", "late", "order/late"}
    assert_same(before[0], after[0])


def test_undo_assign(store: Store, channel: ChannelContext, me: Actor, other: Actor) -> None:
    """issue 10 item 5: assign then undo: the previous assignee, or nobody."""
    assigned = busy_ticket(store, channel, me, other, 1)
    nobody = new_ticket(store, channel, 2)
    before, done, after = undo_roundtrip(
        store,
        me,
        [assigned, nobody],
        "assign",
        lambda st, ac, t: tickets.assign(st, t, "dewi@shop.test", ac),
    )
    assert done[0].assignee_id == done[1].assignee_id == me.agent_id
    assert after[0].assignee_id == other.agent_id and after[1].assignee_id is None
    for old, new in zip(before, after, strict=True):
        assert_same(old, new)


def test_undo_bulk_close_of_three(
    store: Store, channel: ChannelContext, me: Actor, other: Actor
) -> None:
    """issue 10 item 5: a bulk close on three marked tickets is undone for every one,
    each back to its own state (one was closed already, one snoozed)."""
    ids = [busy_ticket(store, channel, me, other, n) for n in (1, 2, 3)]
    tickets.close(store, ids[1], me)
    tickets.snooze(store, ids[2], datetime.now(UTC) + timedelta(days=1), me)
    before, done, after = undo_roundtrip(
        store, me, ids, "close", lambda st, ac, t: tickets.close(st, t, ac)
    )
    assert all(s.status == "closed" and s.snoozed_until is None for s in done)
    for old, new in zip(before, after, strict=True):
        assert_same(old, new)


def _events(store: Store, ticket_id: int) -> list[tuple[str, str, dict[str, object]]]:
    with store.read() as session:
        rows = session.exec(
            select(Event).where(Event.ticket_id == ticket_id).order_by(col(Event.id))
        ).all()
        return [(e.kind, e.actor, dict(e.data)) for e in rows]


def test_an_undo_is_logged_as_an_action(store: Store, channel: ChannelContext, me: Actor) -> None:
    """issue 10 item 5: the log keeps the action and its undo, as the changes they made."""
    tid = new_ticket(store, channel, 1)
    tickets.add_tags(store, tid, ["vip"], me)
    undoable = Undoable("tag", (tid,))
    perform(store, undoable, me, lambda st, ac, t: tickets.add_tags(st, t, ["refund"], ac))
    restore(store, undoable, me)
    closing = Undoable("close", (tid,))
    perform(store, closing, me, lambda st, ac, t: tickets.close(st, t, ac))
    restore(store, closing, me)
    events = _events(store, tid)[-4:]
    assert events == [
        ("tag.added", "agent:dewi@shop.test", {"tag": "refund"}),
        ("tag.removed", "agent:dewi@shop.test", {"tag": "refund", "undo": "tag"}),
        ("ticket.closed", "agent:dewi@shop.test", {}),
        ("ticket.reopened", "agent:dewi@shop.test", {"undo": "close"}),
    ]


def test_undo_restores_the_captured_fields_over_a_change_in_between(
    store: Store, channel: ChannelContext, me: Actor, other: Actor
) -> None:
    """issue 10 item 5 (the documented choice): another agent reassigned the ticket after
    our assign; undo still puts back the assignee we saw, and leaves alone the tag they
    added (a field our action did not touch)."""
    tid = new_ticket(store, channel, 1)
    undoable = Undoable("assign", (tid,))
    perform(store, undoable, me, lambda st, ac, t: tickets.assign(st, t, "dewi@shop.test", ac))
    tickets.assign(store, tid, "budi@shop.test", other)
    tickets.add_tags(store, tid, ["theirs"], other)
    restore(store, undoable, me)
    now = state(store, tid)
    assert now.assignee_id is None and now.tags == {"theirs"}
    assert _events(store, tid)[-1] == (
        "ticket.unassigned",
        "agent:dewi@shop.test",
        {"assignee": None, "undo": "assign"},
    )


def test_undo_of_close_after_the_customer_wrote_again(
    store: Store, channel: ChannelContext, me: Actor
) -> None:
    """issue 10 item 5: close, the customer writes (the ticket reopens), undo: the state
    before the close (open, no closed_at), the new message kept."""
    tid = new_ticket(store, channel, 1)
    before = state(store, tid)
    undoable = Undoable("close", (tid,))
    perform(store, undoable, me, lambda st, ac, t: tickets.close(st, t, ac))
    later = msg(
        "<m1b@x>", sender="c1@example.com", subject="Re: Order 1", in_reply_to="<m1@x>", day=20
    )
    assert ingest(store, channel, later).ticket_id == tid
    restore(store, undoable, me)
    assert_same(before, state(store, tid))
    with store.read() as session:
        ticket = session.get(Ticket, tid)
        assert ticket is not None and ticket.message_count == 2


def test_undo_leaves_a_ticket_merged_meanwhile_alone(
    store: Store, channel: ChannelContext, me: Actor
) -> None:
    """issue 10 item 5: a ticket merged into another since has no state of its own."""
    first = new_ticket(store, channel, 1)
    second = new_ticket(store, channel, 2)
    undoable = Undoable("close", (second,))
    perform(store, undoable, me, lambda st, ac, t: tickets.close(st, t, ac))
    tickets.merge(store, first, second, me, allow_other_customer=True)
    assert restore(store, undoable, me) == []
    assert state(store, second).status == "closed"


def test_restore_before_the_action_ran_is_refused(store: Store, me: Actor) -> None:
    """issue 10 item 5: an undo whose action never ran says so in one line."""
    with pytest.raises(UsageError, match="nothing to undo"):
        restore(store, Undoable("close", (1,)), me)


def test_a_failed_action_leaves_nothing_to_undo(
    store: Store, channel: ChannelContext, me: Actor
) -> None:
    """issue 10 item 5: a snooze refused (time past) changed nothing: nothing to undo."""
    tid = new_ticket(store, channel, 1)
    undoable = Undoable("snooze", (tid,))
    past = datetime.now(UTC) - timedelta(hours=1)
    with pytest.raises(UsageError, match="in the past"):
        perform(store, undoable, me, lambda st, ac, t: tickets.snooze(st, t, past, ac))
    with pytest.raises(UsageError, match="nothing to undo"):
        restore(store, undoable, me)


def test_a_bulk_action_failing_halfway_is_still_undone(
    store: Store, channel: ChannelContext, me: Actor
) -> None:
    """issue 10 item 5: the tickets changed before a failure are put back by the undo."""
    first, second = new_ticket(store, channel, 1), new_ticket(store, channel, 2)
    before = state(store, first)
    undoable = Undoable("close", (first, second))

    def close_but_fail_on_the_second(st: Store, ac: Actor, t: int) -> None:
        if t == second:
            raise NotFoundError("the store went away")
        tickets.close(st, t, ac)

    with pytest.raises(NotFoundError):
        perform(store, undoable, me, close_but_fail_on_the_second)
    assert state(store, first).status == "closed"
    restore(store, undoable, me)
    assert_same(before, state(store, first))


def test_undo_on_sqlite_and_postgresql(any_store: Store, any_channel: ChannelContext) -> None:
    """issue 10 item 5: the round trip is exact on both store dialects (datetimes included)."""
    with any_store.write() as session:
        me = agent_actor(session, email="dewi@shop.test", name="Dewi")
    tid = new_ticket(any_store, any_channel, 1)
    tickets.add_tags(any_store, tid, ["vip"], me)
    tickets.snooze(any_store, tid, datetime.now(UTC) + timedelta(hours=5), me)
    for action, change in (
        ("close", lambda st, ac, t: tickets.close(st, t, ac)),
        ("tag", lambda st, ac, t: tickets.remove_tags(st, t, ["vip"], ac)),
        ("assign", lambda st, ac, t: tickets.assign(st, t, "dewi@shop.test", ac)),
        ("spam", lambda st, ac, t: tickets.set_spam(st, t, True, ac)),
    ):
        before, _done, after = undo_roundtrip(any_store, me, [tid], action, change)  # type: ignore[arg-type]
        assert_same(before[0], after[0])

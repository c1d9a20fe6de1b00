"""Issue 10 item 12: `sla:breached` and `sla:due<…` against real SQLite and PostgreSQL, with
the channels' targets from the config; the `sla` summary agrees with the query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deskterm.domain.query import parse_query
from deskterm.domain.sla import SlaTargets, sla_summary
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import agent_actor
from deskterm.store import reader
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import Store
from deskterm.store.readdb import ReadDb
from tests.conftest import ingest, msg
from tests.store.test_sla_fields import our_reply

NOW = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
TARGETS = {"support": SlaTargets(first_response=timedelta(hours=4), resolution=timedelta(days=2))}


def ids(db: ReadDb, query: str, targets: dict[str, SlaTargets] = TARGETS) -> set[int]:
    where = reader.compile_query(
        db, parse_query(query, now=NOW), me_agent_id=None, sla_targets=targets, now=NOW
    )
    return {t["id"] for t in reader.list_tickets(db, where, limit=100)}


def test_sla_queries_follow_each_channels_targets(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    """issue 10 item 12: breached = a running clock past due now (first response while
    unanswered, resolution while open); due<1h = a running clock due within the hour;
    closed, snoozed and target-less channels never match."""
    with any_store.write() as session:
        ana = agent_actor(session, email="ana@shop.test")
        row = ensure_channel(session, name="sales", type="email", address="sales@shop.test")
        assert row.id is not None
    sales = ChannelContext(
        id=row.id, name="sales", type="email", own_addresses=frozenset({"sales@shop.test"})
    )

    def new(mid: str, day: int, hour: int, channel: ChannelContext = any_channel) -> int:
        sender = f"{mid.partition('@')[0]}@mail.test"
        message = msg(mid, sender=sender, subject=f"Order {mid}", day=day, hour=hour)
        return ingest(any_store, channel, message).ticket_id

    overdue_reply = new("a@x", 5, 9)  # first response due 13:00: breached 1h ago
    due_soon = new("b@x", 5, 11)  # first response due 15:00: in exactly one hour
    due_now = new("c@x", 5, 10)  # first response due 14:00, now: due, not yet past
    answered = new("d@x", 5, 9)
    ingest(any_store, any_channel, our_reply("d2@x", "d@x", day=5, hour=10, to="d@mail.test"))
    overdue_resolution = new("e@x", 1, 10)  # resolution due 3 March 10:00
    ingest(any_store, any_channel, our_reply("e2@x", "e@x", day=1, hour=11, to="e@mail.test"))
    autoreplied = new("f@x", 5, 10)  # an autoresponder is no first response
    ingest(
        any_store,
        any_channel,
        our_reply("f2@x", "f@x", day=5, hour=10, to="f@mail.test", auto=True),
    )
    closed = new("g@x", 1, 10)
    svc.close(any_store, closed, ana)
    snoozed = new("h@x", 1, 10)
    svc.snooze(any_store, snoozed, datetime.now(UTC) + timedelta(days=1), ana)
    other_channel = new("i@x", 1, 10, sales)

    assert ids(db, "sla:breached") == {overdue_reply, overdue_resolution}
    assert ids(db, "sla:due<1h") == {due_now, autoreplied}
    assert ids(db, "sla:due<61m") == {due_now, autoreplied, due_soon}
    # Its first response is late, but its resolution (due 7 March 09:00) is still ahead.
    assert ids(db, "sla:due<2d") == {due_now, autoreplied, due_soon, answered, overdue_reply}
    assert answered not in ids(db, "sla:breached OR sla:due<1d")
    assert ids(db, "-sla:breached status:open") == {
        due_soon,
        due_now,
        answered,
        autoreplied,
        other_channel,
    }
    assert not ids(db, "sla:breached", {}) and not ids(db, "sla:due<1w", {})
    for ticket in (closed, snoozed, other_channel):
        assert ticket not in ids(db, "sla:breached OR sla:due<2w")

    # The JSON summary and the query agree on every ticket.
    where = reader.compile_query(db, parse_query("*"), me_agent_id=None)
    breached = ids(db, "sla:breached")
    for ticket in reader.list_tickets(db, where, limit=100):
        summary = sla_summary(ticket, TARGETS.get(ticket["channel"]), NOW)
        if ticket["channel"] == "sales":
            assert summary is None
        else:
            assert summary is not None
            assert summary["breached"] == (ticket["id"] in breached), ticket["id"]

"""SLA hints from reader rows: first agent reply and close times, per page, on both dialects."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from deskterm.domain.messages import InboundMessage
from deskterm.domain.query import parse_query
from deskterm.domain.sla import SlaTargets, sla_for_ticket, sla_label
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.services.replies import queue_reply
from deskterm.store import reader
from deskterm.store.engine import Store
from deskterm.store.readdb import ReadDb
from tests.conftest import SHOP, ingest, msg

TARGETS = SlaTargets(first_response=timedelta(hours=4), resolution=timedelta(days=2))


def agent(store: Store) -> Actor:
    with store.write() as session:
        return agent_actor(session, email="ana@shop.test")


def rows(db: ReadDb, query: str = "") -> dict[int, dict[str, object]]:
    where = reader.compile_query(db, parse_query(query), me_agent_id=None)
    return {t["id"]: t for t in reader.list_tickets(db, where, limit=100)}


def our_reply(
    mid: str, parent: str, *, day: int, hour: int, to: str = "alice@example.com", auto: bool = False
) -> InboundMessage:
    """A reply from the shop's own address, as the Sent-folder sync ingests it."""
    sent = msg(mid, sender=SHOP, name="Shop", to=to, in_reply_to=parent, day=day, hour=hour)
    return dataclasses.replace(sent, auto_submitted=auto)


def test_first_reply_at_is_the_first_public_agent_reply(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana = agent(any_store)
    ticket = ingest(any_store, any_channel, msg("1@x", day=1, hour=10)).ticket_id
    assert rows(db)[ticket]["first_reply_at"] is None

    svc.add_note(any_store, ticket, "internal: check stock", ana)  # notes are not answers
    autoreply = our_reply("2@x", "1@x", day=1, hour=10, auto=True)  # vacation responder
    ingest(any_store, any_channel, autoreply)
    assert rows(db)[ticket]["first_reply_at"] is None

    ingest(any_store, any_channel, our_reply("4@x", "1@x", day=1, hour=15))
    ingest(any_store, any_channel, our_reply("3@x", "1@x", day=1, hour=12))
    row = rows(db)[ticket]
    assert row["first_reply_at"] == "2026-03-01T12:00:00Z"
    assert reader.get_ticket(db, ticket)["first_reply_at"] == "2026-03-01T12:00:00Z"


def test_a_queued_reply_counts_as_the_first_response(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana = agent(any_store)
    ticket = ingest(any_store, any_channel, msg("1@x")).ticket_id
    before = datetime.now(UTC).replace(microsecond=0)
    queue_reply(any_store, ticket, "On its way!", ana)
    first = rows(db)[ticket]["first_reply_at"]
    assert isinstance(first, str)
    assert datetime.fromisoformat(first.replace("Z", "+00:00")) >= before


def test_closed_at_is_exposed_and_stops_the_clock(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana = agent(any_store)
    ticket = ingest(any_store, any_channel, msg("1@x")).ticket_id
    assert rows(db)[ticket]["closed_at"] is None
    svc.close(any_store, ticket, ana)
    row = rows(db, "status:closed")[ticket]
    assert isinstance(row["closed_at"], str) and row["closed_at"].endswith("Z")
    assert reader.get_ticket(db, ticket)["closed_at"] == row["closed_at"]
    state = sla_for_ticket(row, TARGETS, now=datetime.now(UTC))
    assert state is not None and not state.running
    assert sla_label(state) == ""


def test_list_rows_give_the_tui_its_sla_labels(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    unanswered = ingest(any_store, any_channel, msg("1@x", day=1, hour=9)).ticket_id
    answered = ingest(
        any_store, any_channel, msg("2@x", sender="bob@b.test", subject="Invoice", day=1, hour=9)
    ).ticket_id
    ingest(any_store, any_channel, our_reply("3@x", "2@x", day=1, hour=10, to="bob@b.test"))
    by_id = rows(db)
    now = datetime(2026, 3, 1, 11, 48, tzinfo=UTC)
    labels = {ticket: sla_label(sla_for_ticket(by_id[ticket], TARGETS, now)) for ticket in by_id}
    assert labels[unanswered] == "1h12m left"
    assert labels[answered] == "1d21h left"

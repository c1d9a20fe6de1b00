"""Issue 10 item 10: reader rows and queries show a snoozed ticket as `snoozed`, both dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deskterm.domain.query import parse_query
from deskterm.domain.sla import SlaTargets, sla_for_ticket
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import agent_actor
from deskterm.store import reader
from deskterm.store.customer_reader import customer_context
from deskterm.store.engine import Store
from deskterm.store.readdb import ReadDb
from tests.conftest import ingest, msg


def ids(db: ReadDb, query: str) -> list[int]:
    where = reader.compile_query(db, parse_query(query), me_agent_id=None)
    return sorted(t["id"] for t in reader.list_tickets(db, where))


def test_snoozed_is_one_status_in_rows_and_queries(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    """issue 10 item 10: status "snoozed" with snoozed_until and snoozed_at (closed_at is
    null); status:closed no longer matches it; the customer's ticket list agrees; the SLA
    clock stops at the snooze."""
    with any_store.write() as session:
        ana = agent_actor(session, email="ana@shop.test")
    snoozed = ingest(any_store, any_channel, msg("1@x")).ticket_id
    closed = ingest(any_store, any_channel, msg("2@x", subject="Other", day=2)).ticket_id
    opened = ingest(any_store, any_channel, msg("3@x", subject="Third", day=3)).ticket_id
    wake = datetime.now(UTC) + timedelta(days=3)
    svc.snooze(any_store, snoozed, wake, ana)
    svc.close(any_store, closed, ana)

    row = reader.get_ticket(db, snoozed)
    assert row["status"] == "snoozed"
    assert row["snoozed_until"] == wake.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert row["closed_at"] is None and isinstance(row["snoozed_at"], str)
    shut = reader.get_ticket(db, closed)
    assert (shut["status"], shut["snoozed_at"]) == ("closed", None)
    assert isinstance(shut["closed_at"], str)

    assert ids(db, "status:snoozed") == [snoozed]
    assert ids(db, "status:closed") == [closed]
    assert ids(db, "status:open") == [opened]
    assert ids(db, "-status:closed") == sorted([snoozed, opened])

    context = customer_context(db, row["customer"]["id"], limit=10)
    assert {t["id"]: t["status"] for t in context["tickets"]}[snoozed] == "snoozed"

    targets = SlaTargets(resolution=timedelta(days=1))
    state = sla_for_ticket(row, targets, now=datetime.now(UTC) + timedelta(days=30))
    assert state is not None and not state.running
    stopped = datetime.fromisoformat(row["snoozed_at"].replace("Z", "+00:00"))
    assert state.left == state.due_at - stopped

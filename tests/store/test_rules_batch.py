"""The batch judge (automation/rules/batch.py) gives exactly the verdicts of the one-event
evaluator (evaluate.py) on a real store: every condition kind, facts, spam, orders."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from deskterm.automation.rules.batch import EventRef, Judge, gather_batch
from deskterm.automation.rules.conditions import parse_condition
from deskterm.automation.rules.evaluate import evaluate, gather_facts
from deskterm.domain.business_hours import business_hours
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets
from deskterm.services.actor import Actor
from deskterm.services.replies import queue_reply
from deskterm.services.rule_engine import RULE_EVENTS
from deskterm.store.customer_reader import last_orders
from deskterm.store.engine import Store
from deskterm.store.session_read import SessionReadDb
from deskterm.store.tables import Event, Message, Order, as_utc
from tests.conftest import ingest, msg

ACTOR = Actor("agent:dewi@shop.test")
NOW = datetime.now(UTC)
HOURS = business_hours("UTC", {"mon": "08:00-17:00", "tue": "08:00-17:00"})

CONDITIONS = [
    "*",
    "message.from:customer",
    "message.from:agent OR tag:vip",
    'message.body:"where is" AND NOT tag:vip',
    "hours:outside AND status:open",
    "status:spam OR message.from:customer",
    "NOT (message.from:customer AND subject:order)",
    "order.status:shipped AND order.total>50 AND customer.orders>=1",
    "customer.tag:vip OR order.age<2d",
    "message.channel_type:email AND parcel",
    "tag:vip AND NOT message.body:refund",
    "from:bob@example.com OR (message.from:customer AND NOT hours:inside)",
    "message.auto:yes",
    "message.auto:no AND message.from:customer",
    "customer.spent>80 AND customer.orders>=2",
    "customer.spent>=100 OR customer.spent<1",
]


@pytest.fixture
def filled(any_store: Store, any_channel: ChannelContext) -> Store:
    """Tickets of three customers: words, a tag, a spam ticket, an order, replies; on
    SQLite and on PostgreSQL."""
    store, channel = any_store, any_channel
    alice = ingest(store, channel, msg("1@x", body="Hi, where is my parcel?")).ticket_id
    ingest(store, channel, msg("2@x", body="Refund please", in_reply_to="1@x", hour=20))
    bob = ingest(
        store,
        channel,
        msg("3@x", sender="bob@example.com", name="Bob", subject="Hello", body="parcel"),
    ).ticket_id
    carol = ingest(
        store, channel, msg("4@x", sender="carol@example.com", name="Carol", body="buy now")
    ).ticket_id
    # Automatic mail: a list mailing (ingest saw its List-Id) and a bounce.
    newsletter = msg("5@x", sender="news@brand.test", name="Brand", body="Sale! Unsubscribe")
    ingest(store, channel, dataclasses.replace(newsletter, auto_submitted=True))
    ingest(store, channel, msg("6@x", sender="MAILER-DAEMON@mx.test", body="Undelivered"))
    tickets.add_tags(store, bob, ["vip"], ACTOR)
    tickets.set_spam(store, carol, True, ACTOR)
    with store.write() as session:
        session.add(
            Order(
                store="main",
                external_id="gid://shopify/Order/1",
                email="alice@example.com",
                placed_at=NOW - timedelta(days=1),
                total="75.00",
                status="shipped",
            )
        )
        session.add(
            Order(
                store="main",
                external_id="gid://shopify/Order/0",
                email="alice@example.com",
                placed_at=NOW - timedelta(days=9),
                total="10.00",
                status="delivered",
            )
        )
    queue_reply(store, alice, "On its way", ACTOR)
    return store


def test_batch_verdicts_equal_the_one_by_one_evaluator(filled: Store) -> None:
    trees = [parse_condition(text) for text in CONDITIONS]
    with filled.read() as session:
        db = SessionReadDb(session)
        events = [
            e
            for e in session.exec(select(Event).order_by(col(Event.id)))
            if e.kind in RULE_EVENTS and e.ticket_id is not None and e.id is not None
        ]
        assert len(events) >= 6
        refs = [
            EventRef(
                e.id,  # type: ignore[arg-type]
                e.ticket_id,  # type: ignore[arg-type]
                e.kind,
                e.actor,
                as_utc(e.created_at),
                (e.data or {}).get("message_id"),
            )
            for e in events
        ]
        for whole_store in (False, True):
            judge = Judge(db, trees, now=NOW, sla_targets=None, whole_store=whole_store)
            facts = gather_batch(db, refs, judge.fields, HOURS)
            vectors = judge.group((r.id, r.ticket_id, judge.vector(facts[r.id])) for r in refs)
            for index, (text, tree) in enumerate(zip(CONDITIONS, trees, strict=True)):
                batch = judge.matches(index, vectors)
                one_by_one = set()
                for ref in refs:
                    message = session.get(Message, ref.message_id) if ref.message_id else None
                    single = gather_facts(
                        db,
                        ref.ticket_id,
                        at=as_utc(message.sent_at) if message is not None else ref.created_at,
                        message_id=ref.message_id if message is not None else None,
                        message_from=facts[ref.id].message_from,
                        hours=HOURS,
                    )
                    assert single is not None
                    assert single.order == facts[ref.id].order, text
                    assert single.customer_tags == facts[ref.id].customer_tags, text
                    if evaluate(db, tree, single, now=NOW).matched:
                        one_by_one.add(ref.id)
                assert batch == one_by_one, (text, whole_store)
        # Some conditions match some events and not others: the test can tell them apart.
        judge = Judge(db, trees, now=NOW, sla_targets=None)
        facts = gather_batch(db, refs, judge.fields, HOURS)
        vectors = judge.group((r.id, r.ticket_id, judge.vector(facts[r.id])) for r in refs)
        counts = {text: len(judge.matches(i, vectors)) for i, text in enumerate(CONDITIONS)}
        assert 0 < counts["message.from:customer"] < len(refs)
        assert counts["order.status:shipped AND order.total>50 AND customer.orders>=1"] > 0
        assert counts["message.auto:yes"] >= 2
        # Alice spent 85.00 in two orders; nobody else ordered.
        spenders = judge.matches(
            CONDITIONS.index("customer.spent>80 AND customer.orders>=2"), vectors
        )
        assert spenders and {facts[e].spent for e in spenders} == {Decimal("85.00")}


def test_last_orders_in_bulk_picks_the_newest_and_counts(filled: Store) -> None:
    with filled.read() as session:
        db = SessionReadDb(session)
        ids = [c for (c,) in db.all("SELECT id FROM customer ORDER BY id")]
        found = last_orders(db, ids)
    by_total = {cid: (g.newest["total"] if g.newest else None, g.count) for cid, g in found.items()}
    assert sorted(by_total.values(), key=str) == sorted(
        [("75.00", 2)] + [(None, 0)] * (len(ids) - 1), key=str
    )
    spent = sorted(g.spent for g in found.values())
    assert spent[-1] == Decimal("85.00")  # both of Alice's orders (one currency)
    assert spent[:-1] == [0] * (len(ids) - 1)

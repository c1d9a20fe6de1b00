"""customer_context: identities across channels, other tickets, cached orders (SQLite + PG)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert

from deskterm.domain.enums import IdentityKind
from deskterm.domain.errors import NotFoundError
from deskterm.domain.messages import InboundMessage, Party
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import agent_actor
from deskterm.store.channels import ensure_channel
from deskterm.store.customer_reader import customer_context, customer_context_for_ticket
from deskterm.store.engine import Store
from deskterm.store.readdb import ReadDb
from deskterm.store.tables import Customer, CustomerIdentity, Order, Ticket, table_of
from tests.conftest import SHOP, ingest, msg


def _channel(store: Store, name: str, type_: str, address: str = "") -> ChannelContext:
    with store.write() as session:
        row = ensure_channel(session, name=name, type=type_, address=address)
        assert row.id is not None
        return ChannelContext(
            id=row.id,
            name=name,
            type=type_,
            own_addresses=frozenset({address}) if address else frozenset(),
            noreply_addresses=frozenset({"no-reply@shop.test"}) if address == SHOP else frozenset(),
        )


def _chat(mid: str, buyer: str, body: str, *, day: int) -> InboundMessage:
    return InboundMessage(
        external_id=mid,
        content_hash=hashlib.sha256(f"{mid}|{body}".encode()).hexdigest(),
        subject="",
        sender=Party("alice_shop", buyer, IdentityKind.BUYER),
        sent_at=datetime(2026, 3, day, 9, tzinfo=UTC),
        body_text=body,
    )


def _add_identity(store: Store, customer_id: int, kind: str, value: str, scope: str = "") -> None:
    with store.write() as session:
        session.add(CustomerIdentity(customer_id=customer_id, kind=kind, scope=scope, value=value))


def _customer_of(store: Store, ticket_id: int) -> int:
    with store.read() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.customer_id is not None
        return ticket.customer_id


def _orders(store: Store, rows: list[dict[str, Any]]) -> None:
    defaults: dict[str, Any] = {
        "store": "main",
        "customer_id": None,
        "email": "",
        "name": "",
        "placed_at": None,
        "financial_status": "",
        "fulfillment_status": "",
        "total": "",
        "currency": "",
        "status_url": "",
        "data": {},
        "fetched_at": datetime(2026, 3, 20, 8, tzinfo=UTC),
    }
    with store.write() as session:
        session.execute(insert(table_of(Order)), [{**defaults, **row} for row in rows])


@dataclass
class World:
    alice: int
    bob: int
    first: int  # alice on support, day 1
    later: int  # alice on support, day 5 (the conversation on screen)
    work: int  # alice from her work address on sales, day 3
    chat: int  # alice as a Shopee buyer, day 4
    bob_ticket: int


@pytest.fixture
def world(any_store: Store) -> World:
    support = _channel(any_store, "support", "email", SHOP)
    sales = _channel(any_store, "sales", "email", "sales@shop.test")
    shopee = _channel(any_store, "shopee-id", "shopee")
    first = ingest(any_store, support, msg("1@x", subject="Where is my order?", day=1))
    alice = _customer_of(any_store, first.ticket_id)
    # Linked by hand (as a "link customers" action would): her work address and Shopee id.
    _add_identity(any_store, alice, "email", "alice.w@work.test")
    _add_identity(any_store, alice, "buyer", "buyer-77", scope="shopee")
    _add_identity(any_store, alice, "phone", "+628123456")
    work = ingest(
        any_store,
        sales,
        msg(
            "2@x",
            sender="Alice.W@Work.test",
            subject="Wholesale price",
            day=3,
            to="sales@shop.test",
        ),
    )
    chat = ingest(any_store, shopee, _chat("c-1", "buyer-77", "is it in stock?", day=4))
    later = ingest(any_store, support, msg("3@x", subject="Refund", body="broken", day=5))
    bob_ticket = ingest(any_store, support, msg("4@x", sender="bob@b.test", subject="Hi", day=6))
    return World(
        alice=alice,
        bob=_customer_of(any_store, bob_ticket.ticket_id),
        first=first.ticket_id,
        later=later.ticket_id,
        work=work.ticket_id,
        chat=chat.ticket_id,
        bob_ticket=bob_ticket.ticket_id,
    )


def test_identities_across_channels(db: ReadDb, world: World) -> None:
    context = customer_context(db, world.alice)
    assert context["customer"] == {
        "id": world.alice,
        "name": "Alice",
        "email": "alice@example.com",
        "note": "",
        "created_at": context["customer"]["created_at"],
    }
    assert context["customer"]["created_at"].endswith("Z")
    shown = {(i["kind"], i["scope"], i["value"]): i["channels"] for i in context["identities"]}
    assert shown == {
        ("email", "", "alice@example.com"): [{"name": "support", "type": "email"}],
        # Matched although the message kept the handle as typed ("Alice.W@Work.test").
        ("email", "", "alice.w@work.test"): [{"name": "sales", "type": "email"}],
        ("buyer", "shopee", "buyer-77"): [{"name": "shopee-id", "type": "shopee"}],
        ("phone", "", "+628123456"): [],
    }
    assert [i["kind"] for i in context["identities"]] == ["email", "email", "buyer", "phone"]


def test_other_tickets_newest_first_excluding_the_current_one(db: ReadDb, world: World) -> None:
    context = customer_context(db, world.alice, exclude_ticket=world.later)
    assert [t["id"] for t in context["tickets"]] == [world.chat, world.work, world.first]
    assert context["ticket_count"] == 3
    chat = context["tickets"][0]
    assert chat["channel"] == "shopee-id" and chat["channel_type"] == "shopee"
    assert chat["status"] == "open" and chat["last_message_at"] == "2026-03-04T09:00:00Z"
    assert set(chat) >= {"id", "subject", "status", "channel", "last_message_at", "spam"}
    # Limited, but the count still says how many there are.
    limited = customer_context(db, world.alice, exclude_ticket=world.later, limit=2)
    assert [t["id"] for t in limited["tickets"]] == [world.chat, world.work]
    assert limited["ticket_count"] == 3
    # Without an exclusion every ticket is there; Bob's never is.
    everything = customer_context(db, world.alice)
    assert everything["ticket_count"] == 4 and world.bob_ticket not in {
        t["id"] for t in everything["tickets"]
    }


def test_merged_away_tickets_are_not_listed(any_store: Store, db: ReadDb, world: World) -> None:
    with any_store.write() as session:
        actor = agent_actor(session, email="dewi@shop.test")
    survivor = svc.merge(any_store, world.first, world.later, actor)
    assert survivor == world.first
    context = customer_context(db, world.alice, exclude_ticket=survivor)
    assert [t["id"] for t in context["tickets"]] == [world.chat, world.work]
    assert context["ticket_count"] == 2


def test_for_ticket_excludes_it_and_handles_a_ticket_without_customer(
    any_store: Store, db: ReadDb, world: World
) -> None:
    context = customer_context_for_ticket(db, world.work)
    assert context is not None and context["customer"]["id"] == world.alice
    assert world.work not in {t["id"] for t in context["tickets"]}
    with any_store.write() as session:
        orphan = Ticket(channel_id=1, subject="no sender")
        session.add(orphan)
        session.flush()
        orphan_id = orphan.id
    assert orphan_id is not None
    assert customer_context_for_ticket(db, orphan_id) is None
    with pytest.raises(NotFoundError, match="no ticket with id 9999"):
        customer_context_for_ticket(db, 9999)


def test_form_reply_to_identity_gets_its_channel_by_type(any_store: Store, db: ReadDb) -> None:
    support = _channel(any_store, "support", "email", SHOP)
    form = ingest(
        any_store,
        support,
        msg("f@x", sender="no-reply@shop.test", name="Form", reply_to="carol@c.test"),
    )
    context = customer_context(db, _customer_of(any_store, form.ticket_id))
    assert context["identities"][0]["value"] == "carol@c.test"
    assert context["identities"][0]["channels"] == [{"name": "support", "type": "email"}]


def test_orders_newest_first_with_totals_and_cache_age(
    any_store: Store, db: ReadDb, world: World
) -> None:
    graphql = {
        "lineItems": {
            "nodes": [{"title": "Gayo 1kg", "quantity": 2, "sku": "GY-1", "variantTitle": "Beans"}]
        },
        "fulfillments": [
            {
                "displayStatus": "IN_TRANSIT",
                "trackingInfo": [
                    {"number": "JNE123", "url": "https://t.test/JNE123", "company": "JNE"}
                ],
            }
        ],
    }
    rest = {
        "line_items": [{"title": "Grinder", "quantity": "1", "variant_title": "Black"}],
        "fulfillments": [
            {
                "tracking_number": "SC9",
                "tracking_company": "SiCepat",
                "shipment_status": "delivered",
            }
        ],
    }
    _orders(
        any_store,
        [
            {
                "external_id": "1",
                "customer_id": world.alice,
                "name": "#1001",
                "placed_at": datetime(2026, 3, 1, tzinfo=UTC),
                "financial_status": "paid",
                "fulfillment_status": "fulfilled",
                "total": "150000.00",
                "currency": "IDR",
                "status_url": "https://shop.test/orders/1",
                "data": rest,
                "fetched_at": datetime(2026, 3, 20, 8, tzinfo=UTC),
            },
            {  # matched by email: not linked to anyone yet
                "external_id": "3",
                "email": "alice.w@work.test",
                "name": "#1003",
                "placed_at": datetime(2026, 3, 10, tzinfo=UTC),
                "financial_status": "paid",
                "total": "99000.50",
                "currency": "IDR",
                "data": graphql,
                "fetched_at": datetime(2026, 3, 21, 8, tzinfo=UTC),
            },
            {  # refunded: listed, but not money spent
                "external_id": "4",
                "customer_id": world.alice,
                "name": "#1004",
                "placed_at": datetime(2026, 3, 5, tzinfo=UTC),
                "financial_status": "refunded",
                "total": "10.00",
                "currency": "USD",
            },
            {  # no placement date: last
                "external_id": "5",
                "customer_id": world.alice,
                "name": "#1005",
                "total": "5.00",
                "currency": "USD",
            },
            {  # her address, but the shop linked it to Bob: his, not hers
                "external_id": "2",
                "customer_id": world.bob,
                "email": "alice@example.com",
                "name": "#1002",
                "placed_at": datetime(2026, 3, 15, tzinfo=UTC),
            },
        ],
    )
    context = customer_context(db, world.alice)
    assert [o["name"] for o in context["orders"]] == ["#1003", "#1004", "#1001", "#1005"]
    assert context["order_count"] == 4
    assert context["total_spent"] == {"IDR": "249000.50", "USD": "5.00"}
    assert context["orders_refreshed_at"] == "2026-03-21T08:00:00Z"
    newest, _refunded, paid, _undated = context["orders"]
    assert newest["created_at"] == "2026-03-10T00:00:00Z"
    assert newest["items"] == [
        {"title": "Gayo 1kg", "variant": "Beans", "sku": "GY-1", "quantity": 2, "price": None}
    ]
    assert newest["tracking"] == [
        {
            "number": "JNE123",
            "url": "https://t.test/JNE123",
            "company": "JNE",
            "status": "IN_TRANSIT",
            "events": [],
        }
    ]
    assert paid["items"] == [
        {"title": "Grinder", "variant": "Black", "sku": "", "quantity": 1, "price": None}
    ]
    assert paid["tracking"] == [
        {"number": "SC9", "url": "", "company": "SiCepat", "status": "delivered", "events": []}
    ]
    assert paid["status_url"] == "https://shop.test/orders/1"
    assert paid["fetched_at"] == "2026-03-20T08:00:00Z"
    assert (paid["financial_status"], paid["fulfillment_status"]) == ("paid", "fulfilled")
    limited = customer_context(db, world.alice, limit=1)
    assert [o["name"] for o in limited["orders"]] == ["#1003"] and limited["order_count"] == 4
    assert [o["name"] for o in customer_context(db, world.bob)["orders"]] == ["#1002"]


def test_odd_order_json_never_breaks_the_panel(any_store: Store, db: ReadDb, world: World) -> None:
    _orders(
        any_store,
        [
            {
                "external_id": "x1",
                "customer_id": world.alice,
                "data": {"lineItems": "oops", "fulfillments": {"nodes": [1, None]}},
            },
            {
                "external_id": "x2",
                "customer_id": world.alice,
                "data": {
                    "items": [{"title": ["no"], "quantity": "many"}],
                    "tracking": [{"number": 42}],
                },
            },
        ],
    )
    orders = customer_context(db, world.alice)["orders"]
    by_id = {o["external_id"]: o for o in orders}
    assert by_id["x1"]["items"] == [] and by_id["x1"]["tracking"] == []
    assert by_id["x2"]["items"] == [
        {"title": "", "variant": "", "sku": "", "quantity": None, "price": None}
    ]
    assert by_id["x2"]["tracking"] == [
        {"number": "42", "url": "", "company": "", "status": "", "events": []}
    ]


def test_empty_and_missing_customer(any_store: Store, db: ReadDb) -> None:
    with any_store.write() as session:
        lonely = Customer(name="Nobody")
        session.add(lonely)
        session.flush()
        lonely_id = lonely.id
    assert lonely_id is not None
    context = customer_context(db, lonely_id)
    assert context["customer"]["name"] == "Nobody" and context["customer"]["email"] is None
    assert context["identities"] == [] and context["tickets"] == []
    assert context["ticket_count"] == 0
    assert context["orders"] == [] and context["order_count"] == 0
    assert context["total_spent"] == {} and context["orders_refreshed_at"] is None
    with pytest.raises(NotFoundError, match="no customer with id 424242"):
        customer_context(db, 424242)

"""The order cache: refresh from the Shopify fake, link by email identity, find stale caches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, select, update

from deskterm.commerce.types import ShopOrder
from deskterm.domain.errors import ChannelAuthError, ChannelError
from deskterm.ingest.context import ChannelContext
from deskterm.store.channels import ensure_channel
from deskterm.store.customer_reader import customer_context
from deskterm.store.engine import Store
from deskterm.store.readdb import open_read
from deskterm.store.tables import CustomerIdentity, Order, Ticket, as_utc
from deskterm.sync.orders.refresh import (
    OrderSource,
    last_refreshed,
    refresh_orders,
    refresh_stale,
    stale_customers,
)
from tests.commerce import conftest as commerce_fixtures
from tests.commerce.conftest import Shop
from tests.conftest import ingest, msg
from tests.store import conftest as store_fixtures

# Fixtures of sibling folders (a conftest only reaches below its own folder): the Shopify
# fake on loopback, and a store on SQLite and on PostgreSQL.
shop = commerce_fixtures.shop
any_store = store_fixtures.any_store
any_channel = store_fixtures.any_channel
pg_url = store_fixtures.pg_url

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _customer(store: Store, channel: ChannelContext, email: str, *, mid: str) -> int:
    """A customer with an open email ticket, made the way mail makes them."""
    result = ingest(store, channel, msg(mid, sender=email, name=email.partition("@")[0].title()))
    with store.read() as session:
        ticket = session.get(Ticket, result.ticket_id)
        assert ticket is not None and ticket.customer_id is not None
        return ticket.customer_id


def _rows(store: Store) -> list[Order]:
    with store.read() as session:
        return list(session.exec(select(Order).order_by(col(Order.external_id))).all())


@pytest.fixture
def alice(any_store: Store, any_channel: ChannelContext) -> int:
    return _customer(any_store, any_channel, "alice@example.com", mid="<a1@x>")


@pytest.fixture
def client(shop: Shop) -> Iterator[Any]:
    with shop.client() as opened:
        yield opened


# --- refresh ------------------------------------------------------------------------------


def test_refresh_caches_orders_the_panel_reads(
    any_store: Store,
    shop: Shop,
    client: Any,
    alice: int,
) -> None:
    seeded = shop.fake.seed_orders("alice@example.com", 3)
    shop.fake.seed_orders("bob@example.com", 2)

    assert refresh_orders(any_store, client, "main", alice, now=NOW) == 3

    rows = _rows(any_store)
    assert len(rows) == 3
    assert {r.customer_id for r in rows} == {alice}
    assert {r.store for r in rows} == {"main"}
    assert {r.email for r in rows} == {"alice@example.com"}
    assert {as_utc(r.fetched_at) for r in rows} == {NOW}
    db = open_read(any_store.url)
    try:
        panel = customer_context(db, alice)
    finally:
        db.close()
    assert panel["order_count"] == 3
    assert panel["orders_refreshed_at"] == "2026-03-20T08:00:00Z"
    newest = panel["orders"][0]
    assert newest["name"] == seeded[0].name
    assert Decimal(newest["total"]) == seeded[0].total
    assert newest["items"] == [
        {
            "title": line.title.split(" - ")[0],
            "variant": "",
            "sku": "",
            "quantity": line.quantity,
            "price": None,
        }
        for line in seeded[0].lines
    ]
    assert [(t["number"], t["company"]) for t in newest["tracking"]] == [
        (t.number, t.company) for t in seeded[0].tracking
    ]


def test_refresh_is_idempotent_and_moves_fetched_at(
    any_store: Store,
    shop: Shop,
    client: Any,
    alice: int,
) -> None:
    (order,) = shop.fake.seed_orders("alice@example.com", 1)
    order.fulfillment, order.financial = "UNFULFILLED", "PENDING"
    refresh_orders(any_store, client, "main", alice, now=NOW)
    before = _rows(any_store)

    order.fulfillment, order.financial = "FULFILLED", "PAID"
    assert refresh_orders(any_store, client, "main", alice, now=NOW + HOUR) == 1

    (after,) = _rows(any_store)
    assert [r.id for r in before] == [after.id]  # updated in place, not added again
    assert as_utc(after.fetched_at) == NOW + HOUR
    assert (after.financial_status, after.fulfillment_status) == ("paid", "fulfilled")
    assert last_refreshed(any_store, "main", alice) == NOW + HOUR
    assert last_refreshed(any_store, "other", alice) is None


def test_refresh_by_email_links_the_identity_owner(
    any_store: Store,
    any_channel: ChannelContext,
    shop: Shop,
    client: Any,
    alice: int,
) -> None:
    shop.fake.seed_orders("alice@example.com", 1)
    shop.fake.seed_orders("stranger@example.com", 1)

    assert (
        refresh_orders(
            any_store, client, "main", ["ALICE@example.com", "stranger@example.com"], now=NOW
        )
        == 2
    )

    links = {r.email: r.customer_id for r in _rows(any_store)}
    assert links == {"alice@example.com": alice, "stranger@example.com": None}

    # The stranger writes in later: the next refresh links their order.
    stranger = _customer(any_store, any_channel, "Stranger@Example.com", mid="<s1@x>")
    refresh_orders(any_store, client, "main", stranger, now=NOW + HOUR)
    links = {r.email: r.customer_id for r in _rows(any_store)}
    assert links == {"alice@example.com": alice, "stranger@example.com": stranger}


def test_refresh_keeps_a_link_no_identity_explains(
    any_store: Store,
    shop: Shop,
    client: Any,
    alice: int,
) -> None:
    shop.fake.seed_orders("gift-from-alice@example.org", 1)
    refresh_orders(any_store, client, "main", ["gift-from-alice@example.org"], now=NOW)
    with any_store.write() as session:
        session.execute(update(Order).values(customer_id=alice))  # linked by hand
    refresh_orders(any_store, client, "main", ["gift-from-alice@example.org"], now=NOW + HOUR)
    assert [r.customer_id for r in _rows(any_store)] == [alice]


def test_customer_with_several_addresses_gets_all_their_orders(
    any_store: Store,
    shop: Shop,
    client: Any,
    alice: int,
) -> None:
    with any_store.write() as session:
        session.add(CustomerIdentity(customer_id=alice, kind="email", value="alice@work.example"))
    shop.fake.seed_orders("alice@example.com", 2)
    shop.fake.seed_orders("alice@work.example", 1)
    assert refresh_orders(any_store, client, "main", alice, now=NOW) == 3
    assert {r.customer_id for r in _rows(any_store)} == {alice}
    assert len(shop.fake.requests) == 2  # one query per address


class _FailsOn:
    """A source that answers from ``inner`` but fails for one address."""

    def __init__(self, inner: OrderSource, email: str) -> None:
        self.inner, self.email = inner, email

    def orders_for_email(self, email: str, first: int = 10) -> list[ShopOrder]:
        if email == self.email:
            raise ChannelError("main: cannot reach Shopify (ConnectError)")
        return self.inner.orders_for_email(email, first)


def test_failed_fetch_keeps_the_cache(
    any_store: Store,
    shop: Shop,
    client: Any,
    alice: int,
) -> None:
    shop.fake.seed_orders("alice@example.com", 2)
    refresh_orders(any_store, client, "main", alice, now=NOW)
    cached = [(r.id, r.fetched_at, r.fulfillment_status) for r in _rows(any_store)]

    shop.fake.orders.clear()  # what the shop would answer now: nothing
    shop.fake.inject_rate_limits(10, "0")
    with pytest.raises(ChannelError):
        refresh_orders(any_store, client, "main", alice, now=NOW + HOUR)
    shop.fake.faults.rate_limits.clear()
    with shop.client("shpat_revoked") as revoked, pytest.raises(ChannelAuthError):
        refresh_orders(any_store, revoked, "main", alice, now=NOW + HOUR)
    assert [(r.id, r.fetched_at, r.fulfillment_status) for r in _rows(any_store)] == cached

    # A second address failing after the first succeeded writes nothing either.
    with any_store.write() as session:
        session.add(CustomerIdentity(customer_id=alice, kind="email", value="alice@work.example"))
    shop.fake.seed_orders("alice@example.com", 1)
    with pytest.raises(ChannelError):
        refresh_orders(
            any_store, _FailsOn(client, "alice@work.example"), "main", alice, now=NOW + HOUR
        )
    assert [(r.id, r.fetched_at, r.fulfillment_status) for r in _rows(any_store)] == cached


def test_customer_without_email_costs_no_request(
    any_store: Store,
    shop: Shop,
    client: Any,
    alice: int,
) -> None:
    with any_store.write() as session:
        session.execute(update(CustomerIdentity).values(kind="phone", value="62811000000"))
    assert refresh_orders(any_store, client, "main", alice, now=NOW) == 0
    assert shop.fake.requests == []


# --- stale customers ------------------------------------------------------------------------


def _set_fetched(store: Store, email: str, when: datetime) -> None:
    with store.write() as session:
        session.execute(update(Order).where(col(Order.email) == email).values(fetched_at=when))


def _close_tickets(store: Store, customer_id: int, **values: Any) -> None:
    with store.write() as session:
        session.execute(
            update(Ticket).where(col(Ticket.customer_id) == customer_id).values(**values)
        )


def test_stale_customers_are_open_ones_with_missing_or_old_caches(
    any_store: Store,
    any_channel: ChannelContext,
    shop: Shop,
    client: Any,
) -> None:
    def make(email: str) -> int:
        return _customer(any_store, any_channel, email, mid=f"<{email}>")

    fresh, missing, old, closed, spam = (
        make(f"{name}@example.com") for name in ("fresh", "missing", "old", "closed", "spam")
    )
    for email in ("fresh@example.com", "old@example.com", "closed@example.com"):
        shop.fake.seed_orders(email, 1)
        refresh_orders(any_store, client, "main", [email], now=NOW - 5 * HOUR)
    _set_fetched(any_store, "fresh@example.com", NOW - timedelta(minutes=10))
    _close_tickets(any_store, closed, status="closed")
    _close_tickets(any_store, spam, spam=True)
    # A ticket on a channel that sells through another store does not count for "main".
    with any_store.write() as session:
        row = ensure_channel(
            session, name="tokped", type="email", address="cs@other.test", store="other"
        )
        assert row.id is not None
    other_channel = ChannelContext(id=row.id, name="tokped", type="email", store="other")
    elsewhere = _customer(any_store, other_channel, "elsewhere@example.com", mid="<e1@x>")

    assert stale_customers(any_store, "main", HOUR, now=NOW) == [missing, old]
    assert stale_customers(any_store, "main", 6 * HOUR, now=NOW) == [missing]
    # Every cache is missing for "other"; tickets of no store count for every store.
    assert set(stale_customers(any_store, "other", HOUR, now=NOW)) == {
        elsewhere,
        fresh,
        missing,
        old,
    }
    # A customer fetched moments ago with no orders at all is not due again.
    assert stale_customers(any_store, "main", HOUR, now=NOW, checked={missing: NOW}) == [old]


def test_refresh_stale_pass(
    any_store: Store,
    any_channel: ChannelContext,
    shop: Shop,
    client: Any,
    alice: int,
) -> None:
    bob = _customer(any_store, any_channel, "bob@example.com", mid="<b1@x>")
    shop.fake.seed_orders("alice@example.com", 2)
    checked: dict[int, datetime] = {}

    first = refresh_stale(any_store, client, "main", HOUR, checked=checked, now=NOW)
    assert (first.customers, first.orders, first.stale, first.error) == (2, 2, 2, "")
    assert checked == {alice: NOW, bob: NOW}

    quiet = refresh_stale(any_store, client, "main", HOUR, checked=checked, now=NOW + HOUR / 2)
    assert (quiet.customers, quiet.stale) == (0, 0)
    assert len(shop.fake.requests) == 2  # bob has no orders and is not asked again

    shop.fake.inject_rate_limits(20, "0")
    later = NOW + 2 * HOUR
    failed = refresh_stale(any_store, client, "main", HOUR, checked=checked, now=later)
    assert failed.customers == 0 and failed.stale == 2
    assert failed.error == "main: Shopify rate limit (HTTP 429)"
    assert {as_utc(r.fetched_at) for r in _rows(any_store)} == {NOW}  # cache untouched
    assert checked == {}  # forgotten once too old, so they are due next pass

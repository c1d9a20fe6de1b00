"""Issue 13 items 1–2: marketplace orders cached per channel, linked to the chat buyer,
read back in the one order shape; a pass with nothing changed costs one listing call.

The adapters themselves are tested over HTTP against the fakes (tests/channels); here an
in-memory source stands in so that the cache's own rules are pinned exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from deskterm.domain.errors import ChannelError
from deskterm.domain.orders import (
    CANCEL,
    ListedOrder,
    OrderItem,
    OrderReturn,
    Parcel,
    PlatformOrder,
    TrackingEvent,
)
from deskterm.store.channels import ensure_channel
from deskterm.store.customer_reader import customer_orders
from deskterm.store.engine import Store
from deskterm.store.order_cache import CachedVersion, cached_versions
from deskterm.store.readdb import open_read
from deskterm.store.tables import Customer, CustomerIdentity
from deskterm.sync.orders.marketplace import (
    refresh_buyer_orders,
    refresh_channel_orders,
)

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def order(order_id: str, buyer: str, status: str = "to_ship", **extra: object) -> PlatformOrder:
    values: dict[str, object] = {
        "platform": "shopee",
        "id": order_id,
        "name": order_id,
        "created_at": NOW - timedelta(days=3),
        "status": status,
        "platform_status": "READY_TO_SHIP",
        "total": Decimal("129000.00"),
        "currency": "IDR",
        "buyer_id": buyer,
        "updated_at": NOW - timedelta(days=1),
        "items": (OrderItem("Kemeja Batik", 2, sku="KB-01", price=Decimal("64500.00")),),
        "tracking": (
            Parcel(
                "SPXID0123",
                company="SPX Express",
                status="In transit",
                events=(TrackingEvent(NOW - timedelta(hours=5), "Arrived at Jakarta hub"),),
            ),
        ),
        "returns": (OrderReturn("R1", "REQUESTED", "wrong size", Decimal("64500.00")),),
        "actions": (CANCEL,),
    }
    values.update(extra)
    return PlatformOrder(**values)  # type: ignore[arg-type]


class Source:
    """A marketplace as the cache sees it, counting calls."""

    platform = "shopee"

    def __init__(
        self, orders: list[PlatformOrder], *, buyer_filter: bool = False, listing: str = "time"
    ) -> None:
        self.all = {o.id: o for o in orders}
        self.listing = listing  # what the listing tells: "time", "status" or "" (nothing)
        self.buyer_filter = buyer_filter
        self.listings: list[tuple[datetime, datetime]] = []
        self.details: list[list[str]] = []
        self.fail = False

    @property
    def requests(self) -> int:
        return len(self.listings) + len(self.details)

    def changed_orders(self, since: datetime, until: datetime) -> list[ListedOrder]:
        if self.fail:
            raise ChannelError("shopee: connection reset")
        self.listings.append((since, until))
        return [
            ListedOrder(o.id, **self.listing_says(o))
            for o in self.all.values()
            if o.updated_at and since <= o.updated_at <= until
        ]

    def listing_says(self, order: PlatformOrder) -> dict[str, Any]:
        """What the listing tells of an order: its update time, its status, or nothing."""
        if self.listing == "time":
            return {"updated_at": order.updated_at}
        if self.listing == "status":
            return {"status": order.platform_status}
        return {}

    def changed_order_ids(self, since: datetime, until: datetime) -> list[str]:
        return [o.id for o in self.changed_orders(since, until)]

    def orders(self, ids: Sequence[str]) -> list[PlatformOrder]:
        self.details.append(list(ids))
        return [self.all[i] for i in ids if i in self.all]

    def buyer_order_ids(self, buyer_id: str, since: datetime) -> list[str] | None:
        if not self.buyer_filter:
            return None
        return [o.id for o in self.all.values() if o.buyer_id == buyer_id]

    def cancel(self, order_id: str, reason: str, *, idempotency_key: str) -> None:
        raise NotImplementedError

    def answer_cancellation(self, order_id: str, accept: bool) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


@pytest.fixture
def world(store: Store) -> tuple[int, int]:
    """A Shopee channel and a customer known by Shopee buyer id "b-77"."""
    with store.write() as session:
        channel = ensure_channel(session, name="shopee-id", type="shopee")
        customer = Customer(name="Siti")
        session.add(customer)
        session.flush()
        assert channel.id is not None and customer.id is not None
        session.add(
            CustomerIdentity(customer_id=customer.id, kind="buyer", scope="shopee", value="b-77")
        )
        return channel.id, customer.id


def shown(store: Store, customer_id: int) -> list[dict[str, object]]:
    db = open_read(store.url)
    try:
        return customer_orders(db, customer_id)
    finally:
        db.close()


def test_first_pass_caches_orders_linked_to_the_chat_buyer(
    store: Store, world: tuple[int, int]
) -> None:
    channel_id, customer = world
    source = Source([order("2512010ABC", "b-77"), order("2512010XYZ", "someone-else")])
    done = refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    assert (done.listed, done.fetched, done.error) == (2, 2, "")
    [mine] = shown(store, customer)
    assert mine["platform"] == "shopee" and mine["store"] == "shopee-id"
    assert mine["id"] == "2512010ABC" and mine["name"] == "2512010ABC"
    assert (mine["status"], mine["platform_status"]) == ("to_ship", "READY_TO_SHIP")
    assert (mine["total"], mine["currency"]) == ("129000.00", "IDR")
    assert mine["items"][0]["sku"] == "KB-01" and mine["items"][0]["price"] == "64500.00"
    parcel = mine["tracking"][0]
    assert (parcel["number"], parcel["company"], parcel["status"]) == (
        "SPXID0123",
        "SPX Express",
        "In transit",
    )
    assert parcel["events"] == [{"at": "2026-12-01T04:00:00Z", "text": "Arrived at Jakarta hub"}]
    assert mine["returns"] == [
        {"id": "R1", "status": "REQUESTED", "reason": "wrong size", "amount": "64500.00"}
    ]
    assert mine["actions"] == ["cancel"]


def test_a_pass_with_nothing_changed_is_one_listing_call(
    store: Store, world: tuple[int, int]
) -> None:
    channel_id, _customer = world
    source = Source([order(f"ORD{n}", "b-77") for n in range(5)])
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    before = source.requests
    done = refresh_channel_orders(
        store, source, "shopee-id", channel_id, now=NOW + timedelta(minutes=5)
    )
    assert source.requests - before == 1 and done.fetched == 0
    # The second listing starts where the first stopped (less the clock overlap).
    assert source.listings[1][0] == NOW - timedelta(minutes=10)


def test_only_changed_orders_are_fetched_again(store: Store, world: tuple[int, int]) -> None:
    channel_id, customer = world
    source = Source([order(f"ORD{n}", "b-77") for n in range(3)])
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    later = NOW + timedelta(hours=1)
    source.all["ORD1"] = order(
        "ORD1", "b-77", status="shipped", platform_status="SHIPPED", updated_at=later
    )
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=later + timedelta(minutes=1))
    assert source.details[-1] == ["ORD1"]
    statuses = {o["id"]: o["status"] for o in shown(store, customer)}
    assert statuses == {"ORD0": "to_ship", "ORD1": "shipped", "ORD2": "to_ship"}


def test_an_unreachable_platform_leaves_cache_and_cursor(
    store: Store, world: tuple[int, int]
) -> None:
    channel_id, customer = world
    source = Source([order("ORD1", "b-77")])
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    source.fail = True
    done = refresh_channel_orders(
        store, source, "shopee-id", channel_id, now=NOW + timedelta(hours=2)
    )
    assert done.error == "shopee: connection reset"
    assert [o["id"] for o in shown(store, customer)] == ["ORD1"]
    source.fail = False
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW + timedelta(hours=3))
    assert source.listings[-1][0] == NOW - timedelta(minutes=10)  # the failed pass moved nothing


def test_opening_a_ticket_fetches_the_buyers_orders(store: Store, world: tuple[int, int]) -> None:
    channel_id, customer = world
    filtered = Source([order("A1", "b-77"), order("A2", "other")], buyer_filter=True)
    assert refresh_buyer_orders(store, filtered, "shopee-id", channel_id, "b-77", now=NOW) == 1
    assert filtered.details == [["A1"]] and not filtered.listings
    unfiltered = Source([order("B1", "b-77")])
    refresh_buyer_orders(store, unfiltered, "shopee-id", channel_id, "b-77", now=NOW)
    assert len(unfiltered.listings) == 1  # no buyer filter: the channel's pass finds them
    assert sorted(o["id"] for o in shown(store, customer)) == ["A1", "B1"]


@pytest.mark.parametrize("listing", ["time", "status"])
def test_orders_listed_again_within_the_overlap_are_not_fetched_again(
    store: Store, world: tuple[int, int], listing: str
) -> None:
    """An order the platform touched just before a pass is listed by the next pass too (its
    window starts 10 minutes earlier): same update time (or status), no detail call."""
    channel_id, _customer = world
    recent = order("ORD9", "b-77", updated_at=NOW - timedelta(minutes=2))
    source = Source([order("ORD1", "b-77"), recent], listing=listing)
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    assert source.details == [["ORD1", "ORD9"]]
    done = refresh_channel_orders(
        store, source, "shopee-id", channel_id, now=NOW + timedelta(minutes=5)
    )
    assert (done.listed, done.fetched, len(source.listings), len(source.details)) == (1, 0, 2, 1)


def test_a_listed_order_not_in_the_cache_is_fetched(store: Store, world: tuple[int, int]) -> None:
    channel_id, _customer = world
    source = Source([order("ORD1", "b-77", updated_at=NOW - timedelta(minutes=2))])
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    # Placed on the platform with an update time inside the overlap: never cached yet.
    source.all["ORD2"] = order("ORD2", "b-77", updated_at=NOW - timedelta(minutes=1))
    done = refresh_channel_orders(
        store, source, "shopee-id", channel_id, now=NOW + timedelta(minutes=5)
    )
    assert source.details[-1] == ["ORD2"] and done.fetched == 1


def test_a_changed_update_time_is_fetched_whatever_the_status(
    store: Store, world: tuple[int, int]
) -> None:
    channel_id, customer = world
    source = Source([order("ORD1", "b-77", updated_at=NOW - timedelta(minutes=2))])
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    source.all["ORD1"] = order(
        "ORD1", "b-77", updated_at=NOW + timedelta(minutes=1), returns=(), actions=()
    )
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW + timedelta(minutes=5))
    assert source.details[-1] == ["ORD1"]
    assert shown(store, customer)[0]["returns"] == []


def test_a_status_listing_fetches_a_new_status_and_misses_a_change_that_keeps_it(
    store: Store, world: tuple[int, int]
) -> None:
    """Shopee's listing has no update time: only a status change tells an order apart."""
    channel_id, customer = world
    source = Source([order("A", "b-77"), order("B", "b-77")], listing="status")
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    later = NOW + timedelta(hours=1)
    source.all["A"] = order(
        "A", "b-77", status="shipped", platform_status="SHIPPED", updated_at=later
    )
    source.all["B"] = order("B", "b-77", returns=(), updated_at=later)  # same status
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=later + timedelta(minutes=1))
    assert source.details[-1] == ["A"]
    statuses = {o["id"]: (o["status"], len(o["returns"])) for o in shown(store, customer)}
    assert statuses == {"A": ("shipped", 1), "B": ("to_ship", 1)}  # B's change is missed


def test_a_listing_that_tells_nothing_fetches_every_listed_order(
    store: Store, world: tuple[int, int]
) -> None:
    channel_id, _customer = world
    source = Source([order("ORD1", "b-77", updated_at=NOW - timedelta(minutes=2))], listing="")
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW + timedelta(minutes=5))
    assert source.details == [["ORD1"], ["ORD1"]]


def test_cached_versions_reads_time_and_status_of_the_channels_rows_only(
    store: Store, world: tuple[int, int]
) -> None:
    channel_id, _customer = world
    source = Source([order("ORD1", "b-77"), order("ORD2", "b-77")])
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    found = cached_versions(store, "shopee-id", ["ORD1", "ORD2", "ORD3", "ORD1"])
    assert found == {
        "ORD1": CachedVersion(NOW - timedelta(days=1), "READY_TO_SHIP"),
        "ORD2": CachedVersion(NOW - timedelta(days=1), "READY_TO_SHIP"),
    }
    assert found["ORD1"].updated_at is not None and found["ORD1"].updated_at.tzinfo is not None
    assert cached_versions(store, "lazada-id", ["ORD1"]) == {}
    assert cached_versions(store, "shopee-id", []) == {}


def test_opening_the_buyers_ticket_reads_their_moving_orders_again(
    store: Store, world: tuple[int, int]
) -> None:
    """What a status listing misses (a tracking step, a return's progress) is read again when
    the agent opens the buyer's ticket: their orders still on their way, in full; finished
    ones (completed, cancelled) and other buyers' are not asked for."""
    channel_id, customer = world
    source = Source(
        [
            order("A", "b-77", status="shipped", platform_status="SHIPPED"),
            order("C", "b-77", status="completed", platform_status="COMPLETED"),
            order("D", "other", status="shipped", platform_status="SHIPPED"),
        ],
        listing="status",
    )
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    later = NOW + timedelta(hours=1)
    moved = (Parcel("SPXID0123", company="SPX Express", status="Delivered"),)
    source.all["A"] = order(
        "A", "b-77", status="shipped", platform_status="SHIPPED", tracking=moved, updated_at=later
    )
    refresh_buyer_orders(store, source, "shopee-id", channel_id, "b-77", now=later)
    assert source.details[-1] == ["A"]
    mine = {o["id"]: o for o in shown(store, customer)}
    assert mine["A"]["tracking"][0]["status"] == "Delivered"


def test_a_moving_order_the_pass_just_fetched_is_not_asked_for_again(
    store: Store, world: tuple[int, int]
) -> None:
    channel_id, _customer = world
    source = Source([order("A", "b-77", status="shipped", platform_status="SHIPPED")])
    refresh_channel_orders(store, source, "shopee-id", channel_id, now=NOW)
    later = NOW + timedelta(hours=1)
    source.all["A"] = order("A", "b-77", status="delivered", updated_at=later)
    refresh_buyer_orders(store, source, "shopee-id", channel_id, "b-77", now=later)
    assert source.details[1:] == [["A"]]  # the pass's fetch, and nothing more

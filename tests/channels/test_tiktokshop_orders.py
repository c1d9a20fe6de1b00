"""The TikTok Shop order adapter (issue 13 items 1, 2, 3 and 5) against the local fake, over
real HTTP on loopback: listing pages, detail batches, status mapping, tracking, returns,
actions per status, cancel, buyer cancellation answers and the dropped-reply fault."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from deskterm.channels.chat.tiktokshop.adapter import TikTokShopAdapter
from deskterm.channels.chat.tiktokshop.order_map import STATUS_MAP
from deskterm.channels.chat.tiktokshop.orders import TikTokShopOrders
from deskterm.channels.chat.types import Tokens
from deskterm.demo.fakes.tiktokshop import TikTokShopFake
from deskterm.demo.fakes.tiktokshop.gateway import fail
from deskterm.demo.fakes.tiktokshop.order_seed import KINDS, make_order
from deskterm.demo.fakes.tiktokshop.orders import (
    CANCEL,
    CANCEL_SEARCH,
    ORDER_DETAIL,
    ORDER_SEARCH,
    RETURN_SEARCH,
)
from deskterm.domain.errors import ChannelAuthError, ChannelError
from deskterm.domain.orders import (
    ACCEPT_CANCEL,
    REJECT_CANCEL,
    STATUSES,
    ActionRefused,
    PlatformOrder,
)
from deskterm.domain.orders import CANCEL as CANCEL_ACTION

LABEL = "tokopedia"
BUYER = "7494845267308415300"

# Our status per seeded kind (order_seed.KINDS): every status of get-order-detail.spec.json
# plus an open return, a refunded one and a pending buyer cancellation request.
EXPECTED = {
    "UNPAID": ("UNPAID", "unpaid", (CANCEL_ACTION,)),
    "ON_HOLD": ("ON_HOLD", "to_ship", (CANCEL_ACTION,)),
    "AWAITING_SHIPMENT": ("AWAITING_SHIPMENT", "to_ship", (CANCEL_ACTION,)),
    "BUYER_CANCEL": ("AWAITING_SHIPMENT", "to_ship", (ACCEPT_CANCEL, REJECT_CANCEL)),
    "AWAITING_COLLECTION": ("AWAITING_COLLECTION", "to_ship", ()),
    "PARTIALLY_SHIPPING": ("PARTIALLY_SHIPPING", "shipped", ()),
    "IN_TRANSIT": ("IN_TRANSIT", "shipped", ()),
    "DELIVERED": ("DELIVERED", "delivered", ()),
    "COMPLETED": ("COMPLETED", "completed", ()),
    "CANCELLED": ("CANCELLED", "cancelled", ()),
    "RETURNING": ("DELIVERED", "returning", ()),
    "RETURNED": ("COMPLETED", "returned", ()),
}


class MemoryKeeper:
    """Tokens in memory."""

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens

    def load(self) -> Tokens:
        return replace(self.tokens)

    def save(self, tokens: Tokens) -> None:
        self.tokens = replace(tokens)


@dataclass
class Rig:
    fake: TikTokShopFake
    orders: TikTokShopOrders

    def add(self, kind: str, *, buyer: str = BUYER, seed: int = 1) -> str:
        """One order of ``kind`` in the fake; its id."""
        desk = self.fake.order_desk
        with self.fake.lock:
            order_id = desk._order_id()
            made = make_order(order_id, buyer, kind, self.fake._now(), random.Random(seed))
            return desk.add(made)

    def one(self, order_id: str) -> PlatformOrder:
        [order] = self.orders.orders([order_id])
        return order


def _orders(fake: TikTokShopFake, **kw: str) -> TikTokShopOrders:
    adapter = TikTokShopAdapter(
        base_url=fake.base_url,
        auth_url=fake.base_url,
        app_key=fake.app_key,
        app_secret=kw.get("app_secret", fake.app_secret),
        shop_cipher=fake.shop_cipher,
        tokens=MemoryKeeper(Tokens(fake.access_token, fake.refresh_token)),
        label=LABEL,
        sleep=lambda _: None,
    )
    return TikTokShopOrders(adapter)


@pytest.fixture
def rig() -> Iterator[Rig]:
    fake = TikTokShopFake()
    with fake.serve():
        orders = _orders(fake)
        yield Rig(fake, orders)
        orders.close()


def _now() -> datetime:
    return datetime.now(UTC)


# --- listing: changed orders across pages, the buyer filter ------------------------------


def test_changed_order_ids_pages_the_listing_within_its_page_size_and_window(rig: Rig) -> None:
    ids = [rig.add(KINDS[n % len(KINDS)], seed=n) for n in range(230)]
    rig.fake.reset_log()
    found = rig.orders.changed_order_ids(_now() - timedelta(days=60), _now())
    assert sorted(found) == sorted(ids)
    assert rig.fake.calls[ORDER_SEARCH] == 3  # 100 per page, the documented maximum
    assert all(r.query["page_size"] == "100" for r in rig.fake.requests)
    # A window that closed before the orders changed finds none of them.
    assert (
        rig.orders.changed_order_ids(_now() - timedelta(days=90), _now() - timedelta(days=60)) == []
    )


def test_changed_order_ids_sees_an_order_changed_now_and_not_one_outside_the_window(
    rig: Rig,
) -> None:
    old = rig.add("COMPLETED")
    fresh = rig.add("AWAITING_SHIPMENT")
    rig.fake.order_desk.orders[fresh].order["update_time"] = rig.fake._now()
    found = rig.orders.changed_order_ids(_now() - timedelta(minutes=5), _now())
    assert found == [fresh] and old not in found


def test_buyer_order_ids_uses_the_listings_buyer_filter(rig: Rig) -> None:
    mine = {rig.add(kind, buyer=BUYER) for kind in ("UNPAID", "IN_TRANSIT", "CANCELLED")}
    rig.add("DELIVERED", buyer="7000000000000000001")
    found = rig.orders.buyer_order_ids(BUYER, _now() - timedelta(days=60))
    assert found is not None and set(found) == mine
    assert {r.json()["buyer_user_id"] for r in rig.fake.requests if r.path == ORDER_SEARCH} == {
        BUYER
    }


# --- details in batches, unknown ids ------------------------------------------------------


def test_orders_fetches_details_in_batches_of_50_and_counts_the_requests(rig: Rig) -> None:
    ids = [rig.add("AWAITING_SHIPMENT", seed=n) for n in range(120)]  # nothing to track
    rig.fake.reset_log()
    before = rig.orders.requests
    got = rig.orders.orders(ids)
    assert [o.id for o in got] == ids
    assert rig.fake.calls[ORDER_DETAIL] == 3  # 50 + 50 + 20: "Max count: 50"
    assert max(len(r.query["ids"].split(",")) for r in rig.fake.requests) == 50
    # Not shipped, no buyer request, not cancelled: no tracking, cancellations or returns call.
    assert rig.fake.calls[CANCEL_SEARCH] == 0 and rig.fake.calls[RETURN_SEARCH] == 0
    assert rig.orders.requests - before == 3


def test_the_fake_refuses_more_than_50_ids_with_the_platforms_envelope(rig: Rig) -> None:
    ids = ",".join(str(5794000000000000 + n) for n in range(51))
    with pytest.raises(ChannelError) as caught:
        rig.orders._adapter.call("GET", ORDER_DETAIL, params={"ids": ids})
    assert "36009004" in str(caught.value) and "50" in str(caught.value)


def test_the_fake_refuses_a_page_size_over_100(rig: Rig) -> None:
    with pytest.raises(ChannelError) as caught:
        rig.orders._adapter.call("POST", ORDER_SEARCH, params={"page_size": "101"}, body={})
    assert "page_size" in str(caught.value)


def test_unknown_ids_are_left_out(rig: Rig) -> None:
    real = rig.add("IN_TRANSIT")
    got = rig.orders.orders(["579400000000000001", real, real])
    assert [o.id for o in got] == [real]


# --- every status mapped, actions per status ---------------------------------------------


def test_every_documented_platform_status_has_a_normalised_status() -> None:
    documented = {
        "UNPAID",
        "ON_HOLD",
        "AWAITING_SHIPMENT",
        "PARTIALLY_SHIPPING",
        "AWAITING_COLLECTION",
        "IN_TRANSIT",
        "DELIVERED",
        "COMPLETED",
        "CANCELLED",
    }
    assert set(STATUS_MAP) == documented
    assert set(STATUS_MAP.values()) <= set(STATUSES)


@pytest.mark.parametrize("kind", KINDS)
def test_every_status_is_mapped_with_the_actions_it_allows_now(rig: Rig, kind: str) -> None:
    order = rig.one(rig.add(kind))
    platform_status, status, actions = EXPECTED[kind]
    assert (order.platform_status, order.status, order.actions) == (
        platform_status,
        status,
        actions,
    )
    assert order.platform == "tiktokshop" and order.buyer_id == BUYER
    assert order.created_at.tzinfo is UTC and order.updated_at is not None


def test_money_is_decimal_with_items_sku_unit_price_and_currency(rig: Rig) -> None:
    order = rig.one(rig.add("AWAITING_SHIPMENT", seed=3))
    raw = rig.fake.order_desk.orders[order.id].order
    assert order.total == Decimal(raw["payment"]["total_amount"]) and order.currency == "IDR"
    assert isinstance(order.total, Decimal)
    assert sum(i.quantity for i in order.items) == len(raw["line_items"])  # a line per unit
    for item in order.items:
        assert item.sku and isinstance(item.price, Decimal) and item.title
    assert order.shipping_address["region_code"] == "ID"


def test_tracking_events_are_mapped_newest_first(rig: Rig) -> None:
    order = rig.one(rig.add("IN_TRANSIT"))
    [parcel] = order.tracking
    raw = rig.fake.order_desk.orders[order.id].order
    assert parcel.number == raw["tracking_number"] and parcel.company == raw["shipping_provider"]
    assert len(parcel.events) == 3
    times = [e.at for e in parcel.events]
    assert all(t is not None and t.tzinfo is UTC for t in times)
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]
    on_its_way = "Your package is on its way to the destination city."
    assert parcel.status == parcel.events[0].text == on_its_way


def test_returns_and_cancellation_requests_are_mapped(rig: Rig) -> None:
    returning = rig.one(rig.add("RETURNING"))
    [entry] = returning.returns
    assert entry.status == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert entry.reason == "Damaged product" and isinstance(entry.amount, Decimal)
    returned = rig.one(rig.add("RETURNED"))
    assert [r.status for r in returned.returns] == ["RETURN_OR_REFUND_REQUEST_COMPLETE"]
    assert returned.financial_status == "refunded"
    asked = rig.one(rig.add("BUYER_CANCEL"))
    assert [(r.status, r.reason) for r in asked.returns] == [
        ("CANCELLATION_REQUEST_PENDING", "Order created by mistake")
    ]


# --- cancel ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "reason", "name"),
    [
        ("AWAITING_SHIPMENT", "out of stock", "seller_cancel_reason_out_of_stock"),
        (
            "ON_HOLD",
            "Alamat tidak terjangkau (undeliverable address)",
            "seller_cancel_paid_reason_address_not_deliver",
        ),
        ("UNPAID", "Out of stock!", "seller_cancel_unpaid_reason_out_of_stock"),
        (
            "UNPAID",
            "buyer did not pay",
            "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed",
        ),
    ],
)
def test_cancel_before_shipping_sends_the_reason_name_for_the_status(
    rig: Rig, kind: str, reason: str, name: str
) -> None:
    order_id = rig.add(kind)
    rig.orders.cancel(order_id, reason, idempotency_key="k1")
    [sent] = [r.json() for r in rig.fake.requests if r.path == CANCEL]
    assert sent == {"order_id": order_id, "cancel_reason": name}
    assert rig.fake.order_desk.applied == [("cancel", order_id)]
    after = rig.one(order_id)
    assert after.status == "cancelled" and after.actions == ()


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("IN_TRANSIT", "The order has already been shipped"),
        ("AWAITING_COLLECTION", "The order has already been shipped"),
        ("COMPLETED", "Not allowed to return or cancel since order is completed or cancelled"),
        ("CANCELLED", "Not allowed to return or cancel since order is completed or cancelled"),
    ],
)
def test_cancel_refused_by_the_platform_carries_its_reason(rig: Rig, kind: str, said: str) -> None:
    order_id = rig.add(kind)
    with pytest.raises(ActionRefused) as caught:
        rig.orders.cancel(order_id, "out of stock", idempotency_key="k1")
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"{LABEL}: TikTok Shop refused to cancel order")
    assert said in text and caught.value.transient is False
    assert rig.fake.order_desk.applied == []


def test_cancel_with_an_unknown_reason_names_the_accepted_ones_and_sends_nothing(
    rig: Rig,
) -> None:
    order_id = rig.add("AWAITING_SHIPMENT")
    with pytest.raises(ActionRefused) as caught:
        rig.orders.cancel(order_id, "changed my mind about the colour", idempotency_key="k1")
    for accepted in ("out of stock", "pricing error", "undeliverable address", "buyer asked"):
        assert f'"{accepted}"' in str(caught.value)
    assert rig.fake.calls[CANCEL] == 0


def test_a_reason_the_status_does_not_take_is_refused(rig: Rig) -> None:
    unpaid = rig.add("UNPAID")
    with pytest.raises(ActionRefused, match="undeliverable address"):
        rig.orders.cancel(unpaid, "undeliverable address", idempotency_key="k1")
    assert rig.fake.calls[CANCEL] == 0
    # "Buyer requested cancellation" is not a seller reason in the ID market: the platform
    # says so, in its own words.
    paid = rig.add("AWAITING_SHIPMENT")
    with pytest.raises(ActionRefused, match="Unknown return reason"):
        rig.orders.cancel(paid, "buyer asked", idempotency_key="k1")


def test_cancel_while_the_buyers_request_waits_is_refused(rig: Rig) -> None:
    order_id = rig.add("BUYER_CANCEL")
    with pytest.raises(ActionRefused, match="already in process"):
        rig.orders.cancel(order_id, "out of stock", idempotency_key="k1")


# --- answering a buyer's cancellation request -----------------------------------------------


def test_answer_cancellation_accept_cancels_the_order(rig: Rig) -> None:
    order_id = rig.add("BUYER_CANCEL")
    rig.orders.answer_cancellation(order_id, accept=True)
    after = rig.one(order_id)
    assert after.status == "cancelled" and after.actions == ()
    assert rig.fake.order_desk.applied == [("approve", order_id)]
    [approve] = [r for r in rig.fake.requests if r.path.endswith("/approve")]
    assert approve.query["idempotency_key"]


def test_answer_cancellation_reject_keeps_the_order_and_offers_cancel_again(rig: Rig) -> None:
    order_id = rig.add("BUYER_CANCEL")
    rig.orders.answer_cancellation(order_id, accept=False)
    after = rig.one(order_id)
    assert (after.status, after.actions) == ("to_ship", (CANCEL_ACTION,))
    [reject] = [r for r in rig.fake.requests if r.path.endswith("/reject")]
    assert reject.json() == {
        "reject_reason": "order_manage_list_action_respond_popup_reject_reason_delivered"
    }


def test_answer_cancellation_without_a_pending_request_is_refused(rig: Rig) -> None:
    order_id = rig.add("AWAITING_SHIPMENT")
    with pytest.raises(ActionRefused, match="no buyer cancellation request"):
        rig.orders.answer_cancellation(order_id, accept=True)


# --- faults: dropped reply, server errors, bad secret -------------------------------------


def test_dropped_response_on_cancel_is_transient_and_the_cancel_happened_exactly_once(
    rig: Rig,
) -> None:
    order_id = rig.add("AWAITING_SHIPMENT")
    rig.fake.order_desk.drop_after_next_action()
    with pytest.raises(ChannelError) as caught:
        rig.orders.cancel(order_id, "out of stock", idempotency_key="k1")
    assert not isinstance(caught.value, ActionRefused) and caught.value.transient
    assert "read the order back" in str(caught.value)
    assert rig.fake.calls[CANCEL] == 1  # never retried by the adapter
    after = rig.one(order_id)  # what the caller does next
    assert after.status == "cancelled" and CANCEL_ACTION not in after.actions
    assert rig.fake.order_desk.applied == [("cancel", order_id)]


def test_dropped_response_on_answer_is_transient_and_applied_once(rig: Rig) -> None:
    order_id = rig.add("BUYER_CANCEL")
    rig.fake.order_desk.drop_after_next_action()
    with pytest.raises(ChannelError) as caught:
        rig.orders.answer_cancellation(order_id, accept=True)
    assert not isinstance(caught.value, ActionRefused) and caught.value.transient
    assert rig.one(order_id).status == "cancelled"
    # A caller that answers again anyway is told there is nothing left to answer.
    with pytest.raises(ActionRefused):
        rig.orders.answer_cancellation(order_id, accept=True)
    assert rig.fake.order_desk.applied == [("approve", order_id)]


def test_the_fake_replays_an_answer_with_the_same_idempotency_key(rig: Rig) -> None:
    order_id = rig.add("BUYER_CANCEL")
    [cancel_id] = [c["cancel_id"] for c in rig.fake.order_desk.orders[order_id].cancellations]
    path = f"/return_refund/202309/cancellations/{cancel_id}/approve"
    for _ in range(2):
        rig.orders._adapter.call(
            "POST", path, params={"idempotency_key": "same"}, body={}, sending=True
        )
    assert rig.fake.order_desk.applied == [("approve", order_id)]


@pytest.mark.parametrize("status", [200, 500])
def test_a_server_error_on_cancel_is_transient_not_a_refusal(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    order_id = rig.add("AWAITING_SHIPMENT")
    internal = (status, 36009003, "Internal error. Please try again.")
    monkeypatch.setattr(rig.fake.order_desk, "_cancel", lambda request: fail(*internal))
    with pytest.raises(ChannelError) as caught:
        rig.orders.cancel(order_id, "out of stock", idempotency_key="k1")
    assert not isinstance(caught.value, ActionRefused) and caught.value.transient
    assert "read the order back" in str(caught.value)
    assert rig.fake.calls[CANCEL] == 1  # an action is never retried by the adapter


def test_a_busy_answer_to_a_read_is_retried(rig: Rig) -> None:
    order_id = rig.add("IN_TRANSIT")
    rig.fake.inject_error(36009003, "Internal error. Please try again.")
    assert rig.one(order_id).status == "shipped"


def test_a_bad_secret_is_refused(rig: Rig) -> None:
    wrong = _orders(rig.fake, app_secret="not-the-secret")
    try:
        with pytest.raises(ChannelAuthError, match="signature"):
            wrong.changed_order_ids(_now() - timedelta(days=1), _now())
        with pytest.raises(ChannelAuthError):
            wrong.cancel(rig.add("AWAITING_SHIPMENT"), "out of stock", idempotency_key="k1")
    finally:
        wrong.close()
    assert rig.fake.order_desk.applied == []


# --- the seeded demo: chat buyers have orders in every status -----------------------------


def test_seeded_chat_buyers_have_1_to_5_orders_covering_every_status(rig: Rig) -> None:
    rig.fake.seed(15, 3)
    buyers = {c.buyer.user_id for c in rig.fake.conversations.values()}
    ids = rig.orders.changed_order_ids(_now() - timedelta(days=60), _now())
    orders = rig.orders.orders(ids)
    per_buyer: dict[str, int] = {}
    for order in orders:
        per_buyer[order.buyer_id] = per_buyer.get(order.buyer_id, 0) + 1
    assert set(per_buyer) == buyers and all(1 <= n <= 5 for n in per_buyer.values())
    assert {o.status for o in orders} == set(STATUSES)
    assert any(ACCEPT_CANCEL in o.actions for o in orders)
    for buyer in buyers:
        found = rig.orders.buyer_order_ids(buyer, _now() - timedelta(days=60))
        assert found is not None and len(found) == per_buyer[buyer]


def test_an_expired_token_is_refreshed_and_the_cancel_sent_once(rig: Rig) -> None:
    order_id = rig.add("AWAITING_SHIPMENT")
    rig.orders.orders([order_id])
    rig.fake.expire_tokens()  # the platform refuses before doing anything: safe to resend
    rig.orders.cancel(order_id, "out of stock", idempotency_key="k1")
    assert rig.fake.order_desk.applied == [("cancel", order_id)]
    assert rig.fake.calls["/api/v2/token/refresh"] == 1


def test_a_chats_order_card_names_an_order_the_adapter_can_fetch(rig: Rig) -> None:
    rig.fake.seed(5, 7)  # the first script's buyer opens the chat from an order card
    cards = [
        m.content
        for c in rig.fake.conversations.values()
        for m in c.messages
        if m.type in ("ORDER_CARD", "BUYER_ENTER_FROM_ORDER")
    ]
    assert cards
    order_ids = {json.loads(content)["order_id"] for content in cards}
    found = rig.orders.orders(sorted(order_ids))
    assert {o.id for o in found} == order_ids


def test_changed_orders_carry_the_update_time_the_cache_keeps(rig: Rig) -> None:
    """The listing's update_time is the one ``orders`` maps into ``updated_at``: an order
    pass compares the two to skip what it has."""
    ids = [rig.add(KINDS[n % len(KINDS)], seed=n) for n in range(6)]
    listed = rig.orders.changed_orders(_now() - timedelta(days=60), _now())
    assert sorted(entry.id for entry in listed) == sorted(ids)
    assert [entry.id for entry in listed] == rig.orders.changed_order_ids(
        _now() - timedelta(days=60), _now()
    )
    full = {order.id: order.updated_at for order in rig.orders.orders(ids)}
    assert all(entry.updated_at is not None for entry in listed)
    assert {entry.id: entry.updated_at for entry in listed} == full
    assert all(entry.status == "" for entry in listed)

"""Shopee orders (issue 13) against the local Shopee fake over real HTTP on loopback.

Every part the issue asks of the Shopee order adapter: get_order_list within its 15-day
windows and cursor pages, get_order_detail in batches of 50, tracking numbers and events,
returns and buyer cancellation requests, every documented status normalised, the actions
each status allows, cancel_order allowed and refused, handle_buyer_cancellation, the
dropped-response fault (transient error, applied exactly once), signatures, unknown ids.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from deskterm.channels.chat.shopee.adapter import ShopeeAdapter
from deskterm.channels.chat.shopee.order_map import STATUS_MAP
from deskterm.channels.chat.shopee.orders import (
    DETAIL_BATCH,
    PlatformRefusal,
    ShopeeOrders,
    reason_code,
)
from deskterm.channels.chat.types import Tokens
from deskterm.demo.fakes.shopee import PARTNER_ID, PARTNER_KEY, SHOP_ID, ShopeeFake
from deskterm.demo.fakes.shopee_orders import (
    ANSWER_PATH,
    CANCEL_PATH,
    DETAIL_PATH,
    LIST_PATH,
    RETURN_LIST_PATH,
    SCENARIOS,
    TRACKING_INFO_PATH,
    TRACKING_NUMBER_PATH,
)
from deskterm.domain.errors import ChannelAuthError, ChannelError
from deskterm.domain.orders import (
    ACCEPT_CANCEL,
    CANCEL,
    REJECT_CANCEL,
    STATUSES,
    ActionRefused,
    PlatformOrder,
)

LABEL = "shopee-id"
DAY = 86400
# The normalised status of each seeded scenario (order_status, logistics, return status).
EXPECTED = {
    ("UNPAID", "LOGISTICS_NOT_STARTED", ""): "unpaid",
    ("READY_TO_SHIP", "LOGISTICS_READY", ""): "to_ship",
    ("SHIPPED", "LOGISTICS_PICKUP_DONE", ""): "shipped",
    ("TO_CONFIRM_RECEIVE", "LOGISTICS_DELIVERY_DONE", ""): "delivered",
    ("COMPLETED", "LOGISTICS_DELIVERY_DONE", ""): "completed",
    ("CANCELLED", "LOGISTICS_NOT_STARTED", ""): "cancelled",
    ("TO_RETURN", "LOGISTICS_DELIVERY_DONE", "REQUESTED"): "returning",
    ("COMPLETED", "LOGISTICS_DELIVERY_DONE", "REFUND_PAID"): "returned",
    ("PROCESSED", "LOGISTICS_REQUEST_CREATED", ""): "to_ship",
    ("IN_CANCEL", "LOGISTICS_READY", ""): "to_ship",
    ("SHIPPED", "LOGISTICS_DELIVERY_DONE", ""): "delivered",
    ("RETRY_SHIP", "LOGISTICS_PICKUP_RETRY", ""): "to_ship",
    ("INVOICE_PENDING", "LOGISTICS_NOT_STARTED", ""): "to_ship",
    ("PENDING", "LOGISTICS_NOT_STARTED", ""): "unpaid",
    ("COMPLETED", "LOGISTICS_DELIVERY_DONE", "CLOSED"): "completed",
}
ALLOWED = {
    "UNPAID": (CANCEL,),
    "PENDING": (),
    "INVOICE_PENDING": (CANCEL,),
    "READY_TO_SHIP": (CANCEL,),
    "PROCESSED": (CANCEL,),
    "RETRY_SHIP": (CANCEL,),
    "IN_CANCEL": (ACCEPT_CANCEL, REJECT_CANCEL),
    "SHIPPED": (),
    "TO_CONFIRM_RECEIVE": (),
    "COMPLETED": (),
    "CANCELLED": (),
    "TO_RETURN": (),
}


class Keeper:
    """In-memory tokens."""

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens

    def load(self) -> Tokens:
        return self.tokens

    def save(self, tokens: Tokens) -> None:
        self.tokens = tokens


@dataclass
class Shop:
    """A served, seeded fake and an order adapter on it."""

    fake: ShopeeFake
    url: str
    orders: ShopeeOrders

    def adapter(self, **overrides: Any) -> ShopeeOrders:
        values: dict[str, Any] = {
            "partner_id": PARTNER_ID,
            "partner_key": PARTNER_KEY,
            "shop_id": SHOP_ID,
            "tokens": Keeper(Tokens(self.fake.access_token, self.fake.refresh_token)),
            "label": LABEL,
            "sleep": lambda _: None,
            "timeout": 5.0,
        }
        values.update(overrides)
        return ShopeeOrders(ShopeeAdapter(self.url, **values))

    def calls(self, path: str) -> list[dict[str, str]]:
        return [r.query for r in self.fake.requests if r.path == path]

    def bodies(self, path: str) -> list[Any]:
        return [json.loads(r.body) for r in self.fake.requests if r.path == path]

    def all_orders(self) -> dict[str, PlatformOrder]:
        return {o.id: o for o in self.orders.orders(list(self.fake.order_book.orders))}

    def one(self, order_sn: str) -> PlatformOrder:
        (found,) = self.orders.orders([order_sn])
        return found

    def first(self, order_status: str) -> str:
        return self.fake.order_book.with_status(order_status)[0]


@pytest.fixture
def shop() -> Iterator[Shop]:
    fake = ShopeeFake()
    fake.seed(conversations=8, messages=4)  # 1+2+3+4+5+1+2+3 = 21 orders over ~6 weeks
    with fake.serve() as url:
        shop = Shop(fake, url, None)  # type: ignore[arg-type]
        shop.orders = shop.adapter()
        yield shop
        shop.orders.close()


def now() -> datetime:
    return datetime.now(UTC)


# -- listing: 15-day windows and cursor pages -----------------------------------------------


def test_listing_pages_every_15_day_window_and_finds_every_changed_order(shop: Shop) -> None:
    until = now().replace(microsecond=0)
    ids = shop.orders.changed_order_ids(until - timedelta(days=60), until)
    assert sorted(ids) == sorted(shop.fake.order_book.orders)
    windows = shop.calls(LIST_PATH)
    assert len(windows) == 4  # 60 days = four windows of at most 15 days
    for query in windows:
        assert int(query["time_to"]) - int(query["time_from"]) <= 15 * DAY
        assert query["time_range_field"] == "update_time"
        assert query["page_size"] == "100"
    # Consecutive windows share their boundary second: nothing falls between them.
    for before, after in itertools.pairwise(windows):
        assert after["time_from"] == before["time_to"]


def test_listing_follows_the_cursor_across_pages(shop: Shop) -> None:
    book = shop.fake.order_book
    buyer = next(iter(shop.fake.conversations.values()))
    base = int(time.time()) - 2 * DAY
    made = {
        book.add_order(buyer.buyer_id, buyer.buyer_name, SCENARIOS[1], base - n * 60)
        for n in range(230)
    }
    ids = shop.orders.changed_order_ids(now() - timedelta(days=3), now())
    assert made <= set(ids) and len(ids) == len(set(ids))
    cursors = [q.get("cursor", "") for q in shop.calls(LIST_PATH)]
    assert cursors == ["", "100", "200"]  # one window, three pages of at most 100


def test_the_fake_refuses_a_window_over_15_days_with_shopees_error(shop: Shop) -> None:
    start = int(time.time()) - 16 * DAY
    with pytest.raises(PlatformRefusal) as refused:
        shop.orders._get(
            LIST_PATH,
            {
                "time_range_field": "update_time",
                "time_from": str(start),
                "time_to": str(start + 15 * DAY + 1),
                "page_size": "100",
            },
        )
    assert refused.value.error == "order.order_list_invalid_time"
    assert refused.value.said == "Start time must be earlier than end time and diff in 15days."


def test_buyer_order_ids_is_none_shopee_lists_by_time_only(shop: Shop) -> None:
    assert shop.orders.buyer_order_ids("123", now() - timedelta(days=30)) is None
    assert shop.fake.requests == []


# -- details in batches of 50 ---------------------------------------------------------------


def test_details_come_in_batches_of_50_counting_requests(shop: Shop) -> None:
    book = shop.fake.order_book
    buyer = next(iter(shop.fake.conversations.values()))
    base = int(time.time()) - DAY
    made = [
        book.add_order(buyer.buyer_id, buyer.buyer_name, SCENARIOS[0], base - n) for n in range(120)
    ]
    found = shop.orders.orders(made)
    assert {o.id for o in found} == set(made)
    batches = [q["order_sn_list"].split(",") for q in shop.calls(DETAIL_PATH)]
    assert [len(b) for b in batches] == [50, 50, 20]
    assert DETAIL_BATCH == 50
    # UNPAID orders have no parcel and no return: no tracking or return calls at all.
    assert shop.calls(TRACKING_NUMBER_PATH) == []
    assert shop.calls(RETURN_LIST_PATH) == []


def test_the_fake_refuses_51_order_sn(shop: Shop) -> None:
    with pytest.raises(PlatformRefusal) as refused:
        shop.orders._get(DETAIL_PATH, {"order_sn_list": ",".join(f"X{n}" for n in range(51))})
    assert refused.value.error == "error_param"


def test_unknown_ids_are_left_out(shop: Shop) -> None:
    known = shop.first("COMPLETED")
    assert shop.orders.orders(["2601019NOSUCH1"]) == []
    found = shop.orders.orders(["2601019NOSUCH1", known, "2601019NOSUCH2"])
    assert [o.id for o in found] == [known]


# -- mapping: statuses, items, money, tracking, returns ----------------------------------------


def test_every_documented_status_maps_to_one_of_ours() -> None:
    documented = {
        "UNPAID",
        "READY_TO_SHIP",
        "PROCESSED",
        "SHIPPED",
        "COMPLETED",
        "IN_CANCEL",
        "CANCELLED",
        "INVOICE_PENDING",
        "PENDING",
        "RETRY_SHIP",
        "TO_CONFIRM_RECEIVE",
        "TO_RETURN",
    }
    assert set(STATUS_MAP) == documented
    assert set(STATUS_MAP.values()) <= set(STATUSES)


def test_every_seeded_scenario_is_normalised_and_every_status_appears(shop: Shop) -> None:
    book = shop.fake.order_book
    orders = shop.all_orders()
    seen: set[str] = set()
    for order_sn, order in orders.items():
        raw = book.orders[order_sn]
        logistics = raw["package_list"][0]["logistics_status"]
        returned = [r["status"] for r in book.returns.values() if r["order_sn"] == order_sn]
        key = (raw["order_status"], logistics, returned[0] if returned else "")
        assert order.status == EXPECTED[key], key
        assert order.platform_status == raw["order_status"]
        seen.add(order.status)
    assert seen == set(STATUSES)
    assert {o.platform_status for o in orders.values()} == set(STATUS_MAP)


def test_every_chat_buyer_has_one_to_five_orders(shop: Shop) -> None:
    for chat in shop.fake.conversations.values():
        assert 1 <= len(shop.fake.order_book.of_buyer(chat.buyer_id)) <= 5


def test_items_money_and_times_are_exact(shop: Shop) -> None:
    order = shop.one(shop.first("READY_TO_SHIP"))
    raw = shop.fake.order_book.orders[order.id]
    assert order.platform == "shopee" and order.name == order.id
    assert order.currency == "IDR"
    assert isinstance(order.total, Decimal) and order.total == Decimal(str(raw["total_amount"]))
    assert order.created_at == datetime.fromtimestamp(raw["create_time"], UTC)
    assert order.created_at.tzinfo is UTC
    assert order.buyer_id == str(raw["buyer_user_id"])
    assert order.financial_status == "paid" and order.fulfillment_status == "unfulfilled"
    for item, line in zip(order.items, raw["item_list"], strict=True):
        assert item.sku == line["model_sku"]
        assert item.price == Decimal(str(line["model_discounted_price"]))
        assert isinstance(item.price, Decimal)
        assert item.quantity == line["model_quantity_purchased"]
        assert item.id == f"{line['item_id']}:{line['model_id']}"
    assert order.shipping_address["city"] == "Jakarta Selatan"
    assert order.to_json("shopee-id")["total"] == str(order.total)


def test_tracking_numbers_and_events_are_mapped_newest_first(shop: Shop) -> None:
    order_sn = shop.first("TO_CONFIRM_RECEIVE")
    order = shop.one(order_sn)
    track = shop.fake.order_book.tracking[order_sn]
    (parcel,) = order.tracking
    assert parcel.number == track["number"]
    assert parcel.company == shop.fake.order_book.orders[order_sn]["shipping_carrier"]
    assert parcel.status == "LOGISTICS_DELIVERY_DONE"
    assert [e.text for e in parcel.events] == [e["description"] for e in reversed(track["events"])]
    assert all(e.at is not None and e.at.tzinfo is UTC for e in parcel.events)
    assert parcel.events[0].text == "Paket telah diterima oleh penerima"
    assert len(shop.calls(TRACKING_NUMBER_PATH)) == len(shop.calls(TRACKING_INFO_PATH)) == 1
    # Before shipping there is nothing to track, and nothing is asked.
    shop.fake.reset_log()
    assert shop.one(shop.first("READY_TO_SHIP")).tracking == ()
    assert shop.calls(TRACKING_NUMBER_PATH) == []


def test_returns_and_buyer_cancellation_requests_are_mapped(shop: Shop) -> None:
    book = shop.fake.order_book
    returning = shop.one(shop.first("TO_RETURN"))
    (entry,) = returning.returns
    raw = book.returns[entry.id]
    assert entry.status == "REQUESTED" and returning.status == "returning"
    assert entry.reason == raw["text_reason"]
    assert entry.amount == Decimal(str(raw["refund_amount"]))
    refunded = [o for o in shop.all_orders().values() if o.status == "returned"]
    assert refunded and refunded[0].returns[0].status == "REFUND_PAID"
    assert refunded[0].financial_status == "refunded"
    asked = shop.one(shop.first("IN_CANCEL"))
    (request,) = asked.returns
    assert request.status == "IN_CANCEL" and request.reason == "Ingin mengubah pesanan"
    for query in shop.calls(RETURN_LIST_PATH):
        assert int(query["update_time_to"]) - int(query["update_time_from"]) <= 15 * DAY


def test_return_detail_reads_one_return_and_leaves_unknown_ones_out(shop: Shop) -> None:
    return_sn, raw = next(iter(shop.fake.order_book.returns.items()))
    detail = shop.orders.return_detail(return_sn)
    assert detail is not None and detail["order_sn"] == raw["order_sn"]
    assert shop.orders.return_detail("999") is None


def test_seeded_order_cards_in_chat_name_the_buyers_orders(shop: Shop) -> None:
    book = shop.fake.order_book
    cards = 0
    for chat in shop.fake.conversations.values():
        for message in chat.messages:
            if message["message_type"] == "order":
                cards += 1
                assert message["content"]["order_sn"] in book.of_buyer(chat.buyer_id)
    assert cards


def test_actions_offered_follow_the_platform_status(shop: Shop) -> None:
    for order in shop.all_orders().values():
        assert order.actions == ALLOWED[order.platform_status], order.platform_status


# -- cancel ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("Out of stock", "OUT_OF_STOCK"),
        ("stok habis kak", "OUT_OF_STOCK"),
        ("buyer asked to cancel", "CUSTOMER_REQUEST"),
        ("CUSTOMER_REQUEST", "CUSTOMER_REQUEST"),
        ("undeliverable area", "UNDELIVERABLE_AREA"),
        ("COD not supported", "COD_NOT_SUPPORTED"),
    ],
)
def test_free_text_reasons_map_to_shopee_reason_codes(reason: str, code: str) -> None:
    assert reason_code(reason) == code


def test_cancel_with_an_unknown_reason_is_refused_naming_the_accepted_ones(shop: Shop) -> None:
    with pytest.raises(ActionRefused) as refused:
        shop.orders.cancel(shop.first("READY_TO_SHIP"), "changed my mind", idempotency_key="k1")
    text = str(refused.value)
    assert text.startswith(f"{LABEL}: Shopee cannot cancel for the reason 'changed my mind'")
    assert "out of stock" in text and "buyer asked" in text and "\n" not in text
    assert shop.fake.requests == []


def test_cancel_before_shipping_is_allowed(shop: Shop) -> None:
    order_sn = shop.first("READY_TO_SHIP")
    shop.orders.cancel(order_sn, "out of stock", idempotency_key="k1")
    (body,) = shop.bodies(CANCEL_PATH)
    raw = shop.fake.order_book.orders[order_sn]
    assert body["cancel_reason"] == "OUT_OF_STOCK"
    assert body["item_list"] == [
        {"item_id": i["item_id"], "model_id": i["model_id"]} for i in raw["item_list"]
    ]
    after = shop.one(order_sn)
    assert after.status == "cancelled" and after.actions == ()
    assert shop.fake.order_book.actions == [("cancel_order", order_sn, "OUT_OF_STOCK")]


def test_cancel_a_shipped_order_is_refused_with_shopees_reason(shop: Shop) -> None:
    order_sn = shop.first("SHIPPED")
    with pytest.raises(ActionRefused) as refused:
        shop.orders.cancel(order_sn, "buyer asked", idempotency_key="k2")
    text = str(refused.value)
    assert text == f"{LABEL}: Shopee refused to cancel order {order_sn}: Can not cancel this order."
    assert "\n" not in text and not refused.value.transient
    assert shop.fake.order_book.status(order_sn) == "SHIPPED"
    assert shop.fake.order_book.actions == []


def test_cancel_an_unknown_order_is_refused(shop: Shop) -> None:
    with pytest.raises(ActionRefused, match="the order is not found"):
        shop.orders.cancel("2601019NOSUCH1", "buyer asked", idempotency_key="k3")


def test_cancel_undeliverable_area_outside_tw_and_my_is_refused(shop: Shop) -> None:
    with pytest.raises(ActionRefused, match="TW and MY"):
        shop.orders.cancel(shop.first("READY_TO_SHIP"), "undeliverable area", idempotency_key="k")


# -- buyer cancellation requests -------------------------------------------------------------


@pytest.mark.parametrize(("accept", "after"), [(True, "cancelled"), (False, "to_ship")])
def test_answer_cancellation_accepts_or_rejects(shop: Shop, accept: bool, after: str) -> None:
    order_sn = shop.first("IN_CANCEL")
    shop.orders.answer_cancellation(order_sn, accept)
    (body,) = shop.bodies(ANSWER_PATH)
    assert body == {"order_sn": order_sn, "operation": "ACCEPT" if accept else "REJECT"}
    order = shop.one(order_sn)
    assert order.status == after
    assert ACCEPT_CANCEL not in order.actions and not order.returns


def test_answer_cancellation_without_a_request_is_refused(shop: Shop) -> None:
    order_sn = shop.first("READY_TO_SHIP")
    with pytest.raises(ActionRefused, match="The order status should be IN_CANCEL"):
        shop.orders.answer_cancellation(order_sn, True)


# -- the dropped response: transient, applied exactly once -----------------------------------


def test_cancel_whose_answer_drops_is_transient_and_applied_exactly_once(shop: Shop) -> None:
    order_sn = shop.first("READY_TO_SHIP")
    shop.fake.order_book.drop_next_action()
    with pytest.raises(ChannelError) as lost:
        shop.orders.cancel(order_sn, "buyer asked", idempotency_key="k4")
    assert lost.value.transient and not isinstance(lost.value, ActionRefused)
    assert "reading the order back" in str(lost.value)
    assert len(shop.calls(CANCEL_PATH)) == 1  # never repeated by the adapter
    assert shop.one(order_sn).status == "cancelled"  # read back: it happened
    assert shop.fake.order_book.actions == [("cancel_order", order_sn, "CUSTOMER_REQUEST")]


def test_answer_whose_answer_drops_is_transient_and_applied_exactly_once(shop: Shop) -> None:
    order_sn = shop.first("IN_CANCEL")
    shop.fake.order_book.drop_next_action()
    with pytest.raises(ChannelError) as lost:
        shop.orders.answer_cancellation(order_sn, True)
    assert lost.value.transient and not isinstance(lost.value, ActionRefused)
    assert len(shop.calls(ANSWER_PATH)) == 1
    assert shop.one(order_sn).status == "cancelled"
    assert shop.fake.order_book.actions == [("handle_buyer_cancellation", order_sn, "ACCEPT")]


def test_a_5xx_on_cancel_is_transient_and_never_retried(shop: Shop) -> None:
    order_sn = shop.first("READY_TO_SHIP")
    shop.fake.inject_busy(1)
    with pytest.raises(ChannelError) as failed:
        shop.orders.cancel(order_sn, "buyer asked", idempotency_key="k5")
    assert failed.value.transient
    assert len(shop.calls(CANCEL_PATH)) == 1
    assert shop.fake.order_book.status(order_sn) == "READY_TO_SHIP"


# -- signing ----------------------------------------------------------------------------------


def test_a_wrong_partner_key_is_refused_by_the_gateway(shop: Shop) -> None:
    wrong = shop.adapter(partner_key="0" * 64)
    with pytest.raises(ChannelAuthError, match="signature"):
        wrong.changed_order_ids(now() - timedelta(days=1), now())
    with pytest.raises(ChannelAuthError):
        wrong.cancel(shop.first("READY_TO_SHIP"), "buyer asked", idempotency_key="k6")
    assert shop.fake.order_book.actions == []
    wrong.close()


def test_an_expired_token_is_refreshed_for_order_calls(shop: Shop) -> None:
    shop.fake.expire_tokens()
    assert shop.orders.changed_order_ids(now() - timedelta(days=2), now())
    assert shop.fake.refreshes == 1


def test_changed_orders_carry_the_status_the_cache_keeps(shop: Shop) -> None:
    """get_order_list has no update time; asked for it, it gives each order_status, the
    same word ``orders`` keeps as platform_status (PENDING included: both calls send
    request_order_status_pending)."""
    until = now().replace(microsecond=0)
    listed = shop.orders.changed_orders(until - timedelta(days=60), until)
    assert sorted(e.id for e in listed) == sorted(shop.fake.order_book.orders)
    assert all(e.updated_at is None and e.status for e in listed)
    full = shop.all_orders()
    assert {e.id: e.status for e in listed} == {i: o.platform_status for i, o in full.items()}
    assert all(q["response_optional_fields"] == "order_status" for q in shop.calls(LIST_PATH))


def test_the_fake_lists_order_status_only_when_asked(shop: Shop) -> None:
    start = int(time.time()) - 10 * DAY
    base = {
        "time_range_field": "update_time",
        "time_from": str(start),
        "time_to": str(int(time.time())),
        "page_size": "100",
    }
    plain = shop.orders._get(LIST_PATH, base)["order_list"]
    assert plain and all(set(entry) == {"order_sn"} for entry in plain)
    asked = {**base, "response_optional_fields": "buyer_username, order_status"}
    listed = shop.orders._get(LIST_PATH, asked)["order_list"]
    book = shop.fake.order_book
    assert all(entry["order_status"] == book.status(entry["order_sn"]) for entry in listed)


def test_seeded_orders_were_last_changed_before_the_seed_and_spread() -> None:
    fake = ShopeeFake()
    seeded_at = int(time.time())
    fake.seed(conversations=60, messages=1)
    book = fake.order_book.orders
    updates = [int(order["update_time"]) for order in book.values()]
    assert all(order["create_time"] <= order["update_time"] <= seeded_at for order in book.values())
    # Not stamped with the seed time: at most a few changed in the ten minutes before it.
    recent = [u for u in updates if u >= seeded_at - 600]
    assert len(recent) <= len(updates) // 20, (len(recent), len(updates))

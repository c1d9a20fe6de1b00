"""The Lazada order adapter against the Lazada fake's orders, over real HTTP on loopback."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from deskterm.channels.chat.lazada import LazadaAdapter
from deskterm.channels.chat.lazada.order_map import STATUS
from deskterm.channels.chat.lazada.orders import LazadaOrders
from deskterm.channels.chat.types import AmbiguousSendError, Tokens
from deskterm.demo.fakes.lazada import LazadaFake, expected_signatures
from deskterm.demo.fakes.lazada_orders import FakeOrder
from deskterm.domain import orders as o
from deskterm.domain.errors import ChannelAuthError, ChannelError
from deskterm.domain.orders import ActionRefused

LABEL = "lazada-id"
GATEWAY = "https://api.lazada.co.id/rest"  # the configured base URL: its country's currency
LIST = "/rest/orders/get"
DETAIL = "/rest/order/get"
ITEMS = "/rest/order/items/get"
MULTI = "/rest/orders/items/get"
TRACE = "/rest/logistic/order/trace"
REVERSE = "/rest/reverse/getreverseordersforseller"
VALIDATE = "/rest/order/reverse/cancel/validate"
CANCEL = "/rest/order/reverse/cancel/create"
DECIDE = "/rest/order/reverse/cancel/seller/decide"
BUYER = 500_123_456_789
# Every item status the copied docs name (getorders.json: the status filter, error 6's
# enumeration and the ``statuses`` demo), plus "confirmed" (buyer confirmed receipt).
DOC_STATUSES = (
    "unpaid",
    "pending",
    "canceled",
    "ready_to_ship",
    "delivered",
    "returned",
    "shipped",
    "failed",
    "topack",
    "toship",
    "shipping",
    "lost",
    "packed",
    "lost_by_3pl",
    "damaged_by_3pl",
    "failed_delivery",
    "shipped_back",
    "shipped_back_success",
    "shipped_back_failed",
    "package_scrapped",
    "repacked",
    "ready_to_ship_pending",
    "confirmed",
)


class Keeper:
    """Tokens in memory."""

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens

    def load(self) -> Tokens:
        return self.tokens

    def save(self, tokens: Tokens) -> None:
        self.tokens = tokens


@pytest.fixture
def fake() -> Iterator[LazadaFake]:
    server = LazadaFake()
    with server.serve():
        yield server


Make = Callable[..., LazadaOrders]


@pytest.fixture
def make(fake: LazadaFake) -> Iterator[Make]:
    made: list[LazadaOrders] = []

    def build(*, secret: str | None = None, **options: Any) -> LazadaOrders:
        adapter = LazadaAdapter(
            fake.rest_url(),
            fake.app_key,
            fake.app_secret if secret is None else secret,
            Keeper(Tokens(fake.access_token, fake.refresh_token)),
            label=LABEL,
            auth_base_url=fake.auth_url(),
            sleep=lambda _seconds: None,
            timeout=options.pop("timeout", 5.0),
        )
        orders = LazadaOrders(adapter, GATEWAY, **options)
        made.append(orders)
        return orders

    yield build
    for orders in made:
        orders.close()


@pytest.fixture
def orders(make: Make) -> LazadaOrders:
    return make()


def add(fake: LazadaFake, status: str, **options: Any) -> FakeOrder:
    return fake.orders.add_order(BUYER, "Siti", status, **options)


def one(orders: LazadaOrders, order: FakeOrder) -> o.PlatformOrder:
    [found] = orders.orders([str(order.order_id)])
    return found


def window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(days=30), now + timedelta(minutes=1)


def raw_call(fake: LazadaFake, path: str, params: dict[str, str]) -> dict[str, Any]:
    """A client signing by the docs, to see the fake's own refusals."""
    api = path.removeprefix("/rest")
    system = {
        "app_key": fake.app_key,
        "sign_method": "sha256",
        "timestamp": str(fake.now_ms()),
        "access_token": fake.access_token,
        **params,
    }
    system["sign"] = sorted(expected_signatures(fake.app_secret, api, system))[0]
    response = httpx.get(f"{fake.base_url}{path}", params=system)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


# --- listing: windows and pages (GetOrders) ----------------------------------------------


def test_changed_order_ids_pages_the_listing_100_at_a_time(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    start = fake.now_ms() - 5 * 86_400_000
    made = [add(fake, "pending", created=start + n * 1000) for n in range(250)]
    since, until = window()
    ids = orders.changed_order_ids(since, until)
    assert ids == [str(order.order_id) for order in made]  # oldest change first
    assert fake.calls[LIST] == 3  # 100 + 100 + 50
    limits = {r.query["limit"] for r in fake.requests if r.path == LIST}
    assert limits == {"100"}


def test_changed_order_ids_starts_a_new_window_when_the_offset_runs_out(
    fake: LazadaFake, make: Make
) -> None:
    """The offset stops at 4500 (getorders.json): the listing restarts at the last change
    seen, and the overlap is not counted twice."""
    start = fake.now_ms() - 5 * 86_400_000
    made = [add(fake, "shipped", created=start + n * 1000) for n in range(95)]
    orders = make(list_limit=10, max_offset=30)
    since, until = window()
    ids = orders.changed_order_ids(since, until)
    assert sorted(ids) == sorted(str(order.order_id) for order in made)
    assert len(ids) == len(set(ids))
    afters = {r.query["update_after"] for r in fake.requests if r.path == LIST}
    assert len(afters) >= 3  # several windows
    assert max(int(r.query["offset"]) for r in fake.requests if r.path == LIST) <= 30


def test_changed_order_ids_only_inside_the_window(fake: LazadaFake, orders: LazadaOrders) -> None:
    old = add(fake, "delivered", created=fake.now_ms() - 40 * 86_400_000)
    recent = add(fake, "pending")
    since, until = window()
    ids = orders.changed_order_ids(since, until)
    assert str(recent.order_id) in ids and str(old.order_id) not in ids
    params = next(r.query for r in fake.requests if r.path == LIST)
    assert params["update_after"].endswith("+00:00") and params["sort_by"] == "updated_at"


def test_fake_enforces_the_documented_listing_and_batch_limits(fake: LazadaFake) -> None:
    after = {"update_after": "2026-01-01T00:00:00+07:00"}
    assert raw_call(fake, LIST, {**after, "limit": "101"})["code"] == "19"
    assert raw_call(fake, LIST, {**after, "offset": "4501"})["code"] == "14"
    assert raw_call(fake, LIST, {"limit": "10"})["code"] == "MissingParameter"
    assert raw_call(fake, LIST, {"update_after": "yesterday"})["code"] == "17"
    assert raw_call(fake, LIST, {**after, "sort_by": "price"})["code"] == "75"
    made = [add(fake, "pending") for _ in range(51)]
    many = "[" + ",".join(str(order.order_id) for order in made) + "]"
    too_many = raw_call(fake, MULTI, {"order_ids": many})
    assert too_many["code"] == "38" and too_many["type"] == "ISV"
    assert raw_call(fake, MULTI, {"order_ids": "[1]"})["code"] == "37"
    assert raw_call(fake, MULTI, {"order_ids": "1,2"})["code"] == "56"
    assert raw_call(fake, DETAIL, {"order_id": "1"})["code"] == "16"


# --- details in batches ------------------------------------------------------------------


def test_orders_fetches_details_items_in_batches_of_50_and_counts_requests(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    made = [add(fake, "pending") for _ in range(60)]
    before = orders.requests
    found = orders.orders([str(order.order_id) for order in made])
    assert [f.id for f in found] == [str(order.order_id) for order in made]
    assert fake.calls[DETAIL] == 60  # GetOrder takes one id
    assert fake.calls[MULTI] == 2  # 50 + 10: "No more than 50 at a time"
    assert fake.calls[REVERSE] == 1  # one listing for the batch's creation times
    assert fake.calls[TRACE] == 0  # nothing past ready-to-ship
    assert orders.requests - before == 63
    sizes = [r.query["order_ids"].count(",") + 1 for r in fake.requests if r.path == MULTI]
    assert sizes == [50, 10]


def test_unknown_ids_are_left_out(fake: LazadaFake, orders: LazadaOrders) -> None:
    known = add(fake, "pending")
    found = orders.orders(["999", str(known.order_id), "999"])
    assert [f.id for f in found] == [str(known.order_id)]
    assert orders.orders(["12345"]) == []
    assert fake.calls[MULTI] == 1  # never asked for items of an unknown order


def test_buyer_order_ids_is_none_lazada_has_no_buyer_filter(orders: LazadaOrders) -> None:
    assert orders.buyer_order_ids(str(BUYER), datetime.now(UTC)) is None
    assert orders.platform == "lazada"


# --- status normalisation ---------------------------------------------------------------


def test_status_table_covers_every_status_in_the_docs() -> None:
    assert set(DOC_STATUSES) == set(STATUS)
    assert set(STATUS.values()) == set(o.STATUSES)


@pytest.mark.parametrize("status", DOC_STATUSES)
def test_every_status_mapped(fake: LazadaFake, orders: LazadaOrders, status: str) -> None:
    found = one(orders, add(fake, status))
    assert found.status == STATUS[status]
    assert found.platform_status == status  # the platform's own word


def test_a_cancelled_line_does_not_speak_for_the_live_one(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "pending", lines=2)
    order.items[0].status = "canceled"
    found = one(orders, order)
    assert found.status == o.TO_SHIP
    assert found.platform_status == "canceled,pending"
    assert found.actions == (o.CANCEL,)


def test_seeded_chat_buyers_have_orders_in_every_status(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    fake.seed(12, 4)
    since, until = window()
    found = orders.orders(orders.changed_order_ids(since, until))
    assert {f.status for f in found} == set(o.STATUSES)
    buyers = {str(session.buyer_id) for session in fake.sessions.values()}
    per_buyer = {b: sum(1 for f in found if f.buyer_id == b) for b in buyers}
    assert all(1 <= count <= 5 for count in per_buyer.values())
    assert any(o.ACCEPT_CANCEL in f.actions for f in found)
    # The chat's order card names a real order.
    cards = [
        m.content["orderId"]
        for s in fake.sessions.values()
        for m in s.messages
        if m.template_id == 10007
    ]
    assert cards and set(cards) <= {f.id for f in found}


# --- money, times, items, tracking events, returns --------------------------------------


def test_money_is_decimal_times_are_utc_items_carry_sku_and_unit_price(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "pending", lines=2)
    order.voucher = Decimal("5000.00")
    found = one(orders, order)
    assert isinstance(found.total, Decimal)
    # price - voucher + shipping_fee (getorders.json: price excludes both)
    assert found.total == order.price - Decimal("5000.00") + order.shipping_fee
    assert found.currency == "IDR"
    assert found.created_at.tzinfo is UTC
    assert found.created_at == datetime.fromtimestamp(order.created // 1000, UTC)
    assert [(i.sku, i.price, i.quantity) for i in found.items] == [
        (item.sku, item.item_price, 1) for item in order.items
    ]
    assert all(isinstance(i.price, Decimal) for i in found.items)
    assert found.buyer_id == str(BUYER)
    assert found.to_json("lazada-id")["total"] == str(found.total)
    # Cash on delivery: paid once delivered.
    assert (found.financial_status, found.fulfillment_status) == ("pending", "unfulfilled")
    delivered = one(orders, add(fake, "delivered"))
    assert (delivered.financial_status, delivered.fulfillment_status) == ("paid", "fulfilled")


def test_tracking_number_and_events_newest_first(fake: LazadaFake, orders: LazadaOrders) -> None:
    order = add(fake, "shipped")
    found = one(orders, order)
    [parcel] = found.tracking
    assert parcel.number == order.items[0].tracking_code
    assert parcel.company == "LEX ID"
    assert parcel.status == "In transit"
    times = [event.at for event in parcel.events]
    assert len(times) == 3 and times == sorted(times, reverse=True)  # type: ignore[type-var]
    assert all(t is not None and t.tzinfo is UTC for t in times)
    assert parcel.events[-1].text.startswith("Packed by seller / warehouse: ")
    assert fake.calls[TRACE] == 1


def test_ready_to_ship_shows_its_number_without_asking_for_a_trace(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "ready_to_ship")
    [parcel] = one(orders, order).tracking
    assert parcel.number == order.items[0].tracking_code and parcel.events == ()
    assert fake.calls[TRACE] == 0  # "only available in the state after ready to ship"


def test_returns_and_refunds_mapped(fake: LazadaFake, orders: LazadaOrders) -> None:
    returning = add(fake, "delivered")
    fake.orders.open_reverse(returning.order_id, "RETURN", "Item damaged on arrival")
    returned = add(fake, "returned")
    fake.orders.open_reverse(returned.order_id, "RETURN", "Wrong size", "REFUND_SUCCESS")
    plain = add(fake, "delivered")
    by_id = {
        f.id: f for f in orders.orders([str(x.order_id) for x in (returning, returned, plain)])
    }
    first = by_id[str(returning.order_id)]
    assert first.status == o.RETURNING and first.platform_status == "delivered"
    [entry] = first.returns
    assert entry.status == "REQUEST_INITIATE"
    assert entry.reason == "Item damaged on arrival (return)"
    assert entry.amount == returning.price  # refund_amount is in cents
    assert by_id[str(returned.order_id)].status == o.RETURNED
    assert by_id[str(returned.order_id)].returns[0].status == "REFUND_SUCCESS"
    assert by_id[str(plain.order_id)].returns == ()
    assert fake.calls[REVERSE] == 1


# --- actions offered per status ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("unpaid", ()),
        ("pending", (o.CANCEL,)),
        ("packed", (o.CANCEL,)),
        ("ready_to_ship", (o.CANCEL,)),
        ("shipped", ()),
        ("delivered", ()),
        ("confirmed", ()),
        ("canceled", ()),
        ("returned", ()),
    ],
)
def test_actions_offered_per_status(
    fake: LazadaFake, orders: LazadaOrders, status: str, expected: tuple[str, ...]
) -> None:
    assert one(orders, add(fake, status)).actions == expected


def test_a_pending_buyer_cancellation_offers_accept_and_reject_only(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "pending")
    fake.orders.open_reverse(order.order_id, "CANCEL", "Change of mind")
    found = one(orders, order)
    assert found.actions == (o.ACCEPT_CANCEL, o.REJECT_CANCEL)
    assert found.returns[0].reason == "Change of mind (cancel)"


# --- cancel: validate first, reasons, refusals ------------------------------------------


def test_cancel_validates_then_cancels_with_the_mapped_reason(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "pending", lines=2)
    orders.cancel(str(order.order_id), "Out of stock, sorry", idempotency_key="k1")
    paths = [r.path for r in fake.requests if r.path in (ITEMS, VALIDATE, CANCEL)]
    assert paths == [ITEMS, VALIDATE, CANCEL]
    create = next(r.query for r in fake.requests if r.path == CANCEL)
    assert create["reason_id"] == "10000021"  # "Out of Stock" as validate offered it
    assert create["order_item_id_list"].count(",") == 1  # both lines
    found = one(orders, order)
    assert found.status == o.CANCELLED and found.actions == ()
    assert {item.reason for item in order.items} == {"Out of Stock"}


@pytest.mark.parametrize(
    ("words", "reason_id"),
    [("stok habis", "10000021"), ("supplier delay", "10000019"), ("harga salah", "10000023")],
)
def test_cancel_reasons_in_english_or_bahasa(
    fake: LazadaFake, orders: LazadaOrders, words: str, reason_id: str
) -> None:
    order = add(fake, "packed")
    orders.cancel(str(order.order_id), words, idempotency_key="k")
    assert next(r.query for r in fake.requests if r.path == CANCEL)["reason_id"] == reason_id


@pytest.mark.parametrize("words", ["because I said so", "buyer asked", ""])
def test_cancel_with_a_reason_lazada_does_not_offer_is_refused_naming_the_offers(
    fake: LazadaFake, orders: LazadaOrders, words: str
) -> None:
    order = add(fake, "pending")
    with pytest.raises(ActionRefused) as refused:
        orders.cancel(str(order.order_id), words, idempotency_key="k")
    text = str(refused.value)
    assert "\n" not in text and text.startswith(f"{LABEL}: ")
    assert "Out of Stock" in text and "Sourcing Delay" in text
    assert fake.calls[CANCEL] == 0 and fake.orders.cancels == 0


@pytest.mark.parametrize("status", ["shipped", "delivered", "unpaid", "canceled"])
def test_cancel_after_shipping_is_refused_with_lazadas_reason(
    fake: LazadaFake, orders: LazadaOrders, status: str
) -> None:
    order = add(fake, status)
    with pytest.raises(ActionRefused) as refused:
        orders.cancel(str(order.order_id), "out of stock", idempotency_key="k")
    assert refused.value.transient is False
    assert f"cancel order {order.order_id}" in str(refused.value)
    assert "only Pending ~ Ready To Ship items can be" in str(refused.value)
    assert fake.calls[CANCEL] == 0


def test_cancel_of_an_unknown_order_is_refused(fake: LazadaFake, orders: LazadaOrders) -> None:
    with pytest.raises(ActionRefused, match="Invalid Order ID"):
        orders.cancel("424242", "out of stock", idempotency_key="k")
    with pytest.raises(ActionRefused, match="numbers"):
        orders.cancel("not-an-id", "out of stock", idempotency_key="k")


def test_fake_refuses_a_direct_cancel_of_shipped_lines(fake: LazadaFake) -> None:
    order = add(fake, "shipped")
    lines = f"[{order.items[0].order_item_id}]"
    params = {"order_id": str(order.order_id), "order_item_id_list": lines}
    refused = raw_call(fake, CANCEL, {**params, "reason_id": "10000021"})
    assert refused["code"] == "123" and "invalid trade order lines" in refused["message"]
    assert raw_call(fake, CANCEL, {**params, "reason_id": "1"})["code"] == "104"
    assert order.items[0].status == "shipped"


def test_cancel_while_the_buyer_asked_to_cancel_is_refused(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "pending")
    fake.orders.open_reverse(order.order_id, "CANCEL", "Change of mind")
    with pytest.raises(ActionRefused, match="answer the request"):
        orders.cancel(str(order.order_id), "out of stock", idempotency_key="k")


# --- answering a buyer's cancellation request -------------------------------------------


def test_answer_cancellation_accept_cancels_the_order(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "pending")
    reverse = fake.orders.open_reverse(order.order_id, "CANCEL", "Change of mind")
    orders.answer_cancellation(str(order.order_id), accept=True)
    sent = next(r.query for r in fake.requests if r.path == DECIDE)
    assert sent["reverse_order_id"] == str(reverse.reverse_order_id)
    assert sent["agree_cancel"] == "true"
    found = one(orders, order)
    assert found.status == o.CANCELLED and found.actions == ()
    assert found.returns[0].status == "CANCEL_SUCCESS"


def test_answer_cancellation_reject_keeps_the_order_to_ship(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "pending")
    fake.orders.open_reverse(order.order_id, "CANCEL", "Change of mind")
    orders.answer_cancellation(str(order.order_id), accept=False)
    found = one(orders, order)
    assert found.status == o.TO_SHIP and found.actions == (o.CANCEL,)
    assert found.returns[0].status == "REQUEST_REJECT"
    with pytest.raises(ActionRefused, match="no buyer cancellation request"):
        orders.answer_cancellation(str(order.order_id), accept=True)
    assert fake.orders.decisions == 1


def test_fake_refuses_a_second_decision(fake: LazadaFake) -> None:
    order = add(fake, "pending")
    reverse = fake.orders.open_reverse(order.order_id, "CANCEL", "Change of mind")
    params = {"reverse_order_id": str(reverse.reverse_order_id), "agree_cancel": "true"}
    assert raw_call(fake, DECIDE, params)["code"] == "0"
    assert raw_call(fake, DECIDE, params)["code"] == "105"
    assert raw_call(fake, DECIDE, {**params, "agree_cancel": "maybe"})["code"] == "131"


# --- the drop-response fault: applied once, reported as transient -----------------------


def test_a_dropped_cancel_response_is_transient_and_the_read_back_shows_one_cancel(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "pending")
    fake.drop_after_next_send()
    with pytest.raises(ChannelError) as dropped:
        orders.cancel(str(order.order_id), "out of stock", idempotency_key="k")
    assert dropped.value.transient is True
    assert not isinstance(dropped.value, ActionRefused | AmbiguousSendError)
    assert "read the order back" in str(dropped.value)
    assert fake.calls[CANCEL] == 1 and fake.orders.cancels == 1  # never sent twice
    found = one(orders, order)
    assert found.status == o.CANCELLED  # the caller sees it happened: no retry needed
    assert fake.orders.cancels == 1


def test_a_dropped_answer_response_is_transient_and_applied_once(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "ready_to_ship")
    fake.orders.open_reverse(order.order_id, "CANCEL", "Ordered twice")
    fake.drop_after_next_send()
    with pytest.raises(ChannelError) as dropped:
        orders.answer_cancellation(str(order.order_id), accept=True)
    assert dropped.value.transient is True and not isinstance(dropped.value, ActionRefused)
    assert fake.calls[DECIDE] == 1 and fake.orders.decisions == 1
    assert one(orders, order).status == o.CANCELLED


def test_an_action_that_times_out_is_transient_and_not_retried(
    fake: LazadaFake, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = add(fake, "pending")
    orders = make(timeout=0.5)
    real = fake.orders.routes()["/order/reverse/cancel/create"]

    def slow(params: dict[str, str]) -> dict[str, Any]:
        answer = real(params)
        time.sleep(1.0)  # applied, then the answer is late
        return answer

    fake._api["/order/reverse/cancel/create"] = slow
    with pytest.raises(ChannelError) as late:
        orders.cancel(str(order.order_id), "out of stock", idempotency_key="k")
    assert late.value.transient is True
    assert fake.calls[CANCEL] == 1 and fake.orders.cancels == 1


# --- credentials --------------------------------------------------------------------------


def test_a_bad_secret_is_refused_as_credentials(fake: LazadaFake, make: Make) -> None:
    orders = make(secret="not-the-secret")
    since, until = window()
    with pytest.raises(ChannelAuthError, match="app_secret"):
        orders.changed_order_ids(since, until)
    with pytest.raises(ChannelAuthError):
        orders.cancel(str(add(fake, "pending").order_id), "out of stock", idempotency_key="k")
    assert fake.orders.cancels == 0


def test_an_expired_token_is_refreshed_for_order_calls(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    order = add(fake, "pending")
    fake.expire_tokens()
    assert one(orders, order).id == str(order.order_id)
    assert fake.refreshes == 1


def test_fake_checks_the_signature_on_order_calls(fake: LazadaFake) -> None:
    order = add(fake, "pending")
    params = {
        "app_key": fake.app_key,
        "sign_method": "sha256",
        "timestamp": str(fake.now_ms()),
        "access_token": fake.access_token,
        "order_id": str(order.order_id),
        "sign": "0" * 64,
    }
    body = httpx.get(f"{fake.base_url}{DETAIL}", params=params).json()
    assert body["code"] == "IncompleteSignature"


def test_fake_reverse_order_detail_has_the_documented_shape(fake: LazadaFake) -> None:
    order = add(fake, "delivered")
    reverse = fake.orders.open_reverse(order.order_id, "RETURN", "Wrong size")
    detail = raw_call(
        fake,
        "/rest/order/reverse/return/detail/list",
        {"reverse_order_id": str(reverse.reverse_order_id)},
    )["data"]
    assert detail["trade_order_id"] == order.order_id and detail["request_type"] == "RETURN"
    [line] = detail["reverseOrderLineDTOList"]
    assert line["reverse_status"] == "REQUEST_INITIATE" and "productDTO" in line
    assert line["buyer"] == {"user_id": BUYER}
    missing = raw_call(fake, "/rest/order/reverse/return/detail/list", {"reverse_order_id": "1"})
    assert missing["code"] == "105"


# --- the listing's rows serve the details (GetOrders is a superset of GetOrder) ----------


def test_orders_after_the_listing_takes_its_rows_instead_of_get_order(
    fake: LazadaFake, orders: LazadaOrders, make: Make
) -> None:
    made = [add(fake, status) for status in ("pending", "ready_to_ship", "delivered")]
    since, until = window()
    listed = orders.changed_orders(since, until)
    assert [e.id for e in listed] == [str(order.order_id) for order in made]
    fake.reset_log()
    found = orders.orders([e.id for e in listed])
    assert fake.calls[DETAIL] == 0 and fake.calls[MULTI] == 1
    # The same orders GetOrder would have given, and the listing's update time is theirs.
    reference = make().orders([e.id for e in listed])
    assert found == reference
    assert {e.id: e.updated_at for e in listed} == {f.id: f.updated_at for f in found}
    assert all(e.updated_at is not None for e in listed)


def test_get_order_serves_ids_not_from_the_listing_and_any_later_read(
    fake: LazadaFake, orders: LazadaOrders
) -> None:
    listed_one = add(fake, "pending")
    since, until = window()
    orders.changed_orders(since, until)
    fake.reset_log()
    orders.orders([str(listed_one.order_id), "999"])
    assert fake.calls[DETAIL] == 1  # only the unknown id, left out
    fake.reset_log()
    orders.orders([str(listed_one.order_id)])  # the listing's rows serve one read only
    assert fake.calls[DETAIL] == 1


def test_seeded_orders_were_last_changed_before_the_seed(fake: LazadaFake) -> None:
    seeded_at = fake.now_ms()
    fake.seed(40, 1)
    book = fake.orders
    assert book.reverses  # the scenarios with a cancellation request or a return
    assert all(order.created <= order.updated < seeded_at for order in book.orders.values())
    for reverse in book.reverses.values():
        order = book.orders[reverse.trade_order_id]
        assert reverse.created == reverse.modified == order.updated
    recent = [o for o in book.orders.values() if o.updated >= seeded_at - 600_000]
    assert len(recent) <= len(book.orders) // 20

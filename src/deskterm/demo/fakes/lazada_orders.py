"""The Lazada fake's orders: listing, detail, items, trace, reverse orders, cancel and decide.

Built from marketplace-docs/lazada (getorders, getorder, getorderitems, getmultipleorderitems,
getordertrace, getreverseordersforseller, getreverseorderdetail, ordercancelvalidate,
initreverseordercancel, order-cancellation) plus InitReverseOrderCancelDecide from
open.lazada.com. Requests arrive signed-checked by LazadaFake; limits are enforced with the
documented error codes; disallowed transitions are refused the way the docs describe.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from deskterm.demo.fakes.lazada import PRODUCTS, Params, Refusal, missing, order_card

if TYPE_CHECKING:
    from collections.abc import Callable

    from deskterm.demo.fakes.lazada import LazadaFake

WIB = timezone(timedelta(hours=7))  # the Indonesian gateway answers in local time
LIST_LIMIT = 100  # GetOrders: "The supported maximum number is 100"
MAX_OFFSET = 4500  # GetOrders: offset "Max Size:4500"
ITEMS_LIMIT = 50  # GetMultipleOrderItems: "No more than 50 at a time"
CANCELLABLE = {"pending", "packed", "repacked", "ready_to_ship", "ready_to_ship_pending"}
UNSHIPPED = CANCELLABLE | {"unpaid", "topack", "toship", "canceled"}  # no parcel handed over
ACTION_PATHS = ("/rest/order/reverse/cancel/create", "/rest/order/reverse/cancel/seller/decide")
# OrderCancelValidate's offers, as order-cancellation.json shows them for Indonesia.
REASON_OPTIONS = (
    {"reason_name": "Sourcing Delay", "reason_id": "10000019"},
    {"reason_name": "Out of Stock", "reason_id": "10000021"},
    {"reason_name": "Wrong Price or Pricing Error", "reason_id": "10000023"},
)
VALIDATE_TIP = (
    "SKU stock may be set to 0* after cancellation due to reasons: ‘out of stock’ or "
    "‘incorrect pricing’, to prevent new orders while you adjust your stock/pricing."
)
CANCELLED_TIP = (
    "The order has been cancelled and SKU stock may have been set to 0. Please ensure you "
    "check your stock/pricing under “Manage Products”."
)
DAY_MS = 86_400_000


@dataclass
class FakeItem:
    """One order item (Lazada lists one per unit bought)."""

    order_item_id: int
    name: str
    sku: str
    item_price: Decimal
    status: str
    buyer_id: int
    tracking_code: str = ""
    shipment_provider: str = ""
    reverse_order_id: int | None = None
    need_cancel_confirm: bool = False
    cancel_return_initiator: str = ""
    reason: str = ""


@dataclass
class FakeEvent:
    """One logistic_detail_info_list entry."""

    event_time: int
    title: str
    description: str
    detail_type: str
    status_code: str


@dataclass
class FakeReverse:
    """A reverse order: a buyer's cancel request, a return or a refund."""

    reverse_order_id: int
    trade_order_id: int
    request_type: str  # CANCEL, RETURN, ONLY_REFUND
    status: str  # reverse_status of its lines
    reason_text: str
    lines: list[int]  # order_item_ids
    created: int
    modified: int


@dataclass
class FakeOrder:
    """One order of the seller."""

    order_id: int
    first_name: str
    created: int
    updated: int
    items: list[FakeItem]
    shipping_fee: Decimal = Decimal("10000.00")
    voucher: Decimal = Decimal("0.00")
    payment_method: str = "COD"
    events: list[FakeEvent] = field(default_factory=list)

    @property
    def statuses(self) -> list[str]:
        """Unique item statuses, in item order."""
        return list(dict.fromkeys(item.status for item in self.items))

    @property
    def price(self) -> Decimal:
        """Items' total, vouchers and shipping excluded (getorders.json)."""
        return sum((item.item_price for item in self.items), Decimal(0))


def _iso(ms: int) -> str:
    """GetOrders' time form: "2018-02-09T22:44:30+08:00"."""
    return datetime.fromtimestamp(ms / 1000, WIB).isoformat(timespec="seconds")


def _spaced(ms: int) -> str:
    """GetOrder's and GetOrderItems' time form: "2014-10-15 18:36:05 +0800"."""
    return datetime.fromtimestamp(ms / 1000, WIB).strftime("%Y-%m-%d %H:%M:%S %z")


def _parse_iso(value: str) -> int:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Refusal("17", "Invalid Date Format") from None
    if moment.tzinfo is None:
        raise Refusal("17", "Invalid Date Format")
    return int(moment.timestamp() * 1000)


def _number(params: Params, name: str, default: int | None = None) -> int:
    value = params.get(name, "")
    if value == "":
        if default is None:
            raise missing(name)
        return default
    try:
        return int(value)
    except ValueError:
        raise Refusal("InvalidParameter", f"Invalid parameter: {name}") from None


def _id_list(params: Params, name: str) -> list[int]:
    raw = params.get(name, "")
    if not raw:
        raise missing(name)
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(str(v).isdigit() for v in value):
        raise Refusal("56", "E056: Invalid OrdersIdList format. Must use array format [1,2]")
    return [int(v) for v in value]


class LazadaOrderBook:
    """The seller's orders and reverse orders, and the order APIs' handlers."""

    action_paths = ACTION_PATHS

    def __init__(self, fake: LazadaFake, seed: int = 13) -> None:
        self.fake = fake
        self.random = random.Random(seed)  # noqa: S311  (repeatable demo data)
        self.orders: dict[int, FakeOrder] = {}
        self.reverses: dict[int, FakeReverse] = {}
        self.cancels = 0  # InitReverseOrderCancel calls that cancelled something
        self.decisions = 0  # InitReverseOrderCancelDecide calls that decided something
        self._next_item = 700_000_000_001
        self._next_reverse = 704_947_701_379_001

    def routes(self) -> dict[str, Callable[[Params], dict[str, Any]]]:
        """API name -> handler, for LazadaFake's router."""
        return {
            "/orders/get": self._list,
            "/order/get": self._detail,
            "/order/items/get": self._items,
            "/orders/items/get": self._multi_items,
            "/logistic/order/trace": self._trace,
            "/reverse/getreverseordersforseller": self._reverse_list,
            "/order/reverse/return/detail/list": self._reverse_detail,
            "/order/reverse/cancel/validate": self._validate,
            "/order/reverse/cancel/create": self._cancel,
            "/order/reverse/cancel/seller/decide": self._decide,
        }

    # --- building orders (tests, the demo) --------------------------------------------

    def add_order(
        self,
        buyer_id: int,
        first_name: str,
        status: str,
        *,
        order_id: int | None = None,
        created: int | None = None,
        lines: int = 1,
        product: int = 0,
    ) -> FakeOrder:
        """An order whose items all have ``status`` (with a parcel and trace past RTS)."""
        with self.fake.lock:
            now = self.fake.now_ms()
            created = now - DAY_MS if created is None else created
            order_id = order_id or 386_000_000_000_000 + len(self.orders) * 7_919
            while order_id in self.orders:
                order_id += 1
            items = []
            for line in range(lines):
                _, title, price, _ = PRODUCTS[(product + line) % len(PRODUCTS)]
                amount = Decimal(price.removeprefix("Rp").replace(".", "")).quantize(
                    Decimal("1.00")
                )
                items.append(
                    FakeItem(
                        order_item_id=self._take_item(),
                        name=title,
                        sku=f"SKU-{(product + line) % len(PRODUCTS) + 1:03d}",
                        item_price=amount,
                        status=status,
                        buyer_id=buyer_id,
                    )
                )
            order = FakeOrder(order_id, first_name, created, created, items)
            self.orders[order_id] = order
            if status not in UNSHIPPED or status == "ready_to_ship":
                self._ship(order, status)
            return order

    def set_status(self, order_id: int, status: str) -> None:
        """Every item of the order moves to ``status`` (the order is updated now)."""
        with self.fake.lock:
            order = self.orders[order_id]
            for item in order.items:
                item.status = status
            order.updated = self.fake.now_ms()

    def open_reverse(
        self, order_id: int, request_type: str, reason: str, status: str = "REQUEST_INITIATE"
    ) -> FakeReverse:
        """The buyer opens a cancellation request, a return or a refund on every line."""
        with self.fake.lock:
            order = self.orders[order_id]
            now = self.fake.now_ms()
            reverse = FakeReverse(
                reverse_order_id=self._next_reverse,
                trade_order_id=order_id,
                request_type=request_type,
                status=status,
                reason_text=reason,
                lines=[item.order_item_id for item in order.items],
                created=now,
                modified=now,
            )
            self._next_reverse += 1
            self.reverses[reverse.reverse_order_id] = reverse
            for item in order.items:
                item.reverse_order_id = reverse.reverse_order_id
                if request_type == "CANCEL" and status == "REQUEST_INITIATE":
                    item.need_cancel_confirm = True
                    item.cancel_return_initiator = "cancellation-customer"
            order.updated = now
            return reverse

    def seed(self, sessions: list[tuple[int, str]]) -> None:
        """1–5 orders per chat buyer, every scenario in turn: all eight normalised statuses,
        a buyer's cancellation request and a failed delivery. The first order of the
        ``index``-th buyer is the one its chat's order card names."""
        with self.fake.lock:
            now = self.fake.now_ms()
            turn = 0
            for index, (buyer_id, name) in enumerate(sessions):
                for number in range(self.random.randint(1, 5)):
                    scenario = SCENARIOS[turn % len(SCENARIOS)]
                    turn += 1
                    first = int(order_card(index)["orderId"]) if number == 0 else None
                    created = now - self.random.randrange(DAY_MS // 4, 20 * DAY_MS)
                    order = self.add_order(
                        buyer_id,
                        name.split()[0],
                        scenario[0],
                        order_id=first,
                        created=created,
                        lines=self.random.randint(1, 2),
                        product=index + number,
                    )
                    # Last changed hours after creation, always before the seed (created
                    # is at least DAY_MS // 4 ago): spread, as a shop's history is.
                    updated = created + self.random.randrange(60_000, DAY_MS // 4)
                    order.updated = updated
                    if scenario[1]:
                        # open_reverse stamps the order "now": the request came at ``updated``.
                        reverse = self.open_reverse(order.order_id, *scenario[1])
                        reverse.created = reverse.modified = order.updated = updated

    # --- handlers ---------------------------------------------------------------------

    def _list(self, params: Params) -> dict[str, Any]:
        limit = _number(params, "limit", 100)
        offset = _number(params, "offset", 0)
        if not 1 <= limit <= LIST_LIMIT:
            raise Refusal("19", f'E019: "{limit}" Invalid Limit')
        if not 0 <= offset <= MAX_OFFSET:
            raise Refusal("14", f'E014: "{offset}" Invalid Offset')
        if not params.get("update_after") and not params.get("created_after"):
            raise missing("update_after")
        sort_by = params.get("sort_by", "created_at")
        if sort_by not in ("created_at", "updated_at"):
            raise Refusal("75", "E075: Invalid sort filter.")
        direction = params.get("sort_direction", "DESC")
        if direction not in ("ASC", "DESC"):
            raise Refusal("74", "E074: Invalid sort direction.")
        bounds = {
            name: _parse_iso(params[name])
            for name in ("update_after", "update_before", "created_after", "created_before")
            if params.get(name)
        }
        status = params.get("status", "")
        rows = [
            order
            for order in self.orders.values()
            if bounds.get("update_after", 0) <= _second(order.updated)
            and _second(order.updated) <= bounds.get("update_before", 1 << 62)
            and bounds.get("created_after", 0) <= _second(order.created)
            and _second(order.created) <= bounds.get("created_before", 1 << 62)
            and (not status or status in order.statuses)
        ]
        key = "updated" if sort_by == "updated_at" else "created"
        rows.sort(key=lambda o: (getattr(o, key), o.order_id), reverse=direction == "DESC")
        page = rows[offset : offset + limit]
        return {
            "data": {
                "count": len(page),
                "countTotal": len(rows),
                "orders": [self._order_json(order, _iso) for order in page],
            }
        }

    def _detail(self, params: Params) -> dict[str, Any]:
        return {"data": self._order_json(self._order(params), _spaced)}

    def _items(self, params: Params) -> dict[str, Any]:
        order = self._order(params)
        return {"data": [self._item_json(order, item) for item in order.items]}

    def _multi_items(self, params: Params) -> dict[str, Any]:
        ids = _id_list(params, "order_ids")
        if len(ids) > ITEMS_LIMIT:
            raise Refusal("38", "E038: Too many orders were requested")
        if any(order_id not in self.orders for order_id in ids):
            raise Refusal("37", "E037: One or more order id in the list are incorrect")
        return {
            "data": [
                {
                    "order_number": order_id,
                    "order_id": order_id,
                    "order_items": [
                        self._item_json(self.orders[order_id], item)
                        for item in self.orders[order_id].items
                    ],
                }
                for order_id in dict.fromkeys(ids)
            ]
        }

    def _trace(self, params: Params) -> dict[str, Any]:
        raw = params.get("order_id", "")
        if not raw:
            raise missing("order_id")
        order = self.orders.get(int(raw)) if raw.isdigit() else None
        if order is None:
            raise Refusal("LD_INPUT_PARAM_VALID", "orderId is wrong")
        if not set(order.statuses) - (UNSHIPPED - {"ready_to_ship"}):
            raise Refusal("INPUT_PARAM_VALID", "query trade failed")
        packages: dict[str, list[str]] = {}
        for item in order.items:
            packages.setdefault(item.tracking_code, []).append(str(item.order_item_id))
        return {
            "result": {
                "not_success": False,
                "success": True,
                "repeated": False,
                "retry": False,
                "error_code": {"displayMessage": "null"},
                "module": [
                    {
                        "warehouse_detail_info": "null",
                        "ofc_order_id": "null",
                        "package_detail_info_list": [
                            {
                                "order_line_info_list": json.dumps(lines),
                                "ofc_package_id": f"FP{number[-12:]}",
                                "tracking_number": number,
                                "logistic_detail_info_list": [
                                    {
                                        "package_location_name": "null",
                                        "status_code": event.status_code,
                                        "proof_images": [],
                                        "detail_type": event.detail_type,
                                        "event_date": "null",
                                        "receive_time": 0,
                                        "icon": "null",
                                        "description": event.description,
                                        "title": event.title,
                                        "event_time": event.event_time,
                                    }
                                    for event in order.events
                                ],
                            }
                            for number, lines in packages.items()
                        ],
                    }
                ],
            }
        }

    def _reverse_list(self, params: Params) -> dict[str, Any]:
        size = _number(params, "page_size", 10)
        page = _number(params, "page_no", 1)
        if size < 1 or page < 1:
            raise Refusal("InvalidParameter", "Invalid parameter: page_size/page_no")
        trade = params.get("trade_order_id", "")
        start = _number(params, "TradeOrderLineCreatedTimeRangeStart", 0)
        end = _number(params, "TradeOrderLineCreatedTimeRangeEnd", 1 << 62)
        rows = [
            reverse
            for reverse in self.reverses.values()
            if (not trade or str(reverse.trade_order_id) == trade)
            and start <= self.orders[reverse.trade_order_id].created <= end
        ]
        rows.sort(key=lambda r: r.reverse_order_id)
        chunk = rows[(page - 1) * size : page * size]
        return {
            "result": {
                "page_no": page,
                "page_size": size,
                "total": len(rows),
                "success": True,
                "items": [self._reverse_json(reverse) for reverse in chunk],
            }
        }

    def _reverse_detail(self, params: Params) -> dict[str, Any]:
        reverse = self.reverses.get(_number(params, "reverse_order_id"))
        if reverse is None:
            raise Refusal("105", "E0105: reverse order id is empty or invalid")
        listed = self._reverse_json(reverse)
        lines = listed.pop("reverse_order_lines")
        for line in lines:
            line["productDTO"] = line.pop("product")
            line["buyer"] = {"user_id": line["buyer"]["buyer_id"]}
        return {"data": {**listed, "reverseOrderLineDTOList": lines}}

    def _validate(self, params: Params) -> dict[str, Any]:
        _order, items = self._lines(params)
        blocked = [item for item in items if item.status not in CANCELLABLE]
        if any(item.need_cancel_confirm for item in items):
            tip = "The buyer has asked to cancel this order: answer the request instead."
            return {"data": {"tip_type": "error", "tip_content": tip, "reason_options": []}}
        if blocked:
            tip = (
                f"Order items in status {blocked[0].status} cannot be cancelled: only "
                "Pending ~ Ready To Ship items can be."
            )
            return {"data": {"tip_type": "error", "tip_content": tip, "reason_options": []}}
        options = [dict(option) for option in REASON_OPTIONS]
        return {
            "data": {"tip_type": "warning", "tip_content": VALIDATE_TIP, "reason_options": options}
        }

    def _cancel(self, params: Params) -> dict[str, Any]:
        order, items = self._lines(params)
        reason_id = params.get("reason_id", "")
        reason = next((o for o in REASON_OPTIONS if o["reason_id"] == reason_id), None)
        if reason is None:
            raise Refusal("104", "E0104: reason is empty or invalid")
        blocked = [i for i in items if i.status not in CANCELLABLE or i.need_cancel_confirm]
        if blocked:
            lines = ",".join(str(item.order_item_id) for item in blocked)
            raise Refusal("123", f"E0123: invalid trade order lines {lines}")
        for item in items:
            item.status = "canceled"
            item.reason = reason["reason_name"]
            item.cancel_return_initiator = "cancellation-seller"
        order.updated = self.fake.now_ms()
        self.cancels += 1
        return {"data": {"tip_type": "success", "tip_content": CANCELLED_TIP}}

    def _decide(self, params: Params) -> dict[str, Any]:
        reverse = self.reverses.get(_number(params, "reverse_order_id"))
        if reverse is None or reverse.request_type != "CANCEL":
            raise Refusal("105", "E0105: reverse order id is empty or invalid")
        agree = params.get("agree_cancel", "")
        if agree not in ("true", "false"):
            raise Refusal("131", "E0131: no decision for this reverse order")
        order = self.orders[reverse.trade_order_id]
        items = [i for i in order.items if i.order_item_id in reverse.lines]
        if reverse.status != "REQUEST_INITIATE" or not any(i.need_cancel_confirm for i in items):
            raise Refusal("105", "E0105: reverse order id is empty or invalid")
        now = self.fake.now_ms()
        reverse.status = "CANCEL_SUCCESS" if agree == "true" else "REQUEST_REJECT"
        reverse.modified = order.updated = now
        for item in items:
            item.need_cancel_confirm = False
            if agree == "true":
                item.status = "canceled"
                item.reason = reverse.reason_text
        self.decisions += 1
        return {}

    # --- JSON -------------------------------------------------------------------------

    def _order_json(self, order: FakeOrder, stamp: Callable[[int], str]) -> dict[str, Any]:
        address = {
            "first_name": order.first_name,
            "last_name": "",
            "phone": "62812****678",
            "phone2": "",
            "address1": "Jl. Melati No. 12",
            "address2": "",
            "address3": "Jawa Barat",
            "address4": "Kota Bandung",
            "address5": "Coblong",
            "city": "Kota Bandung",
            "post_code": "40132",
            "country": "Indonesia",
            "addressDistrict": "Coblong",
        }
        need_confirm = any(item.need_cancel_confirm for item in order.items)
        return {
            "order_id": order.order_id,
            "order_number": order.order_id,
            "created_at": stamp(order.created),
            "updated_at": stamp(order.updated),
            "price": f"{order.price:.2f}",
            "shipping_fee": f"{order.shipping_fee:.2f}",
            "shipping_fee_original": f"{order.shipping_fee:.2f}",
            "voucher": f"{order.voucher:.2f}",
            "voucher_platform": "0.00",
            "voucher_seller": f"{order.voucher:.2f}",
            "items_count": len(order.items),
            "statuses": order.statuses,
            "payment_method": order.payment_method,
            "customer_first_name": order.first_name,
            "customer_last_name": "",
            "address_shipping": address,
            "address_billing": dict(address),
            "gift_option": False,
            "gift_message": "",
            "remarks": "",
            "delivery_info": "",
            "extra_attributes": "null",
            "warehouse_code": "dropshipping",
            "need_cancel_confirm": need_confirm,
            "is_cancel_pending": False,
        }

    def _item_json(self, order: FakeOrder, item: FakeItem) -> dict[str, Any]:
        return {
            "order_id": order.order_id,
            "order_item_id": item.order_item_id,
            "name": item.name,
            "sku": item.sku,
            "shop_sku": f"{item.sku}-ID-{item.order_item_id % 10_000}",
            "item_price": f"{item.item_price:.2f}",
            "paid_price": f"{item.item_price:.2f}",
            "currency": "IDR",
            "status": item.status,
            "buyer_id": str(item.buyer_id),
            "tracking_code": item.tracking_code,
            "shipment_provider": item.shipment_provider,
            "package_id": f"FP{item.tracking_code[-12:]}" if item.tracking_code else "",
            "shipping_type": "Dropshipping",
            "created_at": _spaced(order.created),
            "updated_at": _spaced(order.updated),
            "reason": item.reason,
            "reason_detail": "",
            "return_status": "",
            "cancel_return_initiator": item.cancel_return_initiator,
            "need_cancel_confirm": item.need_cancel_confirm,
            "is_cancel_pending": False,
            "reverse_order_id": item.reverse_order_id,
            "order_type": "Normal",
            "is_digital": 0,
        }

    def _reverse_json(self, reverse: FakeReverse) -> dict[str, Any]:
        order = self.orders[reverse.trade_order_id]
        lines = [item for item in order.items if item.order_item_id in reverse.lines]
        return {
            "reverse_order_id": reverse.reverse_order_id,
            "trade_order_id": reverse.trade_order_id,
            "request_type": reverse.request_type,
            "is_rtm": True,
            "shipping_type": "PICK_UP",
            "reverse_order_lines": [
                {
                    "reverse_order_line_id": reverse.reverse_order_id * 10 + n,
                    "trade_order_line_id": item.order_item_id,
                    "reverse_status": reverse.status,
                    "ofc_status": "INITIAL",
                    "product": {"product_id": 0, "product_sku": item.sku},
                    "buyer": {"buyer_id": item.buyer_id},
                    "trade_order_gmt_create": order.created,
                    # "currency in cent, except VN"
                    "refund_amount": int(item.item_price * 100),
                    "item_unit_price": int(item.item_price * 100),
                    "reason_text": reverse.reason_text,
                    "reason_code": 1000,
                    "refund_payment_method": order.payment_method,
                    "return_order_line_gmt_create": reverse.created,
                    "return_order_line_gmt_modified": reverse.modified,
                    "is_dispute": False,
                    "seller_sku_id": item.sku,
                    "platform_sku_id": f"ID-{item.order_item_id}",
                    "tracking_number": "",
                    "sla": reverse.created + 2 * DAY_MS,
                    "is_need_refund": reverse.request_type != "CANCEL",
                }
                for n, item in enumerate(lines)
            ],
        }

    # --- internals --------------------------------------------------------------------

    def _order(self, params: Params) -> FakeOrder:
        raw = params.get("order_id", "")
        if not raw:
            raise missing("order_id")
        order = self.orders.get(int(raw)) if raw.isdigit() else None
        if order is None:
            raise Refusal("16", f'E016: "{raw}" Invalid Order ID')
        return order

    def _lines(self, params: Params) -> tuple[FakeOrder, list[FakeItem]]:
        raw = params.get("order_id", "")
        if not raw:
            raise Refusal("115", "E0115: order id is null")
        order = self.orders.get(int(raw)) if raw.isdigit() else None
        if order is None:
            raise Refusal("122", "E0122: invalid trade order")
        wanted = _id_list(params, "order_item_id_list")
        by_id = {item.order_item_id: item for item in order.items}
        unknown = [str(i) for i in wanted if i not in by_id]
        if not wanted or unknown:
            raise Refusal("102", "E0102: trade order line id is empty or invalid")
        return order, [by_id[i] for i in wanted]

    def _ship(self, order: FakeOrder, status: str) -> None:
        """A parcel and the trace it has by ``status``."""
        number = f"LXAD-{self.random.randrange(10**10, 10**11)}"
        for item in order.items:
            item.tracking_code, item.shipment_provider = number, "LEX ID"
        steps = [
            (
                "ready_to",
                "1200",
                "Packed by seller / warehouse",
                "Your parcel has been packed and ready to be handed over to our shipping provider.",
            ),
        ]
        if status != "ready_to_ship":
            steps.append(
                (
                    "shipped",
                    "1300",
                    "Picked up",
                    "Your parcel has been picked up by our logistics partner.",
                )
            )
            steps.append(
                (
                    "in_transit",
                    "1400",
                    "In transit",
                    "Your parcel has arrived at the sorting centre: Jakarta Timur Hub.",
                )
            )
        extra = {
            "delivered": ("delivered", "1500", "Delivered", "Your parcel has been delivered."),
            "confirmed": ("delivered", "1500", "Delivered", "Your parcel has been delivered."),
            "returned": ("delivered", "1500", "Delivered", "Your parcel has been delivered."),
            "failed_delivery": (
                "failed",
                "1600",
                "Delivery failed",
                "Delivery attempt failed: recipient not at home.",
            ),
            "shipped_back": (
                "return",
                "1700",
                "Returning to seller",
                "Your parcel is on its way back to the seller.",
            ),
        }.get(status)
        if extra:
            steps.append(extra)
        for n, (detail_type, code, title, description) in enumerate(steps):
            order.events.append(
                FakeEvent(
                    order.created + (n + 1) * 3 * 3_600_000, title, description, detail_type, code
                )
            )

    def _take_item(self) -> int:
        self._next_item += 1
        return self._next_item


def _second(ms: int) -> int:
    """Lazada's filters work to the second."""
    return ms - ms % 1000


# (item status, reverse order to open or None): every normalised status, a buyer's
# cancellation request, and the edge cases the status table names.
SCENARIOS: tuple[tuple[str, tuple[str, str, str] | None], ...] = (
    ("shipped", None),
    ("pending", None),
    ("delivered", None),
    ("unpaid", None),
    ("confirmed", None),
    ("canceled", None),
    ("delivered", ("RETURN", "Item damaged on arrival", "REQUEST_INITIATE")),
    ("returned", ("RETURN", "Wrong size", "REFUND_SUCCESS")),
    ("pending", ("CANCEL", "Change of mind", "REQUEST_INITIATE")),
    ("ready_to_ship", None),
    ("failed_delivery", None),
    ("shipped_back", None),
)

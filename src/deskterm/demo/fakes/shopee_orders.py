"""The Shopee fake's orders: order list/detail, tracking, returns, cancel and buyer cancellations.

Faithful to the copied docs (../shared/reference/marketplace-docs/shopee/): get_order_list
refuses a window over 15 days (``order.order_list_invalid_time``) and pages 1-100 by an
opaque cursor; get_order_detail takes 1-50 order_sn and returns only the optional fields
asked for; get_return_list refuses windows over 15 days; cancel_order only works before
shipping (``order.error_limit``) and wants item_list for OUT_OF_STOCK;
handle_buyer_cancellation only on IN_CANCEL orders. The gateway checks (signature,
token, shop) are the chat fake's: these routes are registered into it. A dropped-response
fault (``drop_next_action``) applies the action, then closes the connection unanswered.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from deskterm.demo.fakes.http_fake import FakeRequest, FakeResponse

if TYPE_CHECKING:
    from deskterm.demo.fakes.shopee import ShopeeFake

LIST_PATH = "/api/v2/order/get_order_list"
DETAIL_PATH = "/api/v2/order/get_order_detail"
CANCEL_PATH = "/api/v2/order/cancel_order"
ANSWER_PATH = "/api/v2/order/handle_buyer_cancellation"
TRACKING_NUMBER_PATH = "/api/v2/logistics/get_tracking_number"
TRACKING_INFO_PATH = "/api/v2/logistics/get_tracking_info"
RETURN_LIST_PATH = "/api/v2/returns/get_return_list"
RETURN_DETAIL_PATH = "/api/v2/returns/get_return_detail"
ACTION_PATHS = (CANCEL_PATH, ANSWER_PATH)

WINDOW = 15 * 86400
SEED_SPAN = 42 * 86400
UPDATE_SPAN = 5 * 86400  # an order's last change comes within five days of its creation
MAX_DETAIL = 50
CANCEL_REASONS = frozenset(
    {"OUT_OF_STOCK", "CUSTOMER_REQUEST", "UNDELIVERABLE_AREA", "COD_NOT_SUPPORTED"}
)
CANCELLABLE = frozenset({"UNPAID", "INVOICE_PENDING", "READY_TO_SHIP", "PROCESSED", "RETRY_SHIP"})
TRACKED = frozenset({"PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"})
# Returned whatever response_optional_fields says ("Return by default" in the docs).
DEFAULT_FIELDS = frozenset(
    {
        "order_sn",
        "region",
        "currency",
        "cod",
        "order_status",
        "message_to_seller",
        "create_time",
        "update_time",
        "days_to_ship",
        "ship_by_date",
    }
)
PRODUCTS = (
    ("Kemeja Linen Pria Lengan Panjang", "Navy,L", "KML-NAVY-L", 159000),
    ("Tumbler Stainless 500ml Anti Bocor", "Hitam", "TMB-500-BLK", 89000),
    ("Hijab Voal Premium Motif Bunga", "Dusty Pink", "HJB-VOAL-DP", 65000),
    ("Sepatu Sneakers Wanita Putih", "38", "SNK-WHT-38", 249000),
    ("Kaos Polos Cotton Combed 30s", "Putih,M", "KAOS-WHT-M", 45000),
)
CARRIERS = (("J&T Express", "JP"), ("SPX Express", "SPXID0"), ("SiCepat REG", "00"))
# (order_status, logistics_status, return status or "") per seeded order, in turn: the first
# eight give every normalised status, the rest every other documented word.
SCENARIOS: tuple[tuple[str, str, str], ...] = (
    ("UNPAID", "LOGISTICS_NOT_STARTED", ""),
    ("READY_TO_SHIP", "LOGISTICS_READY", ""),
    ("SHIPPED", "LOGISTICS_PICKUP_DONE", ""),
    ("TO_CONFIRM_RECEIVE", "LOGISTICS_DELIVERY_DONE", ""),
    ("COMPLETED", "LOGISTICS_DELIVERY_DONE", ""),
    ("CANCELLED", "LOGISTICS_NOT_STARTED", ""),
    ("TO_RETURN", "LOGISTICS_DELIVERY_DONE", "REQUESTED"),
    ("COMPLETED", "LOGISTICS_DELIVERY_DONE", "REFUND_PAID"),
    ("PROCESSED", "LOGISTICS_REQUEST_CREATED", ""),
    ("IN_CANCEL", "LOGISTICS_READY", ""),
    ("SHIPPED", "LOGISTICS_DELIVERY_DONE", ""),
    ("RETRY_SHIP", "LOGISTICS_PICKUP_RETRY", ""),
    ("INVOICE_PENDING", "LOGISTICS_NOT_STARTED", ""),
    ("PENDING", "LOGISTICS_NOT_STARTED", ""),
    ("COMPLETED", "LOGISTICS_DELIVERY_DONE", "CLOSED"),
)
EVENTS = (
    ("ORDER_CREATED", "Penjual sedang menyiapkan pesanan"),
    ("PICKED_UP", "Paket telah diserahkan ke kurir"),
    ("IN_TRANSIT", "Paket sedang dalam perjalanan ke kota tujuan"),
    ("DELIVERED", "Paket telah diterima oleh penerima"),
)
RETURN_REASONS = (("PHYSICAL_DMG", "Botol retak saat diterima"), ("WRONG_ITEM", "Warna berbeda"))

Handler = Callable[[FakeRequest], FakeResponse]


class ShopeeOrderBook:
    """The orders of the fake's shop, and the order endpoints that serve them."""

    def __init__(self, fake: ShopeeFake) -> None:
        self.fake = fake
        self.orders: dict[str, dict[str, Any]] = {}  # order_sn -> get_order_detail entry
        self.tracking: dict[str, dict[str, Any]] = {}  # order_sn -> number and events
        self.returns: dict[str, dict[str, Any]] = {}  # return_sn -> get_return_detail body
        self.actions: list[tuple[str, str, str]] = []  # (path's last word, order_sn, detail)
        self._before_cancel: dict[str, str] = {}  # IN_CANCEL order -> status to go back to
        self._rng = random.Random(13)  # noqa: S311  (fake ids, not secrets)

    # -- helpers for tests and the demo ------------------------------------------------

    def routes(self) -> dict[str, tuple[str, bool, Handler]]:
        """Path -> (method, shop API, handler), merged into the fake's routes."""
        return {
            LIST_PATH: ("GET", True, self._list),
            DETAIL_PATH: ("GET", True, self._detail),
            TRACKING_NUMBER_PATH: ("GET", True, self._tracking_number),
            TRACKING_INFO_PATH: ("GET", True, self._tracking_info),
            RETURN_LIST_PATH: ("GET", True, self._return_list),
            RETURN_DETAIL_PATH: ("GET", True, self._return_detail),
            CANCEL_PATH: ("POST", True, self._cancel),
            ANSWER_PATH: ("POST", True, self._answer),
        }

    def drop_next_action(self, count: int = 1) -> None:
        """The next ``count`` actions are applied, then the connection drops unanswered."""
        self.fake.drop_after_next_send(count)

    def status(self, order_sn: str) -> str:
        """The order's order_status now."""
        with self.fake.lock:
            return str(self.orders[order_sn]["order_status"])

    def of_buyer(self, buyer_id: int) -> list[str]:
        """The buyer's order_sn, oldest first."""
        with self.fake.lock:
            mine = [o for o in self.orders.values() if o["buyer_user_id"] == buyer_id]
            return [o["order_sn"] for o in sorted(mine, key=lambda o: o["create_time"])]

    def with_status(self, order_status: str) -> list[str]:
        """Order_sn whose order_status is ``order_status``."""
        with self.fake.lock:
            return [sn for sn, o in self.orders.items() if o["order_status"] == order_status]

    def seed(self, buyers: Sequence[tuple[int, str]], *, seed: int = 5) -> list[str]:
        """1-5 orders per buyer (in turn), cycling through SCENARIOS; returns the order_sn.

        The order cards the buyer sent in chat name the buyer's newest order from then on.
        """
        rng = random.Random(seed)  # noqa: S311  (repeatable demo data)
        made: list[str] = []
        now = int(time.time())
        with self.fake.lock:
            for index, (buyer_id, name) in enumerate(buyers):
                mine: list[str] = []
                for _ in range(1 + index % 5):
                    turn = len(made) + len(mine)
                    scenario = SCENARIOS[turn % len(SCENARIOS)]
                    # Spread over the last six weeks (so listings cross 15-day windows),
                    # however many buyers there are.
                    age = (turn * 197_000) % SEED_SPAN + rng.randrange(3600)
                    created = now - 3600 - age
                    mine.append(self.add_order(buyer_id, name, scenario, created, rng))
                made.extend(mine)
                self._link_cards(buyer_id, mine[0])
        return made

    def _link_cards(self, buyer_id: int, order_sn: str) -> None:
        for chat in self.fake.conversations.values():
            if chat.buyer_id != buyer_id:
                continue
            for message in chat.messages:
                if message["message_type"] == "order":
                    message["content"] = {**message["content"], "order_sn": order_sn}

    def add_order(
        self,
        buyer_id: int,
        buyer_name: str,
        scenario: tuple[str, str, str],
        created: int,
        rng: random.Random | None = None,
    ) -> str:
        """One order in ``scenario`` (order_status, logistics_status, return status)."""
        rng = rng or self._rng
        status, logistics, return_status = scenario
        with self.fake.lock:
            day = time.strftime("%y%m%d", time.gmtime(created))
            while True:
                tail = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(8))
                order_sn = day + tail
                if order_sn not in self.orders:
                    break
            lines = rng.sample(PRODUCTS, rng.randint(1, 2))
            items = [self._item(rng, product) for product in lines]
            total = sum(i["model_discounted_price"] * i["model_quantity_purchased"] for i in items)
            paid = status not in ("UNPAID", "PENDING")
            updated = _last_update(created, rng.randrange(3600, UPDATE_SPAN), int(time.time()))
            carrier, prefix = CARRIERS[rng.randrange(len(CARRIERS))]
            package = {
                "package_number": f"OFG{rng.randrange(10**14, 10**15)}",
                "logistics_status": logistics,
                "shipping_carrier": carrier,
                "logistics_channel_id": 8003,
                "item_list": [
                    {
                        "item_id": i["item_id"],
                        "model_id": i["model_id"],
                        "model_quantity": i["model_quantity_purchased"],
                        "order_item_id": i["order_item_id"],
                    }
                    for i in items
                ],
            }
            self.orders[order_sn] = {
                "order_sn": order_sn,
                "region": self.fake.region,
                "currency": "IDR",
                "cod": False,
                "total_amount": float(total + 9000),  # Shopee sends floats; shipping 9000
                "order_status": status,
                "shipping_carrier": carrier,
                "payment_method": "ShopeePay",
                "message_to_seller": "",
                "create_time": created,
                "update_time": updated,
                "days_to_ship": 2,
                "ship_by_date": created + 2 * 86400,
                "buyer_user_id": buyer_id,
                "buyer_username": buyer_name,
                "recipient_address": {
                    "name": buyer_name,
                    "phone": "******21",
                    "town": "",
                    "district": "Kebayoran Baru",
                    "city": "Jakarta Selatan",
                    "state": "DKI Jakarta",
                    "region": self.fake.region,
                    "zipcode": "12120",
                    "full_address": "Jl. Senopati No. ***, Kebayoran Baru, Jakarta Selatan",
                },
                "item_list": items,
                "pay_time": created + 600 if paid else None,
                "buyer_cancel_reason": "Ingin mengubah pesanan" if status == "IN_CANCEL" else "",
                "cancel_by": "buyer" if status == "CANCELLED" else "",
                "cancel_reason": "BUYER_REQUEST" if status == "CANCELLED" else "",
                "package_list": [package],
            }
            if status == "IN_CANCEL":
                self._before_cancel[order_sn] = "READY_TO_SHIP"
            if status in TRACKED:
                self._track(order_sn, rng, prefix, logistics, created)
            if return_status:
                self._add_return(order_sn, return_status, rng, updated)
            return order_sn

    # -- the endpoints -------------------------------------------------------------------

    def _list(self, request: FakeRequest) -> FakeResponse:
        query = request.query
        field = query.get("time_range_field", "")
        if field not in ("create_time", "update_time"):
            return self.fake._wrong("time_range_field should be create_time or update_time")
        start, stop = query.get("time_from", ""), query.get("time_to", "")
        if not start.isdigit() or not stop.isdigit():
            return self.fake._wrong("time_from and time_to are required")
        if int(start) > int(stop) or int(stop) - int(start) > WINDOW:
            return self.fake._error(
                400,
                "order.order_list_invalid_time",
                "Start time must be earlier than end time and diff in 15days.",
            )
        size = query.get("page_size", "")
        if not size.isdigit() or not 1 <= int(size) <= 100:
            return self.fake._wrong("page_size should be between 1 and 100")
        cursor = query.get("cursor", "")
        if cursor and not cursor.isdigit():
            return self.fake._wrong("cursor is invalid")
        pending = query.get("request_order_status_pending", "").lower() == "true"
        wanted = query.get("order_status", "")
        listed = [
            o
            for o in self.orders.values()
            if int(start) <= o[field] <= int(stop)
            and (not wanted or self._shown_status(o, pending) == wanted)
        ]
        listed.sort(key=lambda o: (o[field], o["order_sn"]), reverse=True)
        first = int(cursor or 0)
        page = listed[first : first + int(size)]
        more = len(listed) > first + int(size)
        # "Optional fields in response. Available value: order_status." (comma-separated,
        # as get_order_detail's): each entry then carries its order_status, else order_sn only.
        optional = {f.strip() for f in query.get("response_optional_fields", "").split(",")}
        show_status = "order_status" in optional
        entries = [
            {"order_sn": o["order_sn"]}
            | ({"order_status": self._shown_status(o, pending)} if show_status else {})
            for o in page
        ]
        next_cursor = str(first + int(size)) if more else ""
        return self.fake._ok({"more": more, "next_cursor": next_cursor, "order_list": entries})

    def _detail(self, request: FakeRequest) -> FakeResponse:
        query = request.query
        asked = [sn.strip() for sn in query.get("order_sn_list", "").split(",") if sn.strip()]
        if not asked:
            return self.fake._wrong("order_sn_list is a required field")
        if len(asked) > MAX_DETAIL:
            return self.fake._wrong("order_sn_list should be between 1 and 50")
        found = [self.orders[sn] for sn in asked if sn in self.orders]
        if not found:
            return self.fake._error(
                400, "error_not_found", "Wrong parameters, detail: the order is not found."
            )
        pending = query.get("request_order_status_pending", "").lower() == "true"
        optional = {f.strip() for f in query.get("response_optional_fields", "").split(",")}
        fields = DEFAULT_FIELDS | optional
        entries = [
            {k: v for k, v in o.items() if k in fields}
            | {"order_status": self._shown_status(o, pending)}
            for o in found
        ]
        response = self.fake._ok({"order_list": entries})
        missing = [sn for sn in asked if sn not in self.orders]
        if missing:
            response.body["warning"] = [f"order_sn {sn} not found" for sn in missing]
        return response

    def _tracking_number(self, request: FakeRequest) -> FakeResponse:
        order, refused = self._package(request)
        if refused is not None:
            return refused
        track = self.tracking.get(order["order_sn"])
        number = track["number"] if track else ""
        return self.fake._ok({"tracking_number": number})

    def _tracking_info(self, request: FakeRequest) -> FakeResponse:
        order, refused = self._package(request)
        if refused is not None:
            return refused
        track = self.tracking.get(order["order_sn"])
        if track is None:
            return self.fake._error(
                400,
                "logistics.error_status_limit",
                "The order status is invalid. Please check the order status.",
            )
        package = order["package_list"][0]
        return self.fake._ok(
            {
                "order_sn": order["order_sn"],
                "package_number": package["package_number"],
                "logistics_status": package["logistics_status"],
                "tracking_info": list(track["events"]),  # oldest first, as the docs' sample
            }
        )

    def _return_list(self, request: FakeRequest) -> FakeResponse:
        query = request.query
        size, page = query.get("page_size", ""), query.get("page_no", "")
        if not size.isdigit() or not 1 <= int(size) <= 100 or not page.isdigit():
            return self.fake._wrong("page_no and page_size (1-100) are required")
        bounds: dict[str, tuple[int, int]] = {}
        for kind in ("create_time", "update_time"):
            low, high = query.get(f"{kind}_from", ""), query.get(f"{kind}_to", "")
            if not low and not high:
                continue
            if not low.isdigit() or not high.isdigit() or not 0 <= int(high) - int(low) <= WINDOW:
                return self.fake._error(
                    400,
                    "error_param",
                    "The period between create_time_from and created_time_of must not more "
                    "than 15 days.",
                )
            bounds[kind] = (int(low), int(high))
        if "create_time" in bounds and "update_time" in bounds:  # noqa: SIM102
            if bounds["update_time"][0] < bounds["create_time"][0]:
                return self.fake._error(
                    400, "error_param", "The update_time_from must be after create_time_from."
                )
        listed = [
            r
            for r in self.returns.values()
            if all(low <= r[kind] <= high for kind, (low, high) in bounds.items())
        ]
        listed.sort(key=lambda r: (r["update_time"], r["return_sn"]), reverse=True)
        first = (max(int(page), 1) - 1) * int(size)
        chunk = listed[first : first + int(size)]
        return self.fake._ok(
            {"more": len(listed) > first + int(size), "return": [dict(r) for r in chunk]}
        )

    def _return_detail(self, request: FakeRequest) -> FakeResponse:
        found = self.returns.get(request.query.get("return_sn", ""))
        if found is None:
            return self.fake._error(400, "error_param", "Return SN or ID is invalid.")
        return self.fake._ok(dict(found))

    def _cancel(self, request: FakeRequest) -> FakeResponse:
        body = self.fake._body(request)
        if body is None:
            return self.fake._error(400, "error_data", "parse data failed")
        order_sn, reason = body.get("order_sn"), body.get("cancel_reason")
        if not isinstance(order_sn, str) or not order_sn:
            return self.fake._wrong("order_sn is a required field")
        if reason not in CANCEL_REASONS:
            return self.fake._wrong("cancel_reason is invalid")
        order = self.orders.get(order_sn)
        if order is None:
            return self.fake._error(
                400, "error_not_found", "Wrong parameters, detail: the order is not found."
            )
        if reason == "OUT_OF_STOCK":
            listed = body.get("item_list")
            ours = {(i["item_id"], i["model_id"]) for i in order["item_list"]}
            if not isinstance(listed, list) or not listed:
                return self.fake._wrong("item_list is required when cancel_reason is OUT_OF_STOCK")
            named = {(i.get("item_id"), i.get("model_id")) for i in listed if isinstance(i, dict)}
            if not named <= ours:
                return self.fake._wrong("item_list does not belong to the order")
        if reason == "UNDELIVERABLE_AREA" and order["region"] not in ("TW", "MY"):
            return self.fake._wrong("UNDELIVERABLE_AREA only applies to TW and MY")
        if order["order_status"] not in CANCELLABLE:
            return self.fake._error(400, "order.error_limit", "Can not cancel this order.")
        now = int(self.fake._now())
        order.update(
            order_status="CANCELLED", cancel_by="seller", cancel_reason=reason, update_time=now
        )
        self.actions.append(("cancel_order", order_sn, reason))
        return self.fake._ok({"update_time": now})

    def _answer(self, request: FakeRequest) -> FakeResponse:
        body = self.fake._body(request)
        if body is None:
            return self.fake._error(400, "error_data", "parse data failed")
        order_sn, operation = body.get("order_sn"), body.get("operation")
        if not isinstance(order_sn, str) or not order_sn:
            return self.fake._wrong("order_sn is a required field")
        if operation not in ("ACCEPT", "REJECT"):
            return self.fake._wrong("operation should be ACCEPT or REJECT")
        order = self.orders.get(order_sn)
        if order is None:
            return self.fake._error(
                400, "error_not_found", "Wrong parameters, detail: the order is not found."
            )
        if order["order_status"] != "IN_CANCEL":
            return self.fake._error(
                400,
                "order.cancel_order_invalid_status",
                "Invalid order_status.The order status should be IN_CANCEL.",
            )
        now = int(self.fake._now())
        if operation == "ACCEPT":
            order.update(order_status="CANCELLED", cancel_by="buyer", cancel_reason="BUYER_REQUEST")
        else:
            order["order_status"] = self._before_cancel.pop(order_sn, "READY_TO_SHIP")
        order["update_time"] = now
        self.actions.append(("handle_buyer_cancellation", order_sn, operation))
        return self.fake._ok({"update_time": now})

    # -- plumbing ------------------------------------------------------------------------

    @staticmethod
    def _shown_status(order: dict[str, Any], pending: bool) -> str:
        # "send False or don't send will fallback to old logic": PENDING shows as UNPAID.
        status = str(order["order_status"])
        return "UNPAID" if status == "PENDING" and not pending else status

    def _package(self, request: FakeRequest) -> tuple[dict[str, Any], FakeResponse | None]:
        order = self.orders.get(request.query.get("order_sn", ""))
        if order is None:
            return {}, self.fake._error(400, "logistics.invalid_error", "The order is not exist.")
        number = request.query.get("package_number")
        packages = [p["package_number"] for p in order["package_list"]]
        if number is not None and number not in packages:
            return order, self.fake._error(
                400, "logistics.package_not_exist", "The package is not exist."
            )
        if number is None and len(packages) > 1:
            return order, self.fake._error(
                400,
                "logistics.package_number_not_exist",
                "Please request with package_number for this split order.",
            )
        return order, None

    def _item(self, rng: random.Random, product: tuple[str, str, str, int]) -> dict[str, Any]:
        title, model, sku, price = product
        item_id = rng.randrange(10**10, 3 * 10**10)
        return {
            "item_id": item_id,
            "item_name": title,
            "item_sku": sku.split("-")[0],
            "model_id": rng.randrange(10**11, 3 * 10**11),
            "model_name": model,
            "model_sku": sku,
            "model_quantity_purchased": rng.randint(1, 3),
            "model_original_price": float(price + 20000),
            "model_discounted_price": float(price),
            "order_item_id": item_id,
            "image_info": {"image_url": ""},
        }

    def _track(
        self, order_sn: str, rng: random.Random, prefix: str, logistics: str, created: int
    ) -> None:
        steps = {
            "LOGISTICS_REQUEST_CREATED": 1,
            "LOGISTICS_PICKUP_DONE": 3,
            "LOGISTICS_DELIVERY_DONE": 4,
        }.get(logistics, 1)
        events = [
            {
                "update_time": min(created + (n + 1) * 20_000, int(time.time())),
                "description": text,
                "logistics_status": word,
            }
            for n, (word, text) in enumerate(EVENTS[:steps])
        ]
        number = f"{prefix}{rng.randrange(10**9, 10**10)}"
        self.tracking[order_sn] = {"number": number, "events": events}

    def _add_return(self, order_sn: str, status: str, rng: random.Random, updated: int) -> None:
        order = self.orders[order_sn]
        item = order["item_list"][0]
        reason, text = RETURN_REASONS[rng.randrange(len(RETURN_REASONS))]
        return_sn = f"{time.strftime('%y%m%d', time.gmtime(updated))}0{rng.randrange(10**8, 10**9)}"
        amount = item["model_discounted_price"] * item["model_quantity_purchased"]
        self.returns[return_sn] = {
            "return_sn": return_sn,
            "order_sn": order_sn,
            "status": status,
            "reason": reason,
            "text_reason": text,
            "refund_amount": amount,
            "currency": order["currency"],
            "create_time": updated - 3600,
            "update_time": updated,
            "due_date": updated + 3 * 86400,
            "needs_logistics": True,
            "amount_before_discount": item["model_original_price"],
            "user": {"username": order["buyer_username"], "email": "", "portrait": ""},
            "item": [
                {
                    "item_id": item["item_id"],
                    "model_id": item["model_id"],
                    "name": item["item_name"],
                    "amount": item["model_quantity_purchased"],
                    "item_price": item["model_discounted_price"],
                    "item_sku": item["item_sku"],
                    "variation_sku": item["model_sku"],
                }
            ],
            "negotiation_status": "PENDING_RESPOND" if status == "REQUESTED" else "TERMINATED",
        }


def _last_update(created: int, offset: int, now: int) -> int:
    """An order's last change ``offset`` (< UPDATE_SPAN) seconds after ``created``, or, for
    an order younger than that, as far into its life so far: always before ``now``, spread
    like the older orders' (not all stamped with the seed time)."""
    if created + offset < now:
        return created + offset
    return created + offset * max(now - created, 0) // UPDATE_SPAN

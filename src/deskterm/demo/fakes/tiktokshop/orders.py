"""The fake shop's orders: Order API list/detail, tracking, cancel, cancellations and returns.

Faithful to marketplace-docs/tiktokshop/ (get-order-list, get-order-detail, get-tracking,
cancel-order, cancel-reasons for the ID market, search-cancellations, search-returns) and to
Partner Center's Approve/Reject Cancellation pages; the gateway checks run before any of it.
"""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Callable, Iterable
from typing import Any

from deskterm.demo.fakes.http_fake import FakeRequest, FakeResponse
from deskterm.demo.fakes.tiktokshop.gateway import fail, ok
from deskterm.demo.fakes.tiktokshop.order_seed import (
    KINDS,
    SeededOrder,
    cancellation,
    make_order,
)
from deskterm.demo.fakes.tiktokshop.state import Person, Snowflakes

ORDER_SEARCH = "/order/202309/orders/search"
ORDER_DETAIL = "/order/202507/orders"
TRACKING_RE = re.compile(r"^/fulfillment/202309/orders/([^/]+)/tracking$")
CANCEL = "/return_refund/202309/cancellations"
CANCEL_SEARCH = "/return_refund/202309/cancellations/search"
RETURN_SEARCH = "/return_refund/202309/returns/search"
ANSWER_RE = re.compile(r"^/return_refund/202309/cancellations/([^/]+)/(approve|reject)$")
PREFIXES = ("/order/", "/fulfillment/", "/return_refund/")

INVALID = (400, 36009004, "Invalid parameter. {}")
BAD_REQUEST = (
    200,
    25001001,
    "An invalid request parameter was passed. Please check that you "
    "have the correct parameter type(s) and format.",
)
IN_PROCESS = (
    200,
    25001011,
    "A return request is already in process, or the order has already been cancelled.",
)
UNKNOWN_REASON = (
    200,
    25001014,
    "Unknown return reason. Please ensure you are passing a valid return reason.",
)
REASON_STATUS = (200, 25001021, "Reason not match order status")
SHIPPED = (
    200,
    25001045,
    "The order has already been shipped and we are unable to cancel shipment with the courier.",
)
CLOSED = (200, 25001051, "Not allowed to return or cancel since order is completed or cancelled")
NO_PERMISSION = (200, 25020005, "No permission to process this order")
NOT_SELLERS = (200, 21008111, "The order or package does not belong to the current seller.")
CANCEL_NOT_FOUND = (200, 25007006, "Order not found.")
CANNOT_ANSWER = (200, 25011011, "Status cannot reject. Request already processed or expired.")

# cancel-reasons.json, ID market, "Seller Initiates Cancel Reason" and "Seller Reject Cancel
# Request Reason".
SELLER_REASONS = {
    "UNPAID": {
        "seller_cancel_unpaid_reason_out_of_stock": "Out of stock",
        "seller_cancel_unpaid_reason_wrong_price": "Pricing error",
        "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed": (
            "Buyer did not pay on time"
        ),
    },
    "PAID": {
        "seller_cancel_reason_out_of_stock": "Out of stock",
        "seller_cancel_reason_wrong_price": "Pricing error",
        "seller_cancel_paid_reason_address_not_deliver": "Unable to deliver to buyer address",
    },
}
REJECT_REASONS = frozenset(
    {
        "order_manage_list_action_respond_popup_reject_reason_invalid_cancellation_reason",
        "order_manage_list_action_respond_popup_reject_reason_delivered",
        "order_manage_list_action_respond_popup_reject_reason_buyer_agree",
        "seller_reject_apply_product_has_been_packed",
        "system_cancel_failed_due_to_tts",
    }
)
SHIPPED_STATUSES = frozenset(
    {"AWAITING_COLLECTION", "PARTIALLY_SHIPPING", "IN_TRANSIT", "DELIVERED"}
)


def _bad(detail: str) -> FakeResponse:
    status, code, text = INVALID
    return fail(status, code, text.format(detail))


def _token(key: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(f"{key[0]}:{key[1]}".encode()).decode()


def _untoken(token: str) -> tuple[int, str] | None:
    try:
        stamp, _, ident = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        return int(stamp), ident
    except ValueError:
        return None


class OrderDesk:
    """What the platform keeps about the shop's orders, and its order endpoints."""

    def __init__(self, ids: Snowflakes, now: Callable[[], int]) -> None:
        self.ids = ids
        self.now = now
        self.orders: dict[str, SeededOrder] = {}
        self.applied: list[tuple[str, str]] = []  # (action, order id) per action carried out
        self.drop_actions = 0  # the next N actions are applied, then the reply is dropped
        self._replies: dict[str, FakeResponse] = {}  # idempotency_key -> first answer
        self._count = 0

    # --- helpers for tests and the demo ------------------------------------------------

    def seed_buyer(
        self, buyer: Person, rng: random.Random, *, first_id: str = "", count: int = 0
    ) -> list[str]:
        """1-5 orders (or ``count``) for the buyer, kinds cycling through every status."""
        made: list[str] = []
        for n in range(count or rng.randrange(1, 6)):
            order_id = first_id if n == 0 and first_id else self._order_id()
            kind = KINDS[self._count % len(KINDS)]
            self._count += 1
            self.add(make_order(order_id, buyer.user_id, kind, self.now(), rng))
            made.append(order_id)
        return made

    def add(self, seeded: SeededOrder) -> str:
        """Store one order (with its tracking, cancellations and returns)."""
        self.orders[seeded.order["id"]] = seeded
        return str(seeded.order["id"])

    def drop_after_next_action(self, count: int = 1) -> None:
        """The next ``count`` order actions are carried out, then the connection drops."""
        self.drop_actions += count

    def _order_id(self) -> str:
        return f"5794{self.ids.next(self.now())[-14:]}"

    # --- HTTP ----------------------------------------------------------------------------

    def handles(self, path: str) -> bool:
        """Whether ``path`` is one of the order endpoints."""
        return path.startswith(PREFIXES)

    def is_action(self, request: FakeRequest) -> bool:
        """Cancel, approve and reject change state; the searches only read."""
        return request.method == "POST" and (
            request.path == CANCEL or ANSWER_RE.match(request.path) is not None
        )

    def after(self, request: FakeRequest, response: FakeResponse) -> FakeResponse | None:
        """None (the reply is lost) for an action while the drop switch is on."""
        if self.drop_actions > 0 and self.is_action(request):
            self.drop_actions -= 1
            return None
        return response

    def route(self, request: FakeRequest) -> FakeResponse | None:
        """The endpoint's answer, or None when the path is not an order endpoint."""
        get, post = request.method == "GET", request.method == "POST"
        if request.path == ORDER_SEARCH and post:
            return self._search(request)
        if request.path == ORDER_DETAIL and get:
            return self._detail(request.query)
        if request.path == CANCEL_SEARCH and post:
            return self._search_cancellations(request)
        if request.path == RETURN_SEARCH and post:
            return self._search_returns(request)
        if request.path == CANCEL and post:
            return self._cancel(request)
        tracking = TRACKING_RE.match(request.path)
        if tracking and get:
            return self._tracking(tracking.group(1))
        answer = ANSWER_RE.match(request.path)
        if answer and post:
            return self._answer(answer.group(1), answer.group(2) == "approve", request)
        return None

    # --- reads ---------------------------------------------------------------------------

    def _search(self, request: FakeRequest) -> FakeResponse:
        query = request.query
        size = query.get("page_size", "")
        if not size.isdigit() or not 1 <= int(size) <= 100:  # get-order-list: [1-100]
            return _bad("page_size must be 1 to 100.")
        field = query.get("sort_field", "create_time")
        order = query.get("sort_order", "DESC")
        if field not in ("create_time", "update_time") or order not in ("ASC", "DESC"):
            return _bad("sort_field or sort_order is invalid.")
        body = request.json() if request.body else {}
        if not isinstance(body, dict):
            return _bad("the body must be a JSON object.")
        bounds = {}
        for name in ("create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt"):
            if name in body:
                if not isinstance(body[name], int):
                    return _bad(f"{name} must be a Unix timestamp.")
                bounds[name] = body[name]
        buyer = body.get("buyer_user_id")
        status = body.get("order_status")

        def keep(o: dict[str, Any]) -> bool:
            if buyer is not None and o["user_id"] != buyer:
                return False
            if status is not None and o["status"] != status:
                return False
            for name, limit in bounds.items():
                value = o[name.rsplit("_", 1)[0]]
                if (value < limit) if name.endswith("_ge") else (value >= limit):
                    return False
            return True

        def key(o: dict[str, Any]) -> tuple[int, str]:
            return (int(o[field]), str(o["id"]))

        matching = sorted(
            (s.order for s in self.orders.values() if keep(s.order)),
            key=key,
            reverse=order == "DESC",
        )
        token = query.get("page_token", "")
        if token:
            mark = _untoken(token)
            if mark is None:
                return _bad("page_token is invalid.")
            matching = [
                o for o in matching if (key(o) > mark) == (order == "ASC") and key(o) != mark
            ]
        page = matching[: int(size)]
        more = len(matching) > len(page)
        return ok(
            {
                "next_page_token": _token(key(page[-1])) if more else "",
                "total_count": len(matching),
                "orders": page,
            }
        )

    def _detail(self, query: dict[str, str]) -> FakeResponse:
        ids = [i for i in query.get("ids", "").split(",") if i]
        if not ids:
            return _bad("ids is required.")
        if len(ids) > 50:  # get-order-detail: "Max count: 50"
            return _bad("ids: max count is 50.")
        return ok({"orders": [self.orders[i].order for i in ids if i in self.orders]})

    def _tracking(self, order_id: str) -> FakeResponse:
        seeded = self.orders.get(order_id)
        if seeded is None:
            return fail(*NOT_SELLERS)
        newest_first = sorted(seeded.tracking, key=lambda e: -int(e["update_time_millis"]))
        return ok({"tracking": newest_first})

    def _filtered(
        self,
        request: FakeRequest,
        entries: Iterable[dict[str, Any]],
        ids: str,
        most: int,
        least: int,
    ) -> tuple[list[dict[str, Any]], int, int] | FakeResponse:
        size = request.query.get("page_size", "10")
        if not size.isdigit() or not least <= int(size) <= most:
            return fail(*BAD_REQUEST)
        body = request.json() if request.body else {}
        if not isinstance(body, dict):
            return fail(*BAD_REQUEST)
        order_ids = body.get("order_ids")
        own_ids = body.get(ids)
        statuses = body.get("cancel_status") or body.get("return_status")
        kept = [
            e
            for e in entries
            if (order_ids is None or e["order_id"] in order_ids)
            and (own_ids is None or e[ids[:-1]] in own_ids)
            and (not statuses or e.get("cancel_status", e.get("return_status")) in statuses)
        ]
        kept.sort(key=lambda e: (int(e["create_time"]), str(e[ids[:-1]])))
        start = 0
        token = request.query.get("page_token", "")
        if token:
            try:
                start = int(base64.urlsafe_b64decode(token.encode()).decode())
            except ValueError:
                return fail(*BAD_REQUEST)
        end = start + int(size)
        return kept[start:end], end if len(kept) > end else 0, len(kept)

    def _page(self, key: str, found: tuple[list[dict[str, Any]], int, int]) -> FakeResponse:
        page, following, total = found
        token = base64.urlsafe_b64encode(str(following).encode()).decode() if following else ""
        return ok({key: page, "total_count": total, "next_page_token": token})

    def _search_cancellations(self, request: FakeRequest) -> FakeResponse:
        entries = (c for s in self.orders.values() for c in s.cancellations)
        found = self._filtered(request, entries, "cancel_ids", 50, 1)  # [1-50]
        return found if isinstance(found, FakeResponse) else self._page("cancellations", found)

    def _search_returns(self, request: FakeRequest) -> FakeResponse:
        entries = (r for s in self.orders.values() for r in s.returns)
        found = self._filtered(request, entries, "return_ids", 50, 10)  # [10-50]
        return found if isinstance(found, FakeResponse) else self._page("return_orders", found)

    # --- actions -------------------------------------------------------------------------

    def _cancel(self, request: FakeRequest) -> FakeResponse:
        body = request.json() if request.body else None
        if not isinstance(body, dict):
            return fail(*BAD_REQUEST)
        order_id, reason = body.get("order_id"), body.get("cancel_reason")
        if not isinstance(order_id, str) or not isinstance(reason, str) or not reason:
            return fail(*BAD_REQUEST)
        seeded = self.orders.get(order_id)
        if seeded is None:
            return fail(*NO_PERMISSION)
        order = seeded.order
        if order["status"] in ("COMPLETED", "CANCELLED"):
            return fail(*CLOSED)
        if order["status"] in SHIPPED_STATUSES:
            return fail(*SHIPPED)
        if order["is_buyer_request_cancel"]:
            return fail(*IN_PROCESS)
        group = "UNPAID" if order["status"] == "UNPAID" else "PAID"
        known = {name for names in SELLER_REASONS.values() for name in names}
        if reason not in known:
            return fail(*UNKNOWN_REASON)
        if reason not in SELLER_REASONS[group]:
            return fail(*REASON_STATUS)
        now = self.now()
        order.update(
            status="CANCELLED",
            cancel_reason=SELLER_REASONS[group][reason],
            cancellation_initiator="SELLER",
            cancel_time=now,
            update_time=now,
        )
        record = cancellation(
            order,
            cancel_type="CANCEL",
            role="SELLER",
            status="CANCELLATION_REQUEST_COMPLETE",
            now=now,
            cancel_id=self.ids.next(now),
        )
        record.update(cancel_reason=reason, cancel_reason_text=SELLER_REASONS[group][reason])
        seeded.cancellations.append(record)
        self.applied.append(("cancel", order_id))
        return ok(
            {"cancel_id": record["cancel_id"], "cancel_status": "CANCELLATION_REQUEST_SUCCESS"}
        )

    def _answer(self, cancel_id: str, approve: bool, request: FakeRequest) -> FakeResponse:
        key = request.query.get("idempotency_key", "")
        if key and key in self._replies:  # the same request again: answered, not redone
            return self._replies[key]
        body = request.json() if request.body else {}
        if not isinstance(body, dict):
            return fail(*BAD_REQUEST)
        if not approve and body.get("reject_reason") not in REJECT_REASONS:
            return fail(*BAD_REQUEST)
        found = next(
            (
                (s, c)
                for s in self.orders.values()
                for c in s.cancellations
                if c["cancel_id"] == cancel_id
            ),
            None,
        )
        if found is None:
            return fail(*CANCEL_NOT_FOUND)
        seeded, record = found
        if record["cancel_status"] != "CANCELLATION_REQUEST_PENDING":
            return fail(*CANNOT_ANSWER)
        now = self.now()
        order = seeded.order
        order.update(is_buyer_request_cancel=False, update_time=now)
        record.update(update_time=now, seller_next_action_response=[])
        if approve:
            record["cancel_status"] = "CANCELLATION_REQUEST_COMPLETE"
            order.update(
                status="CANCELLED",
                cancel_reason=record["cancel_reason_text"],
                cancellation_initiator="BUYER",
                cancel_time=now,
            )
        else:
            record["cancel_status"] = "CANCELLATION_REQUEST_CANCEL"
        self.applied.append(("approve" if approve else "reject", order["id"]))
        response = ok({})
        if key:
            self._replies[key] = response
        return response

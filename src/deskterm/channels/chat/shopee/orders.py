"""Shopee orders (Open Platform v2): listing, details, tracking, returns, cancel and answers."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from deskterm.channels.chat.http import Classifier
from deskterm.channels.chat.shopee import order_map
from deskterm.channels.chat.shopee.adapter import ShopeeAdapter
from deskterm.channels.chat.shopee.envelope import one_line, shop_classifier
from deskterm.channels.chat.shopee.mapping import as_id, as_int, as_utc
from deskterm.domain.errors import ChannelError
from deskterm.domain.orders import (
    ActionRefused,
    ListedOrder,
    MarketplaceOrders,
    Parcel,
    PlatformOrder,
)

LIST_PATH = "/api/v2/order/get_order_list"
DETAIL_PATH = "/api/v2/order/get_order_detail"
CANCEL_PATH = "/api/v2/order/cancel_order"
ANSWER_PATH = "/api/v2/order/handle_buyer_cancellation"
TRACKING_NUMBER_PATH = "/api/v2/logistics/get_tracking_number"
TRACKING_INFO_PATH = "/api/v2/logistics/get_tracking_info"
RETURN_LIST_PATH = "/api/v2/returns/get_return_list"
RETURN_DETAIL_PATH = "/api/v2/returns/get_return_detail"

WINDOW = timedelta(days=15)  # get_order_list / get_return_list: "maximum date range ... 15 days"
LIST_PAGE = 100  # get_order_list: "page_size ... between 1 and 100"
RETURN_PAGE = 100  # get_return_list: "(<= 100)"
DETAIL_BATCH = 50  # get_order_detail: order_sn_list "limit [1,50]"
DETAIL_FIELDS = ",".join(
    (
        "buyer_user_id",
        "buyer_username",
        "recipient_address",
        "item_list",
        "pay_time",
        "buyer_cancel_reason",
        "cancel_by",
        "cancel_reason",
        "package_list",
        "shipping_carrier",
        "payment_method",
        "total_amount",
    )
)
# Answers that mean "no such order/package/return": the id is left out, not an error.
NOT_FOUND = frozenset(
    {
        "error_not_found",
        "logistics.invalid_error",
        "logistics.package_not_exist",
        "logistics.error_status_limit",
        "error_not_exists",
    }
)
# v2.order.cancel_order.json cancel_reason: OUT_OF_STOCK, CUSTOMER_REQUEST,
# UNDELIVERABLE_AREA (TW and MY only), COD_NOT_SUPPORTED. Free text -> code, first match.
REASONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("OUT_OF_STOCK", re.compile(r"out[ _-]?of[ _-]?stock|no stock|sold out|stok habis|habis")),
    (
        "CUSTOMER_REQUEST",
        re.compile(r"customer[ _-]?request|(buyer|customer)s? (asked|request|want)|permintaan"),
    ),
    ("UNDELIVERABLE_AREA", re.compile(r"undeliverable|cannot deliver|can't deliver|area")),
    ("COD_NOT_SUPPORTED", re.compile(r"cod[ _-]?not[ _-]?supported|cash on delivery|\bcod\b")),
)
REASON_WORDS = "out of stock, buyer asked, undeliverable area, COD not supported"


class PlatformRefusal(ChannelError):
    """Shopee answered with its own error for this call (not the gateway's)."""

    def __init__(self, message: str, error: str, said: str) -> None:
        super().__init__(message, transient=False)
        self.error = error  # e.g. "order.error_limit"
        self.said = said  # Shopee's message, on one line


class OrderLookupError(PlatformRefusal):
    """Shopee knows no such order, package or return (a read then leaves the id out)."""


def order_classifier(label: str) -> Classifier:
    """The chat envelope decoding, plus the order APIs' own refusals kept apart."""
    base = shop_classifier(label)

    def classify(response: httpx.Response, payload: Any) -> Any:
        try:
            return base(response, payload)
        except ChannelError as exc:
            if type(exc) is not ChannelError or exc.transient or not isinstance(payload, dict):
                raise  # tokens, signature, shop access, busy, server: the chat rules hold
            error = str(payload.get("error") or "")
            said = one_line(str(payload.get("message") or "")) or error
            kind = OrderLookupError if error in NOT_FOUND else PlatformRefusal
            raise kind(f"{label}: Shopee error {error} ({said})", error, said) from None

    return classify


def reason_code(reason: str, label: str = "shopee") -> str:
    """Shopee's cancel_reason for a free-text reason; ActionRefused when none fits."""
    text = reason.strip().lower()
    for code, pattern in REASONS:
        if text == code.lower() or pattern.search(text):
            return code
    raise ActionRefused(
        f"{label}: Shopee cannot cancel for the reason {reason.strip()!r}; "
        f"it accepts: {REASON_WORDS}"
    )


def windows(since: datetime, until: datetime) -> Iterator[tuple[int, int]]:
    """[since, until] as Unix-second windows of at most 15 days, oldest first."""
    start = math.floor(as_utc(since).timestamp())
    end = math.ceil(as_utc(until).timestamp())
    step = int(WINDOW.total_seconds())
    while start <= end:
        stop = min(start + step, end)
        yield start, stop
        if stop >= end:
            return
        # The docs do not say whether time_to is inclusive: windows share their boundary
        # second, so nothing falls between them (an id listed twice is de-duplicated).
        start = stop


class ShopeeOrders:
    """MarketplaceOrders for one Shopee shop, signed and sent by its chat adapter."""

    platform = "shopee"

    def __init__(
        self, adapter: ShopeeAdapter, *, now: Callable[[], datetime] | None = None
    ) -> None:
        self._adapter = adapter
        self.label = adapter.label
        self._classify = order_classifier(adapter.label)
        self._now = now or (lambda: datetime.now(UTC))

    @property
    def requests(self) -> int:
        """HTTP requests made so far (shared with the chat adapter's client)."""
        return self._adapter.requests

    def close(self) -> None:
        """Release the HTTP client."""
        self._adapter.close()

    # -- reading -------------------------------------------------------------------------

    def changed_orders(self, since: datetime, until: datetime) -> list[ListedOrder]:
        """Orders updated in [since, until]: 15-day windows, every cursor page of 100.

        The listing has no update time, only (asked for) each order's order_status, in the
        same words get_order_detail gives (order_map keeps them as platform_status; both
        calls send request_order_status_pending, so PENDING reads the same in each).
        """
        found: dict[str, ListedOrder] = {}
        for start, stop in windows(since, until):
            cursor = ""
            while True:
                params = {
                    "time_range_field": "update_time",
                    "time_from": str(start),
                    "time_to": str(stop),
                    "page_size": str(LIST_PAGE),
                    "response_optional_fields": "order_status",
                    "request_order_status_pending": "true",
                }
                if cursor:
                    params["cursor"] = cursor
                data = self._get(LIST_PATH, params)
                for entry in data.get("order_list") or []:
                    order_sn = as_id(entry.get("order_sn")) if isinstance(entry, dict) else ""
                    if order_sn:
                        # Windows share a boundary second: the later window's word wins.
                        status = str(entry.get("order_status") or "")
                        found[order_sn] = ListedOrder(order_sn, status=status)
                nxt = str(data.get("next_cursor") or "")
                if not data.get("more"):
                    break
                if not nxt or nxt == cursor:
                    raise ChannelError(
                        f"{self.label}: Shopee's order list stopped paging (cursor {nxt!r}); "
                        "will retry"
                    )
                cursor = nxt
        return list(found.values())

    def changed_order_ids(self, since: datetime, until: datetime) -> list[str]:
        """Ids of ``changed_orders``."""
        return [order.id for order in self.changed_orders(since, until)]

    def orders(self, ids: Sequence[str]) -> list[PlatformOrder]:
        """Full orders: details 50 a call, tracking per package, returns from one listing."""
        wanted = list(dict.fromkeys(i for i in ids if i))
        details: list[dict[str, Any]] = []
        for first in range(0, len(wanted), DETAIL_BATCH):
            details.extend(self._details(wanted[first : first + DETAIL_BATCH]))
        returns = self._returns(details)
        return [
            order_map.order(
                raw,
                tracking=self._tracking(raw),
                returns=returns.get(as_id(raw.get("order_sn")), []),
            )
            for raw in details
        ]

    def buyer_order_ids(self, buyer_id: str, since: datetime) -> list[str] | None:
        """None: get_order_list has no buyer filter (the changed-orders listing finds them)."""
        return None

    def _details(self, batch: Sequence[str]) -> list[dict[str, Any]]:
        params = {
            "order_sn_list": ",".join(batch),
            "response_optional_fields": DETAIL_FIELDS,
            "request_order_status_pending": "true",
        }
        try:
            data = self._get(DETAIL_PATH, params)
        except OrderLookupError:
            return []  # none of the batch exists
        asked = set(batch)
        return [
            entry
            for entry in data.get("order_list") or []
            if isinstance(entry, dict) and as_id(entry.get("order_sn")) in asked
        ]

    def _tracking(self, raw: Mapping[str, Any]) -> list[Parcel]:
        if str(raw.get("order_status") or "") not in order_map.TRACKED:
            return []
        order_sn = as_id(raw.get("order_sn"))
        packages = [p for p in raw.get("package_list") or [] if isinstance(p, dict)] or [{}]
        parcels: list[Parcel] = []
        for package in packages:
            params = {"order_sn": order_sn}
            number = as_id(package.get("package_number"))
            if number and len(packages) > 1:
                # get_tracking_number: "You shouldn't fill the field with empty string";
                # a split order needs it (logistics.package_number_not_exist otherwise).
                params["package_number"] = number
            try:
                tracking = str(self._get(TRACKING_NUMBER_PATH, params).get("tracking_number") or "")
                if not tracking:
                    continue  # not assigned yet (the docs: ask again within 5 minutes)
                info = self._get(TRACKING_INFO_PATH, params)
            except OrderLookupError:
                continue
            parcels.append(order_map.parcel(package, tracking, info))
        return parcels

    def _returns(self, details: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """get_return_list has no order filter: list by update time from the oldest
        returnable order's creation (no return is older) to now, 15 days a window, and keep
        ours. Orders that never shipped cannot have returns: no call for them."""
        returnable = [
            raw for raw in details if str(raw.get("order_status")) in order_map.RETURNABLE
        ]
        ours = {as_id(raw.get("order_sn")) for raw in returnable}
        created = [as_int(raw.get("create_time")) for raw in returnable if raw.get("create_time")]
        if not created:
            return {}
        since = datetime.fromtimestamp(min(created), UTC)
        found: dict[str, list[dict[str, Any]]] = {}
        for start, stop in windows(since, self._now()):
            page = 1
            while True:
                params = {
                    "page_no": str(page),
                    "page_size": str(RETURN_PAGE),
                    "update_time_from": str(start),
                    "update_time_to": str(stop),
                }
                data = self._get(RETURN_LIST_PATH, params)
                for entry in data.get("return") or []:
                    order_sn = as_id(entry.get("order_sn")) if isinstance(entry, dict) else ""
                    if order_sn in ours:
                        listed = found.setdefault(order_sn, [])
                        sn = as_id(entry.get("return_sn"))
                        if all(as_id(e.get("return_sn")) != sn for e in listed):
                            listed.append(entry)
                if not data.get("more"):
                    break
                page += 1
        return found

    def return_detail(self, return_sn: str) -> dict[str, Any] | None:
        """get_return_detail for one return (its negotiation, proof and items); None if unknown."""
        try:
            return self._get(RETURN_DETAIL_PATH, {"return_sn": return_sn})
        except PlatformRefusal:
            return None  # "Return SN or ID is invalid."

    # -- acting --------------------------------------------------------------------------

    def cancel(self, order_id: str, reason: str, *, idempotency_key: str) -> None:
        """cancel_order with the reason's code; OUT_OF_STOCK names every item of the order.

        Shopee has no idempotency key: ``idempotency_key`` is the caller's record only, and
        a lost answer is a transient ChannelError (read the order back before any retry).
        """
        code = reason_code(reason, self.label)
        body: dict[str, Any] = {"order_sn": order_id, "cancel_reason": code}
        if code == "OUT_OF_STOCK":
            # "item_list: Required when cancel_reason is OUT_OF_STOCK."
            details = self._details([order_id])
            if not details:
                raise ActionRefused(f"{self.label}: Shopee knows no order {order_id}")
            body["item_list"] = [
                {"item_id": as_int(e.get("item_id")), "model_id": as_int(e.get("model_id"))}
                for e in details[0].get("item_list") or []
                if isinstance(e, dict)
            ]
        self._act(CANCEL_PATH, body, f"cancel order {order_id}")

    def answer_cancellation(self, order_id: str, accept: bool) -> None:
        """handle_buyer_cancellation: ACCEPT or REJECT the buyer's request."""
        operation = "ACCEPT" if accept else "REJECT"
        body = {"order_sn": order_id, "operation": operation}
        verb = "accept" if accept else "reject"
        self._act(ANSWER_PATH, body, f"{verb} the cancellation request of order {order_id}")

    # -- plumbing ------------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        return self._adapter.shop_call("GET", path, params=params, classify=self._classify)

    def _act(self, path: str, body: dict[str, Any], what: str) -> None:
        try:
            self._adapter.shop_call(
                "POST", path, body=body, idempotent=False, classify=self._classify
            )
        except PlatformRefusal as exc:
            raise ActionRefused(f"{self.label}: Shopee refused to {what}: {exc.said}") from exc
        except ChannelError as exc:
            if not exc.transient:
                raise
            # A timeout, a 5xx or a dropped connection: it may have happened. Never repeated
            # here; the caller reads the order back first.
            raise ChannelError(
                f"{self.label}: no answer from Shopee to {what}; "
                "reading the order back before trying again"
            ) from exc


if TYPE_CHECKING:  # mypy proves the class keeps the shared contract
    _CONTRACT: type[MarketplaceOrders] = ShopeeOrders

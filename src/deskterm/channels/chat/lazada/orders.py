"""Lazada orders (MarketplaceOrders): listing, details, items, traces, reverse orders, cancel."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from deskterm.channels.chat.http import Classifier
from deskterm.channels.chat.lazada.adapter import LazadaAdapter
from deskterm.channels.chat.lazada.errors import classifier, one_line
from deskterm.channels.chat.lazada.mapping import as_int, to_ms
from deskterm.channels.chat.lazada.order_map import TRACEABLE, cancel_request, platform_order, when
from deskterm.channels.chat.types import AmbiguousSendError
from deskterm.domain.errors import ChannelError
from deskterm.domain.orders import ActionRefused, ListedOrder, PlatformOrder

LIST = "/orders/get"  # getorders.json
DETAIL = "/order/get"  # getorder.json
ITEMS = "/order/items/get"  # getorderitems.json
MULTI_ITEMS = "/orders/items/get"  # getmultipleorderitems.json
TRACE = "/logistic/order/trace"  # getordertrace.json
REVERSE = "/reverse/getreverseordersforseller"  # getreverseordersforseller.json
VALIDATE = "/order/reverse/cancel/validate"  # ordercancelvalidate.json
CANCEL = "/order/reverse/cancel/create"  # initreverseordercancel.json
# InitReverseOrderCancelDecide (not in the copied docs; open.lazada.com ?path=
# /order/reverse/cancel/seller/decide): reverse_order_id, agree_cancel, reason_code.
DECIDE = "/order/reverse/cancel/seller/decide"
LIST_LIMIT = 100  # "The supported maximum number is 100"
MAX_OFFSET = 4500  # offset: "Max Size:4500"
ITEMS_BATCH = 50  # "No more than 50 at a time"
REVERSE_PAGE = 50  # page_size: "default 10", no documented maximum
UNKNOWN_ORDER = frozenset({"16"})  # GetOrder's E016 "Invalid Order ID"

# The reasons deskterm understands, matched in the agent's words (English or Bahasa) and
# then against the names OrderCancelValidate offers (their ids differ per country).
REASONS: tuple[tuple[str, str, str], ...] = (
    ("out of stock", r"stock|stok|habis|sold ?out|kosong", r"out of stock|stock"),
    ("sourcing delay", r"delay|late|sourcing|terlambat|lambat", r"sourcing|delay"),
    ("pricing error", r"pric|harga", r"pric"),
    ("buyer asked", r"buyer|customer|asked|pembeli|minta", r"customer|buyer"),
    ("undeliverable area", r"undeliver|area|address|alamat|jangkauan", r"address|area|deliver"),
)


class UnknownOrder(ChannelError):
    """Lazada does not know this order id (left out of ``orders``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


def _classify(label: str, api: str, *, refusal: str = "") -> Classifier:
    """The adapter's classifier, plus: E016 -> UnknownOrder; when ``refusal`` names an
    action, a business error -> ActionRefused in one sentence with Lazada's words."""
    plain = classifier(label, api)

    def classify(response: httpx.Response, payload: Any) -> Any:
        code = str(payload.get("code")) if isinstance(payload, dict) else ""
        if api == DETAIL and code in UNKNOWN_ORDER:
            raise UnknownOrder(f"{label}: Lazada has no such order")
        try:
            return plain(response, payload)
        except ChannelError as error:
            plain_refusal = type(error) is ChannelError and not error.transient
            if refusal and plain_refusal and code and "Timestamp" not in code:
                words = one_line(payload.get("message") or code)
                raise ActionRefused(f"{label}: Lazada will not {refusal}: {words}") from None
            raise

    return classify


class LazadaOrders:
    """One Lazada seller's orders, signed and sent by a LazadaAdapter built from the same
    channel settings (give it its own: ``close`` closes it). ``base_url`` is the channel's
    gateway, which names the currency when the items do not."""

    platform = "lazada"

    def __init__(
        self,
        adapter: LazadaAdapter,
        base_url: str = "",
        *,
        list_limit: int = LIST_LIMIT,
        max_offset: int = MAX_OFFSET,
    ) -> None:
        self._adapter = adapter
        self._base_url = base_url  # the gateway tells the currency when items do not
        self._limit = list_limit
        self._max_offset = max_offset
        self.label = adapter.label
        # GetOrders' rows of the last listing: the same order fields GetOrder returns
        # (getorders.json vs getorder.json), so the next ``orders`` call takes them instead
        # of one GetOrder per order, then forgets them (a later read asks afresh).
        self._listed: dict[str, dict[str, Any]] = {}

    @property
    def requests(self) -> int:
        """HTTP requests made so far (the chat adapter's count: they share one client)."""
        return self._adapter.requests

    def close(self) -> None:
        """Release the HTTP client."""
        self._adapter.close()

    # --- reading ---------------------------------------------------------------------

    def changed_orders(self, since: datetime, until: datetime) -> list[ListedOrder]:
        """GetOrders by update time, oldest change first, 100 a page, each order with its
        updated_at (GetOrder's field: what the cache keeps). The offset stops at 4500, so a
        longer listing starts a new window at the last change seen."""
        found: dict[str, dict[str, Any]] = {}
        after = since
        while True:
            last, rows = self._window(after, until)
            # A later window's row of the same order is its newer state.
            found.update((_order_id(row), row) for row in rows)
            if last is None:
                break
            if last <= after:
                raise ChannelError(
                    f"{self.label}: more than {self._max_offset + self._limit} orders changed "
                    f"in the same second ({_iso(after)}); the listing cannot page past them",
                    transient=False,
                )
            after = last
        self._listed = found
        return [
            ListedOrder(order_id, when(row.get("updated_at"))) for order_id, row in found.items()
        ]

    def changed_order_ids(self, since: datetime, until: datetime) -> list[str]:
        """Ids of ``changed_orders``."""
        return [order.id for order in self.changed_orders(since, until)]

    def _window(
        self, after: datetime, until: datetime
    ) -> tuple[datetime | None, list[dict[str, Any]]]:
        """Rows of one offset window; the last row's update time when the window was full."""
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            params = {
                "update_after": _iso(after),
                "update_before": _iso(until, up=True),
                "sort_by": "updated_at",
                "sort_direction": "ASC",
                "offset": str(offset),
                "limit": str(self._limit),
            }
            data = _data(self._call(LIST, params), LIST, self.label)
            rows = [row for row in data.get("orders") or [] if isinstance(row, dict)]
            found.extend(row for row in rows if _order_id(row))
            if len(rows) < self._limit:
                return None, found
            offset += self._limit
            if offset > self._max_offset:
                return when(rows[-1].get("updated_at")), found

    def orders(self, ids: Sequence[str]) -> list[PlatformOrder]:
        """The order's row from the listing just read, else GetOrder per id (unknown ids
        left out); items 50 orders a call, GetOrderTrace for orders past ready-to-ship,
        reverse orders for the batch's creation times."""
        listed, self._listed = self._listed, {}
        details: dict[str, dict[str, Any]] = {}
        for order_id in dict.fromkeys(ids):
            if order_id in listed:
                details[order_id] = listed[order_id]
                continue
            try:
                payload = self._call(DETAIL, {"order_id": order_id})
            except UnknownOrder:
                continue
            details[order_id] = _data(payload, DETAIL, self.label)
        items = self._items(list(details))
        reverse = self._reverse(details)
        found = []
        for order_id, detail in details.items():
            lines = items.get(order_id, [])
            statuses = {str(line.get("status")).lower() for line in lines}
            trace = self._trace(order_id) if statuses & TRACEABLE else None
            found.append(
                platform_order(
                    detail, lines, trace, reverse.get(order_id, []), base_url=self._base_url
                )
            )
        return found

    def buyer_order_ids(self, buyer_id: str, since: datetime) -> list[str] | None:
        """None: GetOrders has no buyer filter (getorders.json); the listing finds them."""
        return None

    def _items(self, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(ids), ITEMS_BATCH):
            batch = ids[start : start + ITEMS_BATCH]
            params = {"order_ids": "[" + ",".join(batch) + "]"}
            payload = self._call(MULTI_ITEMS, params)
            for entry in payload.get("data") or []:
                if isinstance(entry, dict):
                    lines = [i for i in entry.get("order_items") or [] if isinstance(i, dict)]
                    found[str(entry.get("order_id"))] = lines
        return found

    def _trace(self, order_id: str) -> dict[str, Any] | None:
        try:
            result = self._call(TRACE, {"order_id": order_id, "locale": "en"}).get("result")
        except ChannelError as error:
            if type(error) is not ChannelError or error.transient:
                raise
            return None  # Lazada has no trace for it (yet): the tracking numbers still show
        if not isinstance(result, dict) or not _true(result.get("success")):
            return None  # no trace yet: the tracking numbers still show
        return result

    def _reverse(self, details: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """Reverse orders of the batch's orders: one listing by trade order creation time."""
        created = [when(detail.get("created_at")) for detail in details.values()]
        moments = [moment for moment in created if moment is not None]
        if not moments:
            return {}
        found: dict[str, list[dict[str, Any]]] = {}
        page = 1
        while True:
            params = {
                "page_size": str(REVERSE_PAGE),
                "page_no": str(page),
                "TradeOrderLineCreatedTimeRangeStart": str(to_ms(min(moments))),
                "TradeOrderLineCreatedTimeRangeEnd": str(to_ms(max(moments)) + 999),
            }
            result = self._call(REVERSE, params).get("result")
            result = result if isinstance(result, dict) else {}
            entries = [e for e in result.get("items") or [] if isinstance(e, dict)]
            for entry in entries:
                order_id = str(entry.get("trade_order_id") or "")
                if order_id in details:
                    found.setdefault(order_id, []).append(entry)
            if not entries or page * REVERSE_PAGE >= as_int(result.get("total")):
                return found
            page += 1

    # --- actions ---------------------------------------------------------------------

    def cancel(self, order_id: str, reason: str, *, idempotency_key: str) -> None:
        """OrderCancelValidate, then InitReverseOrderCancel for the order's live lines
        (order-cancellation.json). Lazada takes no idempotency key: after an ambiguous
        failure the caller reads the order back, which shows a cancel that happened."""
        what = f"cancel order {order_id}"
        items = self._order_items(order_id, what)
        live = [i for i in items if str(i.get("status")).lower() != "canceled"] or items
        lines = "[" + ",".join(str(i.get("order_item_id")) for i in live) + "]"
        params = {"order_id": order_id, "order_item_id_list": lines}
        check = _data(self._call(VALIDATE, params, refusal=what), VALIDATE, self.label)
        options = [o for o in check.get("reason_options") or [] if isinstance(o, dict)]
        if str(check.get("tip_type")).lower() == "error" or not options:
            words = one_line(check.get("tip_content") or "the order cannot be cancelled now")
            raise ActionRefused(f"{self.label}: Lazada will not {what}: {words}")
        reason_id = self._reason_id(reason, options, what)
        done = self._act(CANCEL, {**params, "reason_id": reason_id}, what)
        if str(done.get("tip_type")).lower() == "error":
            words = one_line(done.get("tip_content") or "refused")
            raise ActionRefused(f"{self.label}: Lazada will not {what}: {words}")

    def answer_cancellation(self, order_id: str, accept: bool) -> None:
        """InitReverseOrderCancelDecide on the reverse order the buyer's request opened."""
        what = f"{'accept' if accept else 'reject'} the cancellation of order {order_id}"
        reverse_order_id = cancel_request(self._order_items(order_id, what))
        if not reverse_order_id:
            raise ActionRefused(
                f"{self.label}: order {order_id} has no buyer cancellation request to answer"
            )
        params = {"reverse_order_id": reverse_order_id, "agree_cancel": str(accept).lower()}
        self._act(DECIDE, params, what)

    def _order_items(self, order_id: str, what: str) -> list[dict[str, Any]]:
        """GetOrderItems: Lazada cancels item by item."""
        if not order_id.isdigit():
            raise ActionRefused(f"{self.label}: cannot {what}: Lazada order ids are numbers")
        payload = self._call(ITEMS, {"order_id": order_id}, refusal=what)
        items = [i for i in payload.get("data") or [] if isinstance(i, dict)]
        if not items:
            raise ActionRefused(f"{self.label}: cannot {what}: Lazada has no such order")
        return items

    def _reason_id(self, reason: str, options: list[dict[str, Any]], what: str) -> str:
        """The offered reason_id for the agent's words, or ActionRefused naming the offers."""
        text = reason.strip().lower()
        names = {str(o.get("reason_name") or "").lower(): str(o.get("reason_id")) for o in options}
        if text in names:
            return names[text]
        for _key, words, offered in REASONS:
            if text and re.search(words, text):
                for name, reason_id in names.items():
                    if re.search(offered, name):
                        return reason_id
                break
        accepted = ", ".join(str(o.get("reason_name")) for o in options)
        raise ActionRefused(
            f"{self.label}: Lazada will not {what} for the reason {one_line(reason)!r}; "
            f"it accepts: {accepted}"
        )

    def _act(self, api: str, params: dict[str, str], what: str) -> dict[str, Any]:
        """One action, never retried here: no answer means "read the order back first"."""
        self._listed = {}  # the read-back after an action must not take a listing's row
        try:
            payload = self._call(api, params, refusal=what, idempotent=False)
        except AmbiguousSendError as exc:
            raise ChannelError(
                f"{self.label}: no answer from Lazada to {what}; it may have happened — "
                "read the order back before trying again"
            ) from exc
        data = payload.get("data")
        return data if isinstance(data, dict) else {}

    def _call(
        self, api: str, params: dict[str, str], *, refusal: str = "", idempotent: bool = True
    ) -> dict[str, Any]:
        classify = _classify(self.label, api, refusal=refusal)
        return self._adapter.call("GET", api, params, idempotent=idempotent, classify=classify)


def _data(payload: dict[str, Any], api: str, label: str) -> dict[str, Any]:
    data = payload.get("data")
    if not isinstance(data, dict):
        raise ChannelError(f"{label}: {api} answered without data", transient=False)
    return data


def _order_id(row: dict[str, Any]) -> str:
    """A GetOrders/GetOrder row's order id ("" when it has none)."""
    return str(row.get("order_id") or row.get("order_number") or "")


def _true(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1")


def _iso(moment: datetime, *, up: bool = False) -> str:
    """GetOrders' "YYYY-MM-DDTHH:mm:ss±HH:MM" (error 17) in UTC, to the second (``up``:
    rounded up, so an inclusive upper bound loses nothing)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if up and moment.microsecond:
        moment += timedelta(seconds=1)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()

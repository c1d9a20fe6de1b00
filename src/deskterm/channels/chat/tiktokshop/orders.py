"""TikTok Shop's MarketplaceOrders (issue 13): orders, tracking, cancel, buyer cancel answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from deskterm.channels.chat.http import Classifier
from deskterm.channels.chat.tiktokshop.adapter import TikTokShopAdapter
from deskterm.channels.chat.tiktokshop.errors import classifier
from deskterm.channels.chat.tiktokshop.order_map import (
    AFTER_SHIPPING,
    moment,
    pending_buyer_cancel,
    to_order,
)
from deskterm.channels.chat.tiktokshop.order_reasons import ACCEPTED, REJECT_REASON, name_for, pick
from deskterm.channels.chat.types import AmbiguousSendError
from deskterm.domain.errors import ChannelError
from deskterm.domain.orders import ActionRefused, ListedOrder, PlatformOrder
from deskterm.domain.text import one_line

# Paths and limits, each from its page in marketplace-docs/tiktokshop/.
ORDER_SEARCH = "/order/202309/orders/search"  # get-order-list.spec.json: page_size 1-100
ORDER_PAGE = 100
ORDER_DETAIL = "/order/202507/orders"  # get-order-detail.spec.json: ids, "Max count: 50"
DETAIL_BATCH = 50
TRACKING = "/fulfillment/202309/orders/{}/tracking"  # get-tracking.spec.json: per order
CANCEL = "/return_refund/202309/cancellations"  # cancel-order.spec.json
CANCEL_SEARCH = "/return_refund/202309/cancellations/search"  # page_size 1-50
CANCEL_PAGE = 50
RETURN_SEARCH = "/return_refund/202309/returns/search"  # search-returns.spec.json: 10-50
RETURN_PAGE = 50
# Approve/Reject Cancellation are not in marketplace-docs; Partner Center's pages give
# POST .../cancellations/{cancel_id}/approve|reject with an optional idempotency_key query.
ANSWER = "/return_refund/202309/cancellations/{}/{}"
SEARCH_BATCH = 50  # order_ids per returns/cancellations search (no documented limit: be modest)

# Codes that are the platform saying no to an action (the 25xxxxxx return/refund family of
# cancel-order.spec.json and the Approve/Reject pages, 21008111 "not this seller's order").
NOT_THIS_SELLERS = 21008111
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1c9a52-4f3e-4c1b-9e55-7a7d3f1e2b10")


def _refusal(code: int) -> bool:
    return 25_000_000 <= code < 26_000_000 or code == NOT_THIS_SELLERS


def _batches(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


class TikTokShopOrders:
    """MarketplaceOrders for one TikTok Shop (or Tokopedia) shop. Wraps a TikTokShopAdapter
    built from the channel's settings: same signing, token refresh and error envelope."""

    platform = "tiktokshop"

    def __init__(self, adapter: TikTokShopAdapter) -> None:
        self._adapter = adapter
        self.label = adapter.label

    @property
    def requests(self) -> int:
        """HTTP requests made so far (through the wrapped adapter)."""
        return self._adapter.requests

    def close(self) -> None:
        """Release the HTTP client."""
        self._adapter.close()

    # --- reading -------------------------------------------------------------------------

    def changed_orders(self, since: datetime, until: datetime) -> list[ListedOrder]:
        """Orders updated in ``[since, until]`` (creation counts as an update), every page,
        each with the update_time the listing gives (to_order reads the same field); the
        listing has no documented window limit, only page_size <= 100."""
        body = {"update_time_ge": _unix(since), "update_time_lt": _unix(until) + 1}
        return self._search(body)

    def changed_order_ids(self, since: datetime, until: datetime) -> list[str]:
        """Ids of ``changed_orders``."""
        return [order.id for order in self.changed_orders(since, until)]

    def buyer_order_ids(self, buyer_id: str, since: datetime) -> list[str] | None:
        """The buyer's orders created since ``since``: the listing filters by buyer_user_id."""
        body = {"buyer_user_id": buyer_id, "create_time_ge": _unix(since)}
        return [order.id for order in self._search(body)]

    def orders(self, ids: Sequence[str]) -> list[PlatformOrder]:
        """Details 50 per call, then tracking for shipped orders, and one cancellations and
        one returns search per batch only where the order can have them."""
        wanted = list(dict.fromkeys(i for i in ids if i))
        found: dict[str, PlatformOrder] = {}
        for batch in _batches(wanted, DETAIL_BATCH):
            for order in self._batch(batch):
                found[order.id] = order
        return [found[i] for i in wanted if i in found]

    def _batch(self, ids: list[str]) -> list[PlatformOrder]:
        data = self._adapter.call("GET", ORDER_DETAIL, params={"ids": ",".join(ids)})
        asked = set(ids)
        details = [
            o
            for o in data.get("orders") or []
            if isinstance(o, Mapping) and str(o.get("id")) in asked
        ]
        cancel_ids = [
            str(o["id"])
            for o in details
            if o.get("is_buyer_request_cancel") or o.get("status") == "CANCELLED"
        ]
        return_ids = [str(o["id"]) for o in details if o.get("status") in AFTER_SHIPPING]
        cancellations = self._search_all(CANCEL_SEARCH, "cancellations", cancel_ids, CANCEL_PAGE)
        returns = self._search_all(RETURN_SEARCH, "return_orders", return_ids, RETURN_PAGE)
        return [
            to_order(
                raw,
                tracking=self._tracking(raw),
                cancellations=cancellations.get(str(raw["id"]), []),
                returns=returns.get(str(raw["id"]), []),
            )
            for raw in details
        ]

    def _tracking(self, raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        if not raw.get("tracking_number") or raw.get("status") not in AFTER_SHIPPING:
            return []
        path = TRACKING.format(quote(str(raw["id"]), safe=""))
        data = self._adapter.call("GET", path)
        return [e for e in data.get("tracking") or [] if isinstance(e, Mapping)]

    def _search(self, body: dict[str, Any]) -> list[ListedOrder]:
        params = {"page_size": str(ORDER_PAGE), "sort_field": "update_time", "sort_order": "ASC"}
        found: dict[str, ListedOrder] = {}
        for page in self._pages(ORDER_SEARCH, params, body):
            for order in page.get("orders") or []:
                if isinstance(order, Mapping) and order.get("id"):
                    # A later page's row of the same order is its newer state.
                    order_id = str(order["id"])
                    found[order_id] = ListedOrder(order_id, moment(order.get("update_time")))
        return list(found.values())

    def _search_all(
        self, path: str, key: str, order_ids: list[str], page_size: int
    ) -> dict[str, list[Mapping[str, Any]]]:
        by_order: dict[str, list[Mapping[str, Any]]] = {}
        for batch in _batches(order_ids, SEARCH_BATCH):
            params = {"page_size": str(page_size), "sort_field": "create_time"}
            for page in self._pages(path, params, {"order_ids": batch}):
                for entry in page.get(key) or []:
                    if isinstance(entry, Mapping):
                        by_order.setdefault(str(entry.get("order_id")), []).append(entry)
        return by_order

    def _pages(
        self, path: str, params: dict[str, str], body: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        token = ""
        seen: set[str] = set()
        while True:
            query = {**params, **({"page_token": token} if token else {})}
            page = self._adapter.call("POST", path, params=query, body=body)
            yield page
            token = str(page.get("next_page_token") or "")
            if not token:
                return
            if token in seen:  # a server bug must not become an endless loop
                raise ChannelError(f"{self.label}: TikTok Shop repeated a page token")
            seen.add(token)

    # --- actions -------------------------------------------------------------------------

    def cancel(self, order_id: str, reason: str, *, idempotency_key: str) -> None:
        """Seller cancel (cancel-order.spec.json). The reason's name depends on the order's
        status, so the order is read first. Cancel Order takes no idempotency key: the caller's
        read-back after an ambiguous failure is what keeps it to one."""
        picked = pick(reason)
        if picked is None:
            raise ActionRefused(
                f"{self.label}: TikTok Shop needs one of these cancel reasons: {ACCEPTED} "
                f'(not "{one_line(reason, 60)}")'
            )
        found = self.orders([order_id])
        if not found:
            raise ActionRefused(f"{self.label}: order {order_id} is not on TikTok Shop")
        order = found[0]
        name = name_for(picked, order.platform_status)
        if not name:
            raise ActionRefused(
                f'{self.label}: TikTok Shop does not take "{picked.label}" as a reason for an '
                f"order in status {order.platform_status}"
            )
        body = {"order_id": order_id, "cancel_reason": name}
        self._act(CANCEL, body, f"cancel order {order_id}")

    def answer_cancellation(self, order_id: str, accept: bool) -> None:
        """Approve or reject the buyer's pending cancellation request (found by Search
        Cancellations); the idempotency key is derived from the request, so a repeat is one."""
        data = self._search_all(CANCEL_SEARCH, "cancellations", [order_id], CANCEL_PAGE)
        cancel_id = pending_buyer_cancel(data.get(order_id, []))
        if not cancel_id:
            raise ActionRefused(
                f"{self.label}: order {order_id} has no buyer cancellation request to answer"
            )
        verb = "approve" if accept else "reject"
        key = uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{cancel_id}:{verb}")
        body: dict[str, Any] = {} if accept else {"reject_reason": REJECT_REASON}
        self._act(
            ANSWER.format(quote(cancel_id, safe=""), verb),
            body,
            f"{verb} the buyer's cancellation of order {order_id}",
            params={"idempotency_key": str(key)},
        )

    def _act(
        self, path: str, body: dict[str, Any], what: str, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        try:
            return self._adapter.call(
                "POST",
                path,
                params=params,
                body=body,
                sending=True,
                classify=self._action_classifier(what),
            )
        except AmbiguousSendError as exc:
            raise ChannelError(
                f"{self.label}: no clear answer from TikTok Shop to {what} "
                f"({exc.__cause__.__class__.__name__ if exc.__cause__ else 'server error'}); "
                "read the order back before trying again"
            ) from exc

    def _action_classifier(self, what: str) -> Classifier:
        base = classifier(self.label, sending=True)

        def classify(response: httpx.Response, payload: Any) -> Any:
            if isinstance(payload, dict):
                try:
                    code = int(payload.get("code", 0))
                except (TypeError, ValueError):
                    code = 0
                if code and _refusal(code):
                    said = one_line(str(payload.get("message") or ""), 200).rstrip(".")
                    raise ActionRefused(f"{self.label}: TikTok Shop refused to {what}: {said}")
            return base(response, payload)

        return classify

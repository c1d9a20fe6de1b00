"""Shopify orders by customer email over the GraphQL Admin API, as ``ShopOrder`` values."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from deskterm.commerce.graphql import ATTEMPTS, GraphqlHttp
from deskterm.commerce.types import Clock, LineItem, ShopOrder, Sleep, Tracking
from deskterm.domain.errors import ChannelError
from deskterm.domain.text import clean_stored_text
from deskterm.domain.timefmt import iso_moment

MAX_FIRST = 250  # Shopify's largest page
# Per order: lines and refunds, each one costing budget. Ten lines is enough for the panel and
# keeps a page of ten orders (502 points) well inside the 1,000-point query limit.
LINE_ITEMS = 10
REFUNDS = 3

# Everything an order shows and its actions need (commerce/shopify_orders.py maps it to
# PlatformOrder); the cache keeps the node whole, so every reader sees the same fields.
# Returns come as ``returnStatus`` only: ``Order.returns`` needs the read_returns scope, and
# one field the app may not read would fail the whole lookup.
ORDER_FIELDS = f"""
fragment OrderFields on Order {{
  id
  name
  email
  createdAt
  updatedAt
  cancelledAt
  cancelReason
  closed
  returnStatus
  displayFinancialStatus
  displayFulfillmentStatus
  statusPageUrl
  totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
  totalRefundedSet {{ shopMoney {{ amount }} }}
  lineItems(first: {LINE_ITEMS}) {{
    nodes {{
      id title quantity sku refundableQuantity
      originalUnitPriceSet {{ shopMoney {{ amount }} }}
    }}
  }}
  fulfillments {{ displayStatus trackingInfo {{ number url company }} }}
  refunds(first: {REFUNDS}) {{ id createdAt note totalRefundedSet {{ shopMoney {{ amount }} }} }}
  shippingAddress {{ address1 address2 city province zip country countryCodeV2 phone }}
  customer {{ email }}
}}
"""

# The email travels as a variable, never spliced into the document; the search string
# quotes it (email_search) so it cannot add search terms either.
ORDERS_QUERY = f"""
query CustomerOrders($first: Int!, $query: String!) {{
  orders(first: $first, query: $query, sortKey: CREATED_AT, reverse: true) {{
    nodes {{ ...OrderFields }}
  }}
}}
{ORDER_FIELDS}"""

SHOP_QUERY = "query Shop { shop { name myshopifyDomain } }"

_SPACE_RE = re.compile(r"\s+")


def email_search(email: str) -> str:
    """A Shopify search string matching orders placed with exactly ``email``.

    The value is always double-quoted with backslash escapes (Shopify's search syntax), so
    quotes, spaces, colons or words like OR in it stay part of the one value.
    """
    value = _SPACE_RE.sub(" ", email.strip())
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'email:"{escaped}"'


class ShopifyClient:
    """One shop's Admin API: recent orders of an email address, and a cheap ping for doctor."""

    def __init__(
        self,
        shop_url: str,
        api_version: str,
        access_token: str,
        *,
        label: str,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 20.0,
        attempts: int = ATTEMPTS,
    ) -> None:
        self.label = label
        self.http = GraphqlHttp(
            shop_url,
            api_version,
            access_token,
            label=label,
            sleep=sleep,
            clock=clock,
            transport=transport,
            timeout=timeout,
            attempts=attempts,
        )

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requests(self) -> int:
        """HTTP requests sent so far, retries included."""
        return self.http.requests

    def shop_name(self) -> str:
        """The shop's name: proves URL, version and token work, for ``deskterm doctor``."""
        data = self.http.execute(SHOP_QUERY, {}, key="shop")
        shop = data.get("shop")
        if not isinstance(shop, Mapping):
            raise ChannelError(f"{self.label}: Shopify answered without the shop")
        return clean_stored_text(str(shop.get("name") or shop.get("myshopifyDomain") or ""))

    def orders_for_email(self, email: str, first: int = 10) -> list[ShopOrder]:
        """The ``first`` most recent orders placed with ``email``, newest first."""
        if not email.strip():
            return []
        first = max(1, min(first, MAX_FIRST))
        data = self.http.execute(
            ORDERS_QUERY,
            {"first": first, "query": email_search(email)},
            key=f"orders:{first}",
        )
        connection = data.get("orders")
        nodes = connection.get("nodes") if isinstance(connection, Mapping) else None
        if not isinstance(nodes, list):
            raise ChannelError(f"{self.label}: Shopify answered without an order list")
        return [self._order(node) for node in nodes if isinstance(node, Mapping)]

    def _order(self, node: Mapping[str, Any]) -> ShopOrder:
        money = _get(node, "totalPriceSet", "shopMoney")
        customer = node.get("customer")
        customer_email = customer.get("email") if isinstance(customer, Mapping) else None
        return ShopOrder(
            external_id=_str(node.get("id")),
            name=_str(node.get("name")),
            email=_str(node.get("email") or customer_email).strip().lower(),
            created_at=self._time(node.get("createdAt"), node),
            financial_status=_status(node.get("displayFinancialStatus")),
            fulfillment_status=_status(node.get("displayFulfillmentStatus")),
            total=self._amount(money.get("amount"), node),
            currency=_str(money.get("currencyCode")),
            status_url=_str(node.get("statusPageUrl")),
            items=tuple(
                LineItem(_str(line.get("title")), _int(line.get("quantity")))
                for line in _nodes(node.get("lineItems"))
            ),
            tracking=_tracking(node.get("fulfillments")),
            shipping_address={
                key: _str(value)
                for key, value in _get(node, "shippingAddress").items()
                if value is not None
            },
            raw=dict(node),
        )

    def _time(self, value: Any, node: Mapping[str, Any]) -> datetime:
        moment = iso_moment(value)
        if moment is None:
            raise ChannelError(
                f"{self.label}: Shopify order {_str(node.get('name'))} has no valid createdAt",
                transient=False,
            )
        return moment

    def _amount(self, value: Any, node: Mapping[str, Any]) -> Decimal:
        # Shopify's Decimal scalar is a string; going through float would lose cents.
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite():
            raise ChannelError(
                f"{self.label}: Shopify order {_str(node.get('name'))} has no valid total",
                transient=False,
            )
        return amount


def _str(value: Any) -> str:
    # Shop data ends up in SQL text columns: PostgreSQL refuses NUL, hence the cleaning.
    return "" if value is None else clean_stored_text(str(value))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _status(value: Any) -> str:
    """``PARTIALLY_REFUNDED`` -> ``partially_refunded``: the words Shopify's REST API and
    Gorgias' order variables use."""
    return _str(value).lower()


def _get(node: Mapping[str, Any], *keys: str) -> Mapping[str, Any]:
    value: Any = node
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _nodes(connection: Any) -> list[Mapping[str, Any]]:
    nodes = connection.get("nodes") if isinstance(connection, Mapping) else connection
    return [n for n in nodes if isinstance(n, Mapping)] if isinstance(nodes, list) else []


def _tracking(fulfillments: Any) -> tuple[Tracking, ...]:
    found: dict[tuple[str, str, str], Tracking] = {}
    for fulfillment in _nodes(fulfillments):
        for info in _nodes(fulfillment.get("trackingInfo")):
            entry = Tracking(
                _str(info.get("number")), _str(info.get("url")), _str(info.get("company"))
            )
            if entry.number or entry.url:
                found.setdefault((entry.number, entry.url, entry.company), entry)
    return tuple(found.values())

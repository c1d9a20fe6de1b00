"""What commerce adapters return: shop orders in the shape ``show --json`` and macros use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from deskterm.domain.errors import ChannelError

Sleep = Callable[[float], None]
Clock = Callable[[], float]  # monotonic seconds


@dataclass(frozen=True, slots=True)
class LineItem:
    """One line of an order: what was bought and how many."""

    title: str
    quantity: int

    def to_json(self) -> dict[str, Any]:
        """``{title, quantity}`` as issue 5's ``orders[].items`` has it."""
        return {"title": self.title, "quantity": self.quantity}


@dataclass(frozen=True, slots=True)
class Tracking:
    """One parcel's tracking: the carrier's number, its tracking page, the carrier."""

    number: str
    url: str
    company: str

    def to_json(self) -> dict[str, Any]:
        """``{number, url, company}`` as issue 5's ``orders[].tracking`` has it."""
        return {"number": self.number, "url": self.url, "company": self.company}


@dataclass(frozen=True, slots=True)
class ShopOrder:
    """One order of a shop, normalised; ``raw`` keeps the API's own JSON for the node."""

    external_id: str  # the platform's id (a Shopify GID: gid://shopify/Order/123)
    name: str  # what the customer quotes, e.g. "#1001"
    email: str  # lower-cased; "" when the order has none
    created_at: datetime  # aware UTC: when the order was placed
    financial_status: str  # lower snake case, e.g. "paid", "partially_refunded"
    fulfillment_status: str  # lower snake case, e.g. "unfulfilled", "fulfilled"
    total: Decimal  # exact, in ``currency``
    currency: str  # ISO 4217, e.g. "IDR"
    status_url: str  # the customer's order status page
    items: tuple[LineItem, ...] = ()
    tracking: tuple[Tracking, ...] = ()
    shipping_address: dict[str, str] = field(default_factory=dict, compare=False)
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The ``orders[]`` object of ``show --json`` (issue 5), ``total`` as exact text."""
        return {
            "name": self.name,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "financial_status": self.financial_status,
            "fulfillment_status": self.fulfillment_status,
            "total": str(self.total),
            "currency": self.currency,
            "status_url": self.status_url,
            "tracking": [t.to_json() for t in self.tracking],
            "items": [i.to_json() for i in self.items],
        }


class ThrottledError(ChannelError):
    """The shop said "slow down" (GraphQL THROTTLED or HTTP 429); ``wait`` seconds if known."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message, transient=True)
        self.wait = wait

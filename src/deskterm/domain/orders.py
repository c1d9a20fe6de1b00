"""One order model for every platform (Shopify and the marketplaces), and what adapters do.

``show --json`` ``orders[]`` (issue 13 item 2), the customer panel, macro variables and the
order actions all read :class:`PlatformOrder`; each platform's adapter maps its own API
into it, keeping the platform's words in ``platform_status`` and the API's JSON in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from deskterm.domain.errors import ChannelError

PLATFORMS: tuple[str, ...] = ("shopify", "tiktokshop", "shopee", "lazada")

# The normalised lifecycle (issue 13 item 2), in the order an order lives it.
UNPAID = "unpaid"  # placed, not paid yet (or awaiting COD confirmation)
TO_SHIP = "to_ship"  # paid (or COD confirmed), not handed to the carrier
SHIPPED = "shipped"  # with the carrier
DELIVERED = "delivered"  # the carrier delivered it; the buyer may still return or confirm
COMPLETED = "completed"  # closed by the platform (confirmed, return window over)
CANCELLED = "cancelled"
RETURNING = "returning"  # a return or refund is open
RETURNED = "returned"  # returned and refunded
STATUSES: tuple[str, ...] = (
    UNPAID,
    TO_SHIP,
    SHIPPED,
    DELIVERED,
    COMPLETED,
    CANCELLED,
    RETURNING,
    RETURNED,
)

# What an order may have done to it right now (``actions``): the platform's own rules
# decide which apply (a marketplace cancels only before shipping; Shopify refunds any paid
# order). ``accept_cancel``/``reject_cancel`` answer a buyer's cancellation request.
CANCEL = "cancel"
REFUND = "refund"
ADDRESS = "address"
DUPLICATE = "duplicate"
ACCEPT_CANCEL = "accept_cancel"
REJECT_CANCEL = "reject_cancel"
ACTIONS: tuple[str, ...] = (CANCEL, REFUND, ADDRESS, DUPLICATE, ACCEPT_CANCEL, REJECT_CANCEL)


def iso_z(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with a "Z", as every ``--json`` time is written."""
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def money_text(amount: Decimal | None) -> str | None:
    """An amount as exact text (``"250000.00"``): JSON numbers would round it."""
    return str(amount) if amount is not None else None


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One line of a parcel's history, as the carrier (via the platform) wrote it."""

    at: datetime | None
    text: str

    def to_json(self) -> dict[str, Any]:
        """``{at, text}``."""
        return {"at": iso_z(self.at), "text": self.text}


@dataclass(frozen=True, slots=True)
class Parcel:
    """One shipment of an order: the carrier's number and page, its state, its history."""

    number: str
    url: str = ""
    company: str = ""
    status: str = ""  # the carrier's/platform's latest word, e.g. "In transit"
    events: tuple[TrackingEvent, ...] = ()  # newest first

    def to_json(self) -> dict[str, Any]:
        """``{number, url, company, status, events}``."""
        return {
            "number": self.number,
            "url": self.url,
            "company": self.company,
            "status": self.status,
            "events": [event.to_json() for event in self.events],
        }


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One line of an order."""

    title: str
    quantity: int
    sku: str = ""
    price: Decimal | None = None  # unit price in the order's currency
    id: str = ""  # the platform's line id (refunds and partial cancels name it)

    def to_json(self) -> dict[str, Any]:
        """``{title, sku, quantity, price}`` (+ ``id`` when the platform has one)."""
        out: dict[str, Any] = {
            "title": self.title,
            "sku": self.sku,
            "quantity": self.quantity,
            "price": money_text(self.price),
        }
        if self.id:
            out["id"] = self.id
        return out


@dataclass(frozen=True, slots=True)
class OrderReturn:
    """A return, refund or cancellation request on an order, as the platform tracks it."""

    id: str
    status: str  # the platform's words, e.g. "REQUESTED", "REFUND_PAID"
    reason: str = ""
    amount: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        """``{id, status, reason, amount}``."""
        return {
            "id": self.id,
            "status": self.status,
            "reason": self.reason,
            "amount": money_text(self.amount),
        }


@dataclass(frozen=True, slots=True)
class PlatformOrder:
    """One order of any platform, normalised; ``raw`` keeps the API's own JSON."""

    platform: str  # one of PLATFORMS
    id: str  # the platform's order id (Shopify: the numeric id of its GID)
    name: str  # what the buyer quotes: Shopify "#1042"; marketplaces: the order id
    created_at: datetime  # aware UTC
    status: str  # one of STATUSES
    platform_status: str  # the platform's own status word, e.g. "READY_TO_SHIP"
    total: Decimal
    currency: str  # ISO 4217
    buyer_id: str = ""  # the marketplace buyer id (a chat customer's BUYER identity)
    email: str = ""  # lower-cased; "" when the platform hides it
    updated_at: datetime | None = None  # the platform's last change (refresh skips unchanged)
    financial_status: str = ""  # lower snake case: "paid", "refunded", "pending", ...
    fulfillment_status: str = ""  # lower snake case: "unfulfilled", "fulfilled", ...
    status_url: str = ""  # the buyer's (or seller centre's) page for the order
    items: tuple[OrderItem, ...] = ()
    tracking: tuple[Parcel, ...] = ()
    returns: tuple[OrderReturn, ...] = ()
    actions: tuple[str, ...] = ()  # of ACTIONS, allowed now
    shipping_address: Mapping[str, str] = field(default_factory=dict, compare=False)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self, store: str) -> dict[str, Any]:
        """The ``orders[]`` object of ``show --json`` for this order of ``store`` (the
        Shopify store's or the marketplace channel's configured name)."""
        return {
            "platform": self.platform,
            "store": store,
            "id": self.id,
            "name": self.name,
            "created_at": iso_z(self.created_at),
            "status": self.status,
            "platform_status": self.platform_status,
            "financial_status": self.financial_status,
            "fulfillment_status": self.fulfillment_status,
            "total": money_text(self.total),
            "currency": self.currency,
            "status_url": self.status_url,
            "tracking": [parcel.to_json() for parcel in self.tracking],
            "items": [item.to_json() for item in self.items],
            "returns": [entry.to_json() for entry in self.returns],
            "actions": list(self.actions),
        }


@dataclass(frozen=True, slots=True)
class ListedOrder:
    """One order as a changed-orders listing names it: the id and, where the listing tells,
    the order's last change or its platform status (a pass skips an order whose cached row
    says the same)."""

    id: str
    updated_at: datetime | None = None  # the platform's last change, when the listing has it
    status: str = ""  # the platform's status word, when the listing has it (Shopee)


class ActionRefused(ChannelError):
    """The platform refused an order action (cancel a shipped order, refund more than was
    paid): one plain sentence with the platform's reason. Nothing happened; never retried."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class MarketplaceOrders(Protocol):
    """What a marketplace order adapter does (TikTok Shop, Shopee, Lazada).

    Errors: ``ActionRefused`` when the platform says no; ``ChannelError`` (transient) for
    a timeout, a 5xx or a dropped connection — the caller then reads the order back to
    learn whether an action happened before it ever retries; ``ChannelAuthError`` for
    credentials. ``requests`` counts HTTP calls made (the bench reports them).
    """

    platform: str

    @property
    def requests(self) -> int:
        """HTTP requests made so far."""
        ...

    def changed_orders(self, since: datetime, until: datetime) -> list[ListedOrder]:
        """The orders created or updated in ``[since, until]``, every page, within the
        platform's documented time windows (Shopee: 15 days per call), each with what the
        listing tells of its last change."""
        ...

    def changed_order_ids(self, since: datetime, until: datetime) -> list[str]:
        """Ids of the orders created or updated in ``[since, until]``, every page, within
        the platform's documented time windows (Shopee: 15 days per call)."""
        ...

    def orders(self, ids: Sequence[str]) -> list[PlatformOrder]:
        """Full orders for ``ids`` (detail, items, tracking with events, returns, the
        actions allowed now), batched as the API allows (Shopee: 50 per call). Unknown
        ids are left out."""
        ...

    def buyer_order_ids(self, buyer_id: str, since: datetime) -> list[str] | None:
        """Ids of one buyer's orders since ``since`` when the platform filters its listing
        by buyer (TikTok Shop); None when it cannot (then the changed-orders listing
        finds them)."""
        ...

    def cancel(self, order_id: str, reason: str, *, idempotency_key: str) -> None:
        """The seller cancels the order (Lazada: after its validate call)."""
        ...

    def answer_cancellation(self, order_id: str, accept: bool) -> None:
        """Accept or reject the buyer's cancellation request on the order."""
        ...

    def close(self) -> None:
        """Release the HTTP client."""
        ...


DRAFT = "{draft}"  # in a duplicate's note: the draft's name, known once it exists


@dataclass(frozen=True)
class ActionRequest:
    """What a person asked for; each kind reads only its own fields."""

    kind: str
    reason: str = ""  # cancel
    refund: bool = True  # Shopify cancel: give back what was paid
    restock: bool = True  # Shopify cancel and refund
    notify: bool = True  # Shopify: email the customer
    amount: Decimal | None = None  # refund: this much (else the lines' worth, or all)
    items: tuple[tuple[str, int], ...] = ()  # refund: (SKU or line id, quantity)
    shipping: Decimal | bool | None = None  # refund: an amount or True (all of it)
    fields: Mapping[str, str] = field(default_factory=dict)  # address: FIELD -> VALUE


@dataclass(frozen=True)
class ActionPlan:
    """Exactly what will be sent, in words (``steps``) and as the recorded ``params``;
    ``note`` is left on the ticket once it is done."""

    kind: str
    store: str
    order_id: str
    order_name: str
    params: dict[str, Any]
    steps: tuple[str, ...]
    note: str

    def recorded(self) -> dict[str, Any]:
        """The params as recorded: the plan's words ride along, so a later run that
        settles this action shows what was confirmed."""
        return self.params | {"steps": list(self.steps), "note": self.note}


def note_for(note: str, result: Mapping[str, Any]) -> str:
    """The ticket note once done (a duplicate's draft name filled in)."""
    return note.replace(DRAFT, str(result.get("draft_name") or "a draft order"))

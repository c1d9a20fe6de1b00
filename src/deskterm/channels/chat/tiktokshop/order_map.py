"""TikTok Shop order JSON (Order API detail, tracking, cancellations, returns) -> PlatformOrder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from deskterm.domain.orders import (
    ACCEPT_CANCEL,
    CANCEL,
    CANCELLED,
    COMPLETED,
    DELIVERED,
    REJECT_CANCEL,
    RETURNED,
    RETURNING,
    SHIPPED,
    TO_SHIP,
    UNPAID,
    OrderItem,
    OrderReturn,
    Parcel,
    PlatformOrder,
    TrackingEvent,
)

# Every ``status`` of Get Order Detail (marketplace-docs/tiktokshop/get-order-detail.spec.json,
# the same list as get-order-list.spec.json) -> ours:
#   UNPAID              -> unpaid     placed, payment not completed
#   ON_HOLD             -> to_ship    accepted and paid (pre-orders: authorised later), not shipped
#   AWAITING_SHIPMENT   -> to_ship    ready to ship, nothing shipped yet
#   AWAITING_COLLECTION -> to_ship    label arranged but the carrier has not collected it:
#                                     not with the carrier yet (though no longer cancellable)
#   PARTIALLY_SHIPPING  -> shipped    some items are with the carrier already
#   IN_TRANSIT          -> shipped    collected by the carrier
#   DELIVERED           -> delivered  delivered; the buyer may still return
#   COMPLETED           -> completed  "no further returns or refunds are allowed"
#   CANCELLED           -> cancelled
# A return open on the order (search-returns.spec.json) makes it "returning"; one refunded
# and closed makes it "returned": the order's own status does not say so.
STATUS_MAP: dict[str, str] = {
    "UNPAID": UNPAID,
    "ON_HOLD": TO_SHIP,
    "AWAITING_SHIPMENT": TO_SHIP,
    "AWAITING_COLLECTION": TO_SHIP,
    "PARTIALLY_SHIPPING": SHIPPED,
    "IN_TRANSIT": SHIPPED,
    "DELIVERED": DELIVERED,
    "COMPLETED": COMPLETED,
    "CANCELLED": CANCELLED,
}

# The statuses a seller may cancel in: the "Seller Initiates Cancel Reason" tables of
# cancel-reasons.json list reasons for UNPAID, ON_HOLD and AWAITING_SHIPMENT only.
SELLER_CANCELLABLE = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"})
# Where a return may exist (returns come after shipping; before it a buyer cancels instead).
AFTER_SHIPPING = frozenset({"PARTIALLY_SHIPPING", "IN_TRANSIT", "DELIVERED", "COMPLETED"})

# search-returns.spec.json ``return_status``: still open vs refunded and closed.
RETURN_OPEN = frozenset(
    {
        "RETURN_OR_REFUND_REQUEST_PENDING",
        "AWAITING_BUYER_SHIP",
        "BUYER_SHIPPED_ITEM",
        "AWAITING_BUYER_RESPONSE",
        "REPLACEMENT_REQUEST_PENDING",
    }
)
RETURN_REFUNDED = frozenset(
    {"RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_OR_REFUND_REQUEST_COMPLETE"}
)
CANCEL_PENDING = "CANCELLATION_REQUEST_PENDING"


def money(value: Any) -> Decimal | None:
    """The API's decimal strings as Decimal (never through float)."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def moment(value: Any, *, millis: bool = False) -> datetime | None:
    """A Unix timestamp (seconds, or milliseconds for tracking) as aware UTC."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    if number <= 0:
        return None
    return datetime.fromtimestamp(number / 1000 if millis else number, UTC)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def items(raw: Mapping[str, Any]) -> tuple[OrderItem, ...]:
    """Line items grouped per SKU and price: TikTok Shop sends one line item per unit."""
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for line in raw.get("line_items") or []:
        if isinstance(line, Mapping):
            key = (_text(line.get("sku_id")), _text(line.get("sale_price")))
            grouped.setdefault(key, []).append(line)
    out: list[OrderItem] = []
    for lines in grouped.values():
        first = lines[0]
        title = _text(first.get("product_name"))
        variant = _text(first.get("sku_name"))
        out.append(
            OrderItem(
                title=f"{title} ({variant})" if variant and variant != title else title,
                quantity=len(lines),
                sku=_text(first.get("seller_sku")) or _text(first.get("sku_id")),
                price=money(first.get("sale_price")),
                id=",".join(_text(line.get("id")) for line in lines),
            )
        )
    return tuple(out)


def parcels(raw: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> tuple[Parcel, ...]:
    """One parcel per tracking number; Get Tracking's events (per order) go with the order's."""
    history = sorted(
        (
            TrackingEvent(
                moment(e.get("update_time_millis"), millis=True),
                _text(e.get("description")).strip(),
            )
            for e in events
        ),
        key=lambda e: e.at or datetime.min.replace(tzinfo=UTC),
        reverse=True,  # newest first
    )
    main = _text(raw.get("tracking_number"))
    company = _text(raw.get("shipping_provider"))
    numbers: dict[str, str] = {}
    if main:
        numbers[main] = company
    for line in raw.get("line_items") or []:
        if isinstance(line, Mapping) and line.get("tracking_number"):
            number = _text(line["tracking_number"])
            numbers.setdefault(number, _text(line.get("shipping_provider_name")) or company)
    return tuple(
        Parcel(
            number=number,
            company=provider,
            status=history[0].text if number == main and history else "",
            events=tuple(history) if number == main else (),
        )
        for number, provider in numbers.items()
    )


def to_return(raw: Mapping[str, Any]) -> OrderReturn:
    """A search-returns ``return_orders[]`` entry."""
    amount = raw.get("refund_amount")
    return OrderReturn(
        id=_text(raw.get("return_id")),
        status=_text(raw.get("return_status")),
        reason=_text(raw.get("return_reason_text")) or _text(raw.get("return_reason")),
        amount=money(amount.get("refund_total")) if isinstance(amount, Mapping) else None,
    )


def to_cancellation(raw: Mapping[str, Any]) -> OrderReturn:
    """A search-cancellations ``cancellations[]`` entry (a buyer's request or a done cancel)."""
    amount = raw.get("refund_amount")
    return OrderReturn(
        id=_text(raw.get("cancel_id")),
        status=_text(raw.get("cancel_status")),
        reason=_text(raw.get("cancel_reason_text")) or _text(raw.get("cancel_reason")),
        amount=money(amount.get("refund_total")) if isinstance(amount, Mapping) else None,
    )


def pending_buyer_cancel(cancellations: Sequence[Mapping[str, Any]]) -> str:
    """The cancel_id of the buyer's cancellation request still awaiting the seller, or ""."""
    for raw in cancellations:
        if raw.get("cancel_status") == CANCEL_PENDING and raw.get("role") == "BUYER":
            return _text(raw.get("cancel_id"))
    return ""


def status_of(platform_status: str, returns: Sequence[Mapping[str, Any]]) -> str:
    """Ours, from the order's status and its returns (an open return wins, then a refunded one)."""
    states = {_text(r.get("return_status")) for r in returns}
    if states & RETURN_OPEN:
        return RETURNING
    if states & RETURN_REFUNDED:
        return RETURNED
    return STATUS_MAP.get(platform_status, TO_SHIP if platform_status else UNPAID)


def actions_of(
    platform_status: str, raw: Mapping[str, Any], cancellations: Sequence[Mapping[str, Any]]
) -> tuple[str, ...]:
    """What the seller may do now: cancel before shipping (not while the buyer's own request
    waits: the docs' 25001011), or answer the buyer's pending request."""
    if pending_buyer_cancel(cancellations):
        return (ACCEPT_CANCEL, REJECT_CANCEL)
    if platform_status in SELLER_CANCELLABLE and not raw.get("is_buyer_request_cancel"):
        return (CANCEL,)
    return ()


def _financial(status: str, raw: Mapping[str, Any]) -> str:
    if status == UNPAID:
        return "pending"
    if status == RETURNED:
        return "refunded"
    if status == CANCELLED:
        return "refunded" if raw.get("paid_time") else "voided"
    return "paid"


def _fulfillment(platform_status: str) -> str:
    if platform_status == "PARTIALLY_SHIPPING":
        return "partial"
    if platform_status in ("IN_TRANSIT", "DELIVERED", "COMPLETED"):
        return "fulfilled"
    return "unfulfilled"


def _address(raw: Mapping[str, Any]) -> dict[str, str]:
    address = raw.get("recipient_address")
    if not isinstance(address, Mapping):
        return {}  # the docs: not available while UNPAID or ON_HOLD
    keys = ("name", "phone_number", "full_address", "postal_code", "region_code")
    return {key: _text(address.get(key)) for key in keys if address.get(key)}


def to_order(
    raw: Mapping[str, Any],
    *,
    tracking: Sequence[Mapping[str, Any]] = (),
    cancellations: Sequence[Mapping[str, Any]] = (),
    returns: Sequence[Mapping[str, Any]] = (),
) -> PlatformOrder:
    """One Get Order Detail ``orders[]`` entry with its tracking, cancellations and returns."""
    platform_status = _text(raw.get("status"))
    payment = raw.get("payment")
    if not isinstance(payment, Mapping):
        payment = {}
    status = status_of(platform_status, returns)
    order_id = _text(raw.get("id"))
    return PlatformOrder(
        platform="tiktokshop",
        id=order_id,
        name=order_id,
        created_at=moment(raw.get("create_time")) or datetime.fromtimestamp(0, UTC),
        status=status,
        platform_status=platform_status,
        total=money(payment.get("total_amount")) or Decimal(0),
        currency=_text(payment.get("currency")),
        buyer_id=_text(raw.get("user_id")),
        email=_text(raw.get("buyer_email")).lower(),
        updated_at=moment(raw.get("update_time")),
        financial_status=_financial(status, raw),
        fulfillment_status=_fulfillment(platform_status),
        items=items(raw),
        tracking=parcels(raw, tracking),
        returns=tuple(to_cancellation(c) for c in cancellations)
        + tuple(to_return(r) for r in returns),
        actions=actions_of(platform_status, raw, cancellations),
        shipping_address=_address(raw),
        raw={
            "order": dict(raw),
            "tracking": list(tracking),
            "cancellations": list(cancellations),
            "returns": list(returns),
        },
    )

"""Shopee order JSON (get_order_detail, tracking, returns) mapped to the shared PlatformOrder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from deskterm.channels.chat.shopee.mapping import as_id, as_int, from_seconds
from deskterm.domain.money import to_decimal
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

# Every order_status Shopee documents, normalised. Source: get_order_list / get_order_detail
# (v2.order.get_order_list.json lists UNPAID/READY_TO_SHIP/PROCESSED/SHIPPED/COMPLETED/
# IN_CANCEL/CANCELLED/INVOICE_PENDING; request_order_status_pending adds PENDING) and the
# OrderStatus table of Shopee's "V2.0 Data Definition" page (v2.0-data-definition.json is
# only that page's index entry), which adds RETRY_SHIP, TO_CONFIRM_RECEIVE and TO_RETURN.
#
#   platform value       -> ours       why
#   PENDING              -> unpaid     Shopee is still checking the order (SYSTEM/KYC_PENDING):
#                                      not confirmed for shipping yet
#   UNPAID               -> unpaid     placed, not paid
#   INVOICE_PENDING      -> to_ship    paid; waits for the seller's invoice (BR) to ship
#   READY_TO_SHIP        -> to_ship    paid, the seller has to arrange shipment
#   PROCESSED            -> to_ship    shipment arranged, not yet picked up by the carrier
#   RETRY_SHIP           -> to_ship    the carrier's pickup failed; back with the seller
#   IN_CANCEL            -> to_ship    the buyer asked to cancel; until the seller answers
#                                      the order still waits to ship (see ``returns``)
#   SHIPPED              -> shipped    with the carrier (delivered once a package says
#                                      LOGISTICS_DELIVERY_DONE)
#   TO_CONFIRM_RECEIVE   -> delivered  delivered; Shopee waits for the buyer to confirm
#   COMPLETED            -> completed  closed by Shopee
#   CANCELLED            -> cancelled
#   TO_RETURN            -> returning  the buyer's return/refund is being processed
# A return (get_return_list) overrides the order's own word: an open one -> returning, a
# paid refund with nothing open -> returned.
STATUS_MAP: dict[str, str] = {
    "PENDING": UNPAID,
    "UNPAID": UNPAID,
    "INVOICE_PENDING": TO_SHIP,
    "READY_TO_SHIP": TO_SHIP,
    "PROCESSED": TO_SHIP,
    "RETRY_SHIP": TO_SHIP,
    "IN_CANCEL": TO_SHIP,
    "SHIPPED": SHIPPED,
    "TO_CONFIRM_RECEIVE": DELIVERED,
    "COMPLETED": COMPLETED,
    "CANCELLED": CANCELLED,
    "TO_RETURN": RETURNING,
}
# v2.order.cancel_order.json: "This action can only be performed before the order has been
# shipped." PENDING is Shopee's own check and IN_CANCEL is answered, not cancelled.
CANCELLABLE = frozenset({"UNPAID", "INVOICE_PENDING", "READY_TO_SHIP", "PROCESSED", "RETRY_SHIP"})
# v2.order.handle_buyer_cancellation.json: "The order status should be IN_CANCEL."
ANSWERABLE = frozenset({"IN_CANCEL"})
# Statuses whose packages have (or had) a tracking number worth asking for.
TRACKED = frozenset({"PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"})
# Statuses an order can carry a return in (after shipping; a refunded return may leave the
# order CANCELLED): only these make the adapter list returns.
RETURNABLE = frozenset({"SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN", "CANCELLED"})
DELIVERY_DONE = "LOGISTICS_DELIVERY_DONE"
# ReturnStatus (Data Definition): these still need someone to act; REFUND_PAID is done with
# the money back; CANCELLED and CLOSED ended without a refund.
OPEN_RETURNS = frozenset({"REQUESTED", "ACCEPTED", "PROCESSING", "JUDGING", "SELLER_DISPUTE"})
REFUNDED_RETURNS = frozenset({"REFUND_PAID"})
AFTER_SHIPPING = frozenset({SHIPPED, DELIVERED, COMPLETED, RETURNING, RETURNED})
CENT = Decimal("0.01")


def money(value: Any) -> Decimal | None:
    """An amount to the cent, exactly (Shopee's JSON floats become their shortest text)."""
    exact = to_decimal(value)
    return None if exact is None else exact.quantize(CENT)


def items(raw: Mapping[str, Any]) -> tuple[OrderItem, ...]:
    """``item_list``: one line per model; the id names item and model (cancel needs both)."""
    lines: list[OrderItem] = []
    for entry in raw.get("item_list") or []:
        if not isinstance(entry, dict):
            continue
        title = str(entry.get("item_name") or "")
        model = str(entry.get("model_name") or "")
        price = money(entry.get("model_discounted_price"))
        if not price:  # bundle deals report 0 here (get_order_detail docs)
            price = money(entry.get("model_original_price"))
        lines.append(
            OrderItem(
                title=f"{title} ({model})" if model else title,
                quantity=as_int(entry.get("model_quantity_purchased")),
                sku=str(entry.get("model_sku") or entry.get("item_sku") or ""),
                price=price,
                id=f"{as_id(entry.get('item_id'))}:{as_id(entry.get('model_id')) or '0'}",
            )
        )
    return tuple(lines)


def parcel(package: Mapping[str, Any], number: str, info: Mapping[str, Any]) -> Parcel:
    """One package with its tracking number and get_tracking_info's history, newest first."""
    events = [e for e in info.get("tracking_info") or [] if isinstance(e, dict)]
    events.sort(key=lambda e: as_int(e.get("update_time")), reverse=True)
    status = str(info.get("logistics_status") or package.get("logistics_status") or "")
    return Parcel(
        number=number,
        company=str(package.get("shipping_carrier") or ""),
        status=status,
        events=tuple(
            TrackingEvent(
                at=from_seconds(as_int(e["update_time"])) if e.get("update_time") else None,
                text=str(e.get("description") or e.get("logistics_status") or ""),
            )
            for e in events
        ),
    )


def order_returns(raw: Mapping[str, Any], found: Sequence[Mapping[str, Any]]) -> list[OrderReturn]:
    """The order's returns (get_return_list entries), plus a pending buyer cancellation."""
    entries = [
        OrderReturn(
            id=as_id(entry.get("return_sn")),
            status=str(entry.get("status") or ""),
            reason=str(entry.get("text_reason") or entry.get("reason") or ""),
            amount=money(entry.get("refund_amount")),
        )
        for entry in found
    ]
    if str(raw.get("order_status") or "") in ANSWERABLE:
        # Shopee keeps the buyer's cancellation request on the order itself, not as a return.
        reason = str(raw.get("buyer_cancel_reason") or "")
        entries.append(
            OrderReturn(
                id=f"cancel:{as_id(raw.get('order_sn'))}", status="IN_CANCEL", reason=reason
            )
        )
    return entries


def normalise(raw: Mapping[str, Any], returns: Sequence[OrderReturn]) -> str:
    """One of STATUSES for the order, from its status, its packages and its returns."""
    word = str(raw.get("order_status") or "")
    status = STATUS_MAP.get(word) or (TO_SHIP if raw.get("pay_time") else UNPAID)
    packages = [p for p in raw.get("package_list") or [] if isinstance(p, dict)]
    if status == SHIPPED and any(p.get("logistics_status") == DELIVERY_DONE for p in packages):
        status = DELIVERED
    states = {entry.status for entry in returns}
    if states & OPEN_RETURNS:
        return RETURNING
    if states & REFUNDED_RETURNS and status in AFTER_SHIPPING | {CANCELLED}:
        return RETURNED
    return status


def actions(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """What Shopee lets the seller do to the order now (cancel_order,
    handle_buyer_cancellation); Shopee has no seller refund, address or duplicate call."""
    word = str(raw.get("order_status") or "")
    if word in CANCELLABLE:
        return (CANCEL,)
    if word in ANSWERABLE:
        return (ACCEPT_CANCEL, REJECT_CANCEL)
    return ()


def order(
    raw: Mapping[str, Any],
    *,
    tracking: Sequence[Parcel] = (),
    returns: Sequence[Mapping[str, Any]] = (),
) -> PlatformOrder:
    """One get_order_detail entry with its parcels and returns as a PlatformOrder."""
    found = order_returns(raw, returns)
    status = normalise(raw, found)
    paid = bool(raw.get("pay_time"))
    financial = "refunded" if status == RETURNED else ("paid" if paid else "pending")
    fulfilled = status in AFTER_SHIPPING
    address = raw.get("recipient_address")
    updated = as_int(raw.get("update_time"))
    order_sn = as_id(raw.get("order_sn"))
    return PlatformOrder(
        platform="shopee",
        id=order_sn,
        name=order_sn,
        created_at=from_seconds(as_int(raw.get("create_time"))),
        status=status,
        platform_status=str(raw.get("order_status") or ""),
        total=money(raw.get("total_amount")) or Decimal("0.00"),
        currency=str(raw.get("currency") or ""),
        buyer_id=as_id(raw.get("buyer_user_id")),
        updated_at=from_seconds(updated) if updated else None,
        financial_status=financial,
        fulfillment_status="fulfilled" if fulfilled else "unfulfilled",
        items=items(raw),
        tracking=tuple(tracking),
        returns=tuple(found),
        actions=actions(raw),
        shipping_address=(
            {str(k): str(v) for k, v in address.items() if isinstance(v, str | int)}
            if isinstance(address, dict)
            else {}
        ),
        raw=raw,
    )

"""A Shopify order node (commerce/shopify.py ORDER_FIELDS) as the shared ``PlatformOrder``."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from deskterm.commerce.shopify import ShopifyClient, _get, _int, _nodes, _str
from deskterm.domain import orders as o
from deskterm.domain.errors import ChannelError
from deskterm.domain.timefmt import iso_moment

# How Shopify's words become our normalised status, first matching row wins:
#
# | Shopify                                                   | status    |
# |-----------------------------------------------------------|-----------|
# | cancelledAt set (or financial VOIDED)                     | cancelled |
# | returnStatus RETURN_REQUESTED / IN_PROGRESS               | returning |
# | returnStatus RETURNED / INSPECTION_COMPLETE               | returned  |
# | financial REFUNDED, something was fulfilled               | returned  |
# | fulfillment RESTOCKED                                     | returned  |
# | fulfilled, closed (archived) and every parcel delivered   | completed |
# | fulfilled and every parcel delivered                      | delivered |
# | fulfillment FULFILLED / PARTIALLY_FULFILLED               | shipped   |
# | financial PENDING / AUTHORIZED / PARTIALLY_PAID / EXPIRED | unpaid    |
# | anything else not yet fulfilled (UNFULFILLED, ON_HOLD...) | to_ship   |
#
# A refund that is not the whole order (PARTIALLY_REFUNDED) does not end it: the fulfillment
# decides. ``platform_status`` keeps Shopify's own words ("PAID/FULFILLED", "+RETURN_REQUESTED").
_RETURNING = ("RETURN_REQUESTED", "IN_PROGRESS")
_RETURNED = ("RETURNED", "INSPECTION_COMPLETE")
_FULFILLED = ("FULFILLED", "PARTIALLY_FULFILLED")
_UNPAID = ("PENDING", "AUTHORIZED", "PARTIALLY_PAID", "EXPIRED")
# What a refund can still give back: something was paid and not all of it returned.
_REFUNDABLE = ("PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED")


def numeric_id(gid: str) -> str:
    """``gid://shopify/Order/5600000001`` -> ``5600000001`` (a bare id stays as it is)."""
    return gid.rsplit("/", 1)[-1]


def order_gid(order_id: str) -> str:
    """The Order GID for a numeric id (a GID stays as it is)."""
    return order_id if order_id.startswith("gid://") else f"gid://shopify/Order/{order_id}"


def normalised_status(node: Mapping[str, Any]) -> str:
    """The table above."""
    financial = _str(node.get("displayFinancialStatus")).upper()
    fulfillment = _str(node.get("displayFulfillmentStatus")).upper()
    returns = _str(node.get("returnStatus")).upper()
    if node.get("cancelledAt") or financial == "VOIDED":
        return o.CANCELLED
    if returns in _RETURNING:
        return o.RETURNING
    if returns in _RETURNED or fulfillment == "RESTOCKED":
        return o.RETURNED
    if financial == "REFUNDED" and fulfillment in _FULFILLED:
        return o.RETURNED
    if fulfillment in _FULFILLED:
        parcels = [_str(f.get("displayStatus")).upper() for f in _nodes(node.get("fulfillments"))]
        delivered = fulfillment == "FULFILLED" and bool(parcels)
        delivered = delivered and all(p == "DELIVERED" for p in parcels)
        if delivered:
            return o.COMPLETED if node.get("closed") else o.DELIVERED
        return o.SHIPPED
    if financial in _UNPAID:
        return o.UNPAID
    return o.TO_SHIP


def allowed_actions(node: Mapping[str, Any]) -> tuple[str, ...]:
    """What Shopify lets a seller do to the order now (the issue's rules for Shopify)."""
    financial = _str(node.get("displayFinancialStatus")).upper()
    fulfillment = _str(node.get("displayFulfillmentStatus")).upper()
    cancelled = bool(node.get("cancelledAt"))
    open_to_change = not cancelled and fulfillment not in _FULFILLED
    actions: list[str] = []
    if open_to_change:
        actions.append(o.CANCEL)
    if financial in _REFUNDABLE:
        actions.append(o.REFUND)
    if open_to_change:
        actions.append(o.ADDRESS)
    actions.append(o.DUPLICATE)
    return tuple(actions)


def platform_order(node: Mapping[str, Any], *, label: str = "shopify") -> o.PlatformOrder:
    """Map one Order node (ORDER_FIELDS) to ``PlatformOrder``; ``label`` names the store in
    errors. ChannelError (not transient) when the node lacks a valid id, time or total."""
    money = _get(node, "totalPriceSet", "shopMoney")
    customer = node.get("customer")
    customer_email = customer.get("email") if isinstance(customer, Mapping) else None
    name = _str(node.get("name"))
    financial = _str(node.get("displayFinancialStatus")).upper()
    fulfillment = _str(node.get("displayFulfillmentStatus")).upper()
    words = [financial or "-", fulfillment or "-"]
    returns = _str(node.get("returnStatus")).upper()
    if returns and returns != "NO_RETURN":
        words.append(returns)
    platform_status = "/".join(words) + (" CANCELLED" if node.get("cancelledAt") else "")
    gid = _str(node.get("id"))
    if not gid:
        raise ChannelError(f"{label}: Shopify order {name} has no id", transient=False)
    total = _amount(money.get("amount"))
    if total is None:
        raise ChannelError(f"{label}: Shopify order {name} has no valid total", transient=False)
    created = iso_moment(node.get("createdAt"))
    if created is None:
        raise ChannelError(f"{label}: Shopify order {name} has no valid createdAt", transient=False)
    return o.PlatformOrder(
        platform="shopify",
        id=numeric_id(gid),
        name=name,
        created_at=created,
        status=normalised_status(node),
        platform_status=platform_status,
        total=total,
        currency=_str(money.get("currencyCode")),
        email=_str(node.get("email") or customer_email).strip().lower(),
        updated_at=iso_moment(node.get("updatedAt")),
        financial_status=financial.lower(),
        fulfillment_status=fulfillment.lower(),
        status_url=_str(node.get("statusPageUrl")),
        items=tuple(_item(line) for line in _nodes(node.get("lineItems"))),
        tracking=_parcels(node.get("fulfillments")),
        returns=_returns(node),
        actions=allowed_actions(node),
        shipping_address={
            key: _str(value)
            for key, value in _get(node, "shippingAddress").items()
            if value is not None
        },
        raw=dict(node),
    )


def platform_orders_for_email(
    client: ShopifyClient, email: str, first: int = 10
) -> list[o.PlatformOrder]:
    """The customer's recent orders as ``PlatformOrder`` (the same one query as the cache's)."""
    return [
        platform_order(order.raw, label=client.label)
        for order in client.orders_for_email(email, first)
    ]


def _item(line: Mapping[str, Any]) -> o.OrderItem:
    return o.OrderItem(
        title=_str(line.get("title")),
        quantity=_int(line.get("quantity")),
        sku=_str(line.get("sku")),
        price=_amount(_get(line, "originalUnitPriceSet", "shopMoney").get("amount")),
        id=numeric_id(_str(line.get("id"))),
    )


def _parcels(fulfillments: Any) -> tuple[o.Parcel, ...]:
    found: dict[tuple[str, str], o.Parcel] = {}
    for fulfillment in _nodes(fulfillments):
        status = _str(fulfillment.get("displayStatus")).replace("_", " ").capitalize()
        for info in _nodes(fulfillment.get("trackingInfo")):
            number, url = _str(info.get("number")), _str(info.get("url"))
            if number or url:
                parcel = o.Parcel(number, url, _str(info.get("company")), status)
                found.setdefault((number, url), parcel)
    return tuple(found.values())


def _returns(node: Mapping[str, Any]) -> tuple[o.OrderReturn, ...]:
    """The order's return state (when a return exists), then the refunds made."""
    state = _str(node.get("returnStatus")).upper()
    entries = [o.OrderReturn("", state)] if state and state != "NO_RETURN" else []
    entries += [
        o.OrderReturn(
            numeric_id(_str(refund.get("id"))),
            "REFUNDED",
            _str(refund.get("note")),
            _amount(_get(refund, "totalRefundedSet", "shopMoney").get("amount")),
        )
        for refund in _nodes(node.get("refunds"))
    ]
    return tuple(entries)


def _amount(value: Any) -> Decimal | None:
    # Shopify's Decimal scalar is a string; going through float would lose cents.
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None

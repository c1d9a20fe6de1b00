"""Lazada orders, items, parcel traces and reverse orders as one PlatformOrder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from deskterm.channels.chat.lazada.mapping import as_int, from_ms
from deskterm.domain import orders as o

# Every item status the copied docs name (getorders.json: the ``status`` filter, error 6's
# list and the ``statuses`` demo), normalised. Lazada keeps a status per order ITEM; the
# order's ``statuses`` is their set. platform value -> ours, why:
STATUS: dict[str, str] = {
    "unpaid": o.UNPAID,  # placed, payment not received
    "pending": o.TO_SHIP,  # paid (or COD), the seller has not packed it yet
    "topack": o.TO_SHIP,  # the status filter's word for pending
    "packed": o.TO_SHIP,  # packed, no carrier yet
    "repacked": o.TO_SHIP,  # packed again after a package change
    "toship": o.TO_SHIP,  # the status filter's word for ready_to_ship
    "ready_to_ship_pending": o.TO_SHIP,  # RTS requested, carrier not assigned yet
    "ready_to_ship": o.TO_SHIP,  # waiting for pick-up: not with the carrier yet
    "shipping": o.SHIPPED,  # with the carrier
    "shipped": o.SHIPPED,  # with the carrier
    "failed_delivery": o.SHIPPED,  # an attempt failed; still with the carrier
    "delivered": o.DELIVERED,  # the buyer may still open a return
    "confirmed": o.COMPLETED,  # buyer confirmed receipt (Lazada's word; not in these docs)
    "canceled": o.CANCELLED,
    "failed": o.CANCELLED,  # delivery failed for good: the order closed undelivered
    "lost": o.CANCELLED,  # closed undelivered; Lazada refunds the buyer
    "lost_by_3pl": o.CANCELLED,  # the carrier lost it: closed undelivered
    "damaged_by_3pl": o.CANCELLED,  # the carrier damaged it: closed undelivered
    "package_scrapped": o.CANCELLED,  # the parcel was destroyed: closed undelivered
    "shipped_back": o.RETURNING,  # on its way back to the seller
    "shipped_back_failed": o.RETURNING,  # the way back failed: still open
    "shipped_back_success": o.RETURNED,  # back at the seller, buyer refunded
    "returned": o.RETURNED,  # returned and refunded
}
# Which normalised status speaks for an order whose items differ (a partial cancel, a
# return on one line): an open return first, then the least advanced live line.
PRIORITY = (
    o.RETURNING,
    o.UNPAID,
    o.TO_SHIP,
    o.SHIPPED,
    o.DELIVERED,
    o.COMPLETED,
    o.RETURNED,
    o.CANCELLED,
)
# "Only order items with the Pending ~ Ready To Ship status can be cancelled"
# (order-cancellation.json, ordercancelvalidate.json).
CANCELLABLE = frozenset(
    {"pending", "topack", "packed", "repacked", "toship", "ready_to_ship_pending", "ready_to_ship"}
)
# GetOrderTrace "is only available in the state after ready to ship" (getordertrace.json).
TRACEABLE = frozenset(
    status for status, ours in STATUS.items() if ours not in (o.UNPAID, o.TO_SHIP)
) - {"canceled"}
# Reverse order statuses that end a request (getreverseorderdetail.json lists
# REQUEST_INITIATE;REQUEST_REJECT;REQUEST_CANCEL;CANCEL_SUCCESS; REFUND_SUCCESS is the
# seller centre's word for a finished refund). Anything else is still open.
CLOSED_REVERSE = frozenset({"REQUEST_REJECT", "REQUEST_CANCEL", "CANCEL_SUCCESS", "REFUND_SUCCESS"})
REFUNDS = frozenset({"RETURN", "ONLY_REFUND"})  # request_type; CANCEL is a cancellation
# Lazada has no payment or fulfilment field of its own: both follow from the status.
FINANCIAL = {o.UNPAID: "pending", o.RETURNED: "refunded", o.CANCELLED: "voided"}
FULFILMENT = {
    o.UNPAID: "unfulfilled",
    o.TO_SHIP: "unfulfilled",
    o.SHIPPED: "fulfilled",
    o.DELIVERED: "fulfilled",
    o.COMPLETED: "fulfilled",
}
# Gateway -> currency, for an order whose items carry none.
CURRENCIES = {
    ".co.id": "IDR",
    ".sg": "SGD",
    ".com.my": "MYR",
    ".co.th": "THB",
    ".vn": "VND",
    ".com.ph": "PHP",
}


def money(value: Any) -> Decimal:
    """Lazada's amount strings ("106.00") exactly; junk and "null" count as zero."""
    try:
        return Decimal(str(value).replace(",", "").strip() or "0")
    except InvalidOperation:
        return Decimal(0)


def cents(value: Any, currency: str) -> Decimal:
    """Reverse order amounts are "in cent, except VN" (getreverseordersforseller.json)."""
    amount = money(value)
    return amount if currency == "VND" else (amount / 100).quantize(Decimal("0.01"))


def when(value: Any) -> datetime | None:
    """Any of Lazada's time forms as aware UTC: milliseconds, "2018-02-09T22:44:30+08:00"
    (GetOrders) or "2014-10-15 18:36:05 +0800" (GetOrder, GetOrderItems)."""
    text = str(value or "").strip()
    if not text or text == "null":
        return None
    if text.isdigit():
        return from_ms(text)
    for shape in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S%z"):
        try:
            return datetime.strptime(text, shape).astimezone(UTC)
        except ValueError:
            continue
    return None


def truthy(value: Any) -> bool:
    """Lazada's booleans arrive as true/"true"/"True"/"1"."""
    return str(value).strip().lower() in ("true", "1")


def currency_for(items: Sequence[Mapping[str, Any]], base_url: str) -> str:
    """The items' ISO 4217 code, else the gateway's country's."""
    for item in items:
        if item.get("currency"):
            return str(item["currency"]).upper()
    host = base_url.split("//", 1)[-1].split("/", 1)[0]
    return next((code for end, code in CURRENCIES.items() if host.endswith(end)), "")


def normalise(item_statuses: Iterable[str], returns: Sequence[Mapping[str, Any]]) -> str:
    """One of STATUSES for an order from its item statuses and its reverse orders."""
    statuses = {str(status).lower() for status in item_statuses}
    ours = {STATUS.get(status, o.TO_SHIP) for status in statuses}
    if len(ours) > 1:
        ours.discard(o.CANCELLED)  # a cancelled line does not speak for the live ones
    refund_open = any(
        str(entry.get("request_type")) in REFUNDS and _open(entry) for entry in returns
    )
    if refund_open and not ours & {o.RETURNED}:
        return o.RETURNING
    return next((status for status in PRIORITY if status in ours), o.TO_SHIP)


def _open(entry: Mapping[str, Any]) -> bool:
    lines = entry.get("reverse_order_lines") or []
    return any(str(line.get("reverse_status")) not in CLOSED_REVERSE for line in lines)


def cancel_request(items: Sequence[Mapping[str, Any]]) -> str:
    """The reverse order id of a buyer's cancellation waiting for the seller, or ""."""
    for item in items:
        if truthy(item.get("need_cancel_confirm")) and as_int(item.get("reverse_order_id")):
            return str(item["reverse_order_id"])
    return ""


def actions(items: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """What Lazada lets the seller do now: answer a buyer's cancellation while one waits
    (InitReverseOrderCancelDecide), else cancel while a line is Pending ~ Ready To Ship.
    Lazada has no seller refund, address edit or re-order API."""
    if cancel_request(items):
        return (o.ACCEPT_CANCEL, o.REJECT_CANCEL)
    if any(str(item.get("status")).lower() in CANCELLABLE for item in items):
        return (o.CANCEL,)
    return ()


def order_items(items: Sequence[Mapping[str, Any]]) -> tuple[o.OrderItem, ...]:
    """Lazada lists one order item per unit bought: one line each, quantity 1."""
    return tuple(
        o.OrderItem(
            title=str(item.get("name") or ""),
            quantity=1,
            sku=str(item.get("sku") or item.get("shop_sku") or ""),
            price=money(item.get("item_price")),
            id=str(item.get("order_item_id") or ""),
        )
        for item in items
    )


def parcels(
    items: Sequence[Mapping[str, Any]], trace: Mapping[str, Any] | None
) -> tuple[o.Parcel, ...]:
    """Tracking numbers from the items, with GetOrderTrace's events where it was asked."""
    companies: dict[str, str] = {}
    for item in items:
        number = str(item.get("tracking_code") or "")
        if number:
            companies.setdefault(number, str(item.get("shipment_provider") or ""))
    traced: dict[str, tuple[str, tuple[o.TrackingEvent, ...]]] = {}  # latest title, events
    for module in (trace or {}).get("module") or []:
        for package in module.get("package_detail_info_list") or []:
            number = str(package.get("tracking_number") or "")
            raws = sorted(
                package.get("logistic_detail_info_list") or [],
                key=lambda raw: as_int(raw.get("event_time")),
                reverse=True,
            )
            if number:
                latest = str(raws[0].get("title") or "") if raws else ""
                traced[number] = (latest, tuple(_event(raw) for raw in raws))
                companies.setdefault(number, "")
    return tuple(
        o.Parcel(
            number=number,
            company=company,
            status=traced.get(number, ("", ()))[0],
            events=traced.get(number, ("", ()))[1],
        )
        for number, company in companies.items()
    )


def _event(raw: Mapping[str, Any]) -> o.TrackingEvent:
    title, description = str(raw.get("title") or ""), str(raw.get("description") or "")
    text = f"{title}: {description}" if title and description else title or description
    return o.TrackingEvent(at=when(raw.get("event_time")), text=text)


def returns(entries: Sequence[Mapping[str, Any]], currency: str) -> tuple[o.OrderReturn, ...]:
    """GetReverseOrdersForSeller items: one entry per reverse order, amounts summed."""
    found: list[o.OrderReturn] = []
    for entry in entries:
        lines = entry.get("reverse_order_lines") or []
        statuses = dict.fromkeys(str(line.get("reverse_status") or "") for line in lines)
        reasons = dict.fromkeys(str(line.get("reason_text") or "") for line in lines)
        kind = str(entry.get("request_type") or "").lower().replace("_", " ")
        reason = "; ".join(r for r in reasons if r)
        found.append(
            o.OrderReturn(
                id=str(entry.get("reverse_order_id") or ""),
                status=",".join(s for s in statuses if s),
                reason=f"{reason} ({kind})" if kind else reason,
                amount=sum(
                    (cents(line.get("refund_amount"), currency) for line in lines), Decimal(0)
                ),
            )
        )
    return tuple(found)


def _financial(status: str, payment_method: str) -> str:
    """Cash on delivery is paid when the parcel is delivered."""
    if payment_method.upper() == "COD" and status in (o.TO_SHIP, o.SHIPPED):
        return "pending"
    return FINANCIAL.get(status, "paid")


def platform_order(
    detail: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    trace: Mapping[str, Any] | None,
    reverse: Sequence[Mapping[str, Any]],
    *,
    base_url: str,
) -> o.PlatformOrder:
    """GetOrder's data, its GetMultipleOrderItems lines, its trace and reverse orders."""
    order_id = str(detail.get("order_id") or detail.get("order_number") or "")
    currency = currency_for(items, base_url)
    statuses = [str(s) for s in detail.get("statuses") or []] or [
        str(item.get("status") or "") for item in items
    ]
    statuses = list(dict.fromkeys(s for s in statuses if s))
    # "price ... excluding voucher and shipping_fee" (getorders.json): the buyer pays
    # price - voucher + shipping_fee.
    total = money(detail.get("price")) - money(detail.get("voucher"))
    total += money(detail.get("shipping_fee"))
    created = when(detail.get("created_at")) or from_ms(0)
    status = normalise(statuses, reverse)
    address = detail.get("address_shipping") or {}
    return o.PlatformOrder(
        platform="lazada",
        id=order_id,
        name=order_id,
        created_at=created,
        status=status,
        platform_status=",".join(statuses),
        total=total,
        currency=currency,
        buyer_id=next((str(i["buyer_id"]) for i in items if i.get("buyer_id")), ""),
        updated_at=when(detail.get("updated_at")),
        financial_status=_financial(status, str(detail.get("payment_method") or "")),
        fulfillment_status=FULFILMENT.get(status, ""),
        items=order_items(items),
        tracking=parcels(items, trace),
        returns=returns(reverse, currency),
        actions=actions(items),
        shipping_address={
            str(k): str(v) for k, v in address.items() if isinstance(v, str | int) and v
        },
        raw={"order": dict(detail), "items": list(items), "trace": trace, "reverse": reverse},
    )

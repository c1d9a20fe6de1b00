"""What a Shopify refund sends: lines, shipping and the money, planned from the order read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from deskterm.commerce.shopify import _get, _nodes, _str
from deskterm.commerce.shopify_orders import numeric_id
from deskterm.domain.orders import ActionRefused

_PAYMENTS = ("SALE", "CAPTURE")  # transactions that took the buyer's money


@dataclass(frozen=True, slots=True)
class RefundPlan:
    """The RefundInput fields (``refundLineItems``, ``shipping``, ``transactions``) and the
    money they give back."""

    input: dict[str, Any]
    amount: Decimal
    lines: tuple[tuple[str, int], ...] = ()  # (title, quantity) of each line refunded
    shipping: Decimal = Decimal(0)  # the shipping refunded
    restock: bool = False


def money(bag: Mapping[str, Any]) -> Decimal:
    """The shop amount of a MoneyBag, or of an object holding one as ``amountSet``."""
    source = _get(bag, "amountSet") if "amountSet" in bag else bag
    try:
        return Decimal(str(_get(source, "shopMoney").get("amount") or "0"))
    except ArithmeticError:
        return Decimal(0)


def plan_refund(
    node: Mapping[str, Any],
    *,
    amount: Decimal | None,
    items: Sequence[tuple[str, int]],
    shipping: Decimal | bool | None,
    restock: bool,
    label: str,
) -> RefundPlan:
    """Plan a refund of the order ``node`` (ORDER_QUERY's answer).

    ``items`` name lines by SKU or line id; ``shipping`` is an amount or True (all of it).
    Neither amount, items nor shipping: everything still refundable, every line, shipping.
    Without an ``amount`` the money is the lines' unit prices times quantities plus the
    shipping. Shopify moves money only through ``transactions`` against the payment, so the
    refund names the order's first successful sale or capture as its parent.
    """
    name = _str(node.get("name")) or numeric_id(_str(node.get("id")))
    fulfilled = _str(node.get("displayFulfillmentStatus")).upper() != "UNFULFILLED"
    # CANCEL for what never left the shop, RETURN for what comes back from the buyer.
    restock_type = ("RETURN" if fulfilled else "CANCEL") if restock else "NO_RESTOCK"
    lines = _nodes(node.get("lineItems"))
    full = amount is None and not items and shipping is None
    wanted = (
        [(line, int(line.get("refundableQuantity") or 0)) for line in lines]
        if full
        else [(_line(lines, ref, name, label), qty) for ref, qty in items]
    )
    refund_lines = [
        {"lineItemId": _str(line.get("id")), "quantity": qty, "restockType": restock_type}
        for line, qty in wanted
        if qty > 0
    ]
    paid = [
        t
        for t in _nodes(node.get("transactions"))
        if _str(t.get("kind")) in _PAYMENTS and _str(t.get("status")) == "SUCCESS"
    ]
    ship_input: dict[str, Any] | None = None
    ship_amount = Decimal(0)
    if full or shipping is True:
        ship_input = {"fullRefund": True}
        ship_amount = money(_get(node, "totalShippingPriceSet"))
    elif isinstance(shipping, Decimal):
        ship_input, ship_amount = {"amount": str(shipping)}, shipping
    if full:
        total = sum((money(t) for t in paid), Decimal(0)) - refunded(node)
    elif amount is not None:
        total = amount
    else:
        total = ship_amount + sum(
            (money(_get(line, "originalUnitPriceSet")) * qty for line, qty in wanted),
            Decimal(0),
        )
    if total > 0 and not paid:
        raise ActionRefused(f"{label}: nothing was paid on order {name} to refund")
    if total <= 0 and not refund_lines and (full or ship_input is None):
        raise ActionRefused(f"{label}: nothing is left to refund on order {name}")
    fields: dict[str, Any] = {"refundLineItems": refund_lines}
    if ship_input is not None:
        fields["shipping"] = ship_input
    if total > 0:
        parent = paid[0]
        fields["transactions"] = [
            {
                "orderId": _str(node.get("id")),
                "parentId": _str(parent.get("id")),
                "gateway": _str(parent.get("gateway")),
                "kind": "REFUND",
                "amount": str(total),
            }
        ]
    titles = tuple(
        (_str(line.get("title")) or _str(line.get("sku")) or "item", qty)
        for line, qty in wanted
        if qty > 0
    )
    return RefundPlan(
        fields, max(total, Decimal(0)), titles, ship_amount, restock and bool(refund_lines)
    )


def refunded(node: Mapping[str, Any]) -> Decimal:
    """The money refunded on the order so far (successful REFUND transactions)."""
    return sum(
        (
            money(t)
            for t in _nodes(node.get("transactions"))
            if _str(t.get("kind")) == "REFUND" and _str(t.get("status")) == "SUCCESS"
        ),
        Decimal(0),
    )


def _line(lines: list[Mapping[str, Any]], ref: str, name: str, label: str) -> Mapping[str, Any]:
    wanted = ref.strip()
    for line in lines:
        gid = _str(line.get("id"))
        if wanted in (gid, numeric_id(gid)) or (
            wanted and wanted.lower() == _str(line.get("sku")).lower()
        ):
            return line
    raise ActionRefused(f"{label}: order {name} has no line {wanted!r}")

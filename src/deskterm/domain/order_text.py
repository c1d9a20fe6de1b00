"""One cached order (the ``orders[]`` shape) in words: a one-line summary and every part of it."""

from __future__ import annotations

from typing import Any

from deskterm.domain.money import format_money
from deskterm.domain.text import one_line, terminal_safe


def _safe(value: Any, width: int = 80) -> str:
    return terminal_safe(one_line(str(value or ""), width))


def _when(iso: Any) -> str:
    """``2026-12-05T20:56:10.414000Z`` as ``2026-12-05 20:56 UTC``: minutes are what a
    person compares; the exact value stays in ``--json``."""
    text = str(iso or "")
    if len(text) < 16 or text[10] != "T":
        return _safe(text) or "-"
    return f"{text[:10]} {text[11:16]} UTC"


def money_words(amount: Any, currency: str) -> str:
    """An amount in the currency's own format (as written when it cannot be read)."""
    try:
        return format_money(str(amount), currency)
    except (ArithmeticError, ValueError):
        return f"{amount} {currency}".strip()


def order_line(order: dict[str, Any]) -> str:
    """``shopee-id:2512010ABC  to_ship  Rp129.000  2026-12-01  2 items``."""
    ref = f"{order['store']}:{order['id']}"
    items = sum(item.get("quantity") or 0 for item in order.get("items", []))
    parts = [
        _safe(ref, 40),
        _safe(order.get("name"), 20) if order.get("name") != order["id"] else "",
        _safe(order.get("status"), 12),
        money_words(order.get("total"), order.get("currency") or ""),
        (order.get("created_at") or "")[:10],
        f"{items} item{'s' if items != 1 else ''}",
    ]
    return "  ".join(part for part in parts if part)


def order_lines(order: dict[str, Any]) -> list[str]:
    """Every part of one order, for people: status, items, tracking with events, returns,
    what can be done now."""
    lines = [
        f"{_safe(order['store'])}:{_safe(order['id'])}  {_safe(order.get('name'))}"
        f"  ({_safe(order.get('platform'))})",
        f"status    {_safe(order.get('status'))} ({_safe(order.get('platform_status'))})",
        f"total     {money_words(order.get('total'), order.get('currency') or '')}"
        f"  paid: {_safe(order.get('financial_status')) or '-'}"
        f"  fulfilment: {_safe(order.get('fulfillment_status')) or '-'}",
        f"placed    {_when(order.get('created_at'))}",
    ]
    for item in order.get("items", []):
        price = item.get("price")
        each = f" at {money_words(price, order.get('currency') or '')}" if price else ""
        sku = f" [{_safe(item.get('sku'), 30)}]" if item.get("sku") else ""
        lines.append(
            f"item      {item.get('quantity')} x {_safe(item.get('title'), 60)}{sku}{each}"
        )
    for parcel in order.get("tracking", []):
        lines.append(
            f"tracking  {_safe(parcel.get('company'), 30)} {_safe(parcel.get('number'), 40)}"
            f"  {_safe(parcel.get('status'), 40)}  {_safe(parcel.get('url'), 100)}".rstrip()
        )
        for event in parcel.get("events", []):
            lines.append(f"          {_when(event.get('at'))}  {_safe(event.get('text'), 90)}")
    for entry in order.get("returns", []):
        amount = entry.get("amount")
        money = f" {money_words(amount, order.get('currency') or '')}" if amount else ""
        lines.append(
            f"return    {_safe(entry.get('id'), 30)} {_safe(entry.get('status'), 30)}"
            f"{money}  {_safe(entry.get('reason'), 60)}".rstrip()
        )
    actions = ", ".join(order.get("actions", [])) or "none"
    lines.append(f"actions   {actions}")
    if order.get("status_url"):
        lines.append(f"page      {_safe(order['status_url'], 200)}")
    lines.append(f"cached    {_when(order.get('fetched_at'))}")
    return lines


ACTION_WORDS: dict[str, str] = {
    "cancel": "Cancel the order",
    "refund": "Refund (all, an amount, items, shipping)",
    "address": "Edit the shipping address",
    "duplicate": "Duplicate as a draft order",
    "accept_cancel": "Accept the buyer's cancellation request",
    "reject_cancel": "Reject the buyer's cancellation request",
}
"""How the TUI's action menu names each action (domain.orders.ACTIONS)."""


ACTION_TITLES: dict[str, str] = {
    "cancel": "Cancel",
    "refund": "Refund",
    "address": "New shipping address",
    "duplicate": "Duplicate as a draft",
    "accept_cancel": "Accept the buyer's cancellation",
    "reject_cancel": "Reject the buyer's cancellation",
}
"""The confirmation screen's title for each action."""

"""``deskterm order list|show``: the orders beside a ticket, one order in full."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from deskterm.cli.context import CliContext
from deskterm.cli.output import note, print_json
from deskterm.domain.money import format_money
from deskterm.domain.text import one_line, terminal_safe


def cmd_order(ctx: CliContext, args: argparse.Namespace) -> int:
    """list / show, or one of the actions (cancel, refund, address, duplicate, ...)."""
    if args.order_action in ("list", "show"):
        return {"list": _list, "show": _show}[args.order_action](ctx, args)
    from deskterm.cli.order_actions import run_action

    return run_action(ctx, args)


def _list(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.store.order_lookup import ticket_orders

    orders = ticket_orders(ctx.read, args.ticket_id)
    if args.json:
        print_json(orders)
        return 0
    if not orders:
        note(f"No orders known for ticket {args.ticket_id}'s customer.")
        return 0
    for order in orders:
        sys.stdout.write(_line(order) + "\n")
    return 0


def _show(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.store.order_lookup import find_order

    order = find_order(ctx.read, args.ref)
    if args.json:
        print_json(order)
        return 0
    sys.stdout.write("\n".join(describe(order)) + "\n")
    return 0


def _safe(value: Any, width: int = 80) -> str:
    return terminal_safe(one_line(str(value or ""), width))


def _money(amount: Any, currency: str) -> str:
    try:
        return format_money(str(amount), currency)
    except (ArithmeticError, ValueError):
        return f"{amount} {currency}".strip()


def _line(order: dict[str, Any]) -> str:
    """``shopee-id:2512010ABC  to_ship  Rp129.000  2026-12-01  2 items``."""
    ref = f"{order['store']}:{order['id']}"
    items = sum(item.get("quantity") or 0 for item in order.get("items", []))
    parts = [
        _safe(ref, 40),
        _safe(order.get("name"), 20) if order.get("name") != order["id"] else "",
        _safe(order.get("status"), 12),
        _money(order.get("total"), order.get("currency") or ""),
        (order.get("created_at") or "")[:10],
        f"{items} item{'s' if items != 1 else ''}",
    ]
    return "  ".join(part for part in parts if part)


def describe(order: dict[str, Any]) -> list[str]:
    """Every part of one order, for people: status, items, tracking with events, returns,
    what can be done now."""
    lines = [
        f"{_safe(order['store'])}:{_safe(order['id'])}  {_safe(order.get('name'))}"
        f"  ({_safe(order.get('platform'))})",
        f"status    {_safe(order.get('status'))} ({_safe(order.get('platform_status'))})",
        f"total     {_money(order.get('total'), order.get('currency') or '')}"
        f"  paid: {_safe(order.get('financial_status')) or '-'}"
        f"  fulfilment: {_safe(order.get('fulfillment_status')) or '-'}",
        f"placed    {order.get('created_at') or '-'}",
    ]
    for item in order.get("items", []):
        price = item.get("price")
        each = f" at {_money(price, order.get('currency') or '')}" if price else ""
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
            lines.append(f"          {event.get('at') or ''}  {_safe(event.get('text'), 90)}")
    for entry in order.get("returns", []):
        amount = entry.get("amount")
        money = f" {_money(amount, order.get('currency') or '')}" if amount else ""
        lines.append(
            f"return    {_safe(entry.get('id'), 30)} {_safe(entry.get('status'), 30)}"
            f"{money}  {_safe(entry.get('reason'), 60)}".rstrip()
        )
    actions = ", ".join(order.get("actions", [])) or "none"
    lines.append(f"actions   {actions}")
    if order.get("status_url"):
        lines.append(f"page      {_safe(order['status_url'], 200)}")
    lines.append(f"cached    {order.get('fetched_at') or '-'}")
    return lines

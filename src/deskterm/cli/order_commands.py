"""``deskterm order list|show``: the orders beside a ticket, one order in full."""

from __future__ import annotations

import argparse
import sys

from deskterm.cli.context import CliContext
from deskterm.cli.output import note, print_json
from deskterm.domain.order_text import order_line, order_lines
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
        sys.stdout.write(order_line(order) + "\n")
    return 0


def _show(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.store.order_lookup import find_order, order_history

    order = find_order(ctx.read, args.ref)
    order["history"] = order_history(ctx.read, order["store"], order["id"])
    if args.json:
        print_json(order)
        return 0
    lines = order_lines(order)
    for entry in order["history"]:
        when = (entry["done_at"] or entry["created_at"] or "")[:16].replace("T", " ")
        error = f": {one_line(entry['error'], 100)}" if entry["error"] else ""
        by = one_line(entry["by"] or "-", 40)
        lines.append(f"action    {entry['kind']} {entry['state']} {when} by {by}{error}")
    sys.stdout.write("\n".join(terminal_safe(line) for line in lines) + "\n")
    return 0

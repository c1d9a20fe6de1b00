"""``deskterm customer``: show a customer across channels, link and unlink their identities."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from deskterm.cli.context import CliContext
from deskterm.cli.output import print_json
from deskterm.domain.customer_text import insight_lines
from deskterm.domain.money import format_money
from deskterm.domain.text import one_line
from deskterm.domain.timefmt import compact_age


def cmd_customer(ctx: CliContext, args: argparse.Namespace) -> int:
    """link / show / unlink."""
    action = {"link": _link, "show": _show, "unlink": _unlink}[args.customer_action]
    return action(ctx, args)


def _link(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.services import customers

    # Parse both before touching the store: a typo is a usage error, not a half-done link.
    customers.parse_handle(args.handle)
    customers.parse_handle(args.other)
    result = customers.link_handles(ctx.store, args.handle, args.other, ctx.actor())
    sys.stdout.write(one_line(result.describe()) + "\n")
    return 0


def _unlink(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.services import customers

    handle = customers.parse_handle(args.handle)
    if handle.kind is None:
        raise _usage(f"unlink takes an identity (e.g. shopee:123), not {handle.label}")
    customer_id = customers.find_customer(ctx.store, f"#{args.customer_id}")
    result = customers.unlink_identity(
        ctx.store, customer_id, handle.kind.value, handle.scope, handle.value, ctx.actor()
    )
    sys.stdout.write(one_line(result.describe()) + "\n")
    return 0


def _show(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.services import customers
    from deskterm.store.customer_reader import customer_context

    customer_id = customers.find_customer(ctx.store, args.handle)
    context = customer_context(ctx.read, customer_id, limit=args.limit)
    data: dict[str, Any] = {
        **context["customer"],
        "identities": [
            {
                "handle": customers.identity_label(i["kind"], i["scope"], i["value"]),
                **i,
            }
            for i in context["identities"]
        ],
        "tickets": context["tickets"],
        "ticket_count": context["ticket_count"],
        "orders": context["orders"],
        "order_count": context["order_count"],
        "total_spent": context["total_spent"],
        "insight": context["insight"],
    }
    if args.json:
        print_json(data)
    else:
        _print_customer(data)
    return 0


def _print_customer(data: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(f"Customer #{data['id']}: {one_line(data['name'] or '-')}\n")
    for identity in data["identities"]:
        channels = ", ".join(c["name"] for c in identity["channels"])
        out.write(f"  {one_line(identity['handle'])}")
        out.write(f"  ({one_line(channels)})\n" if channels else "\n")
    if data["note"]:
        out.write(f"Note: {one_line(data['note'])}\n")
    out.write(f"Tickets: {data['ticket_count']}\n")
    for ticket in data["tickets"]:
        age = compact_age(ticket["last_message_at"])
        subject = one_line(ticket["subject"] or "(no subject)")
        channel = one_line(ticket["channel"], 12)
        out.write(f"  {ticket['id']:>6}  {ticket['status']:<7} {age:>4}  {channel:<12} {subject}\n")
    if data["ticket_count"] > len(data["tickets"]):
        out.write(f"  … {data['ticket_count'] - len(data['tickets'])} more (--limit N)\n")
    spent = ", ".join(
        format_money(amount, currency) for currency, amount in data["total_spent"].items()
    )
    out.write(
        f"Orders: {data['order_count']}" + (f" (spent {one_line(spent)})" if spent else "") + "\n"
    )
    for line in insight_lines(data["insight"]):
        out.write(f"  {one_line(line)}\n")


def _usage(message: str) -> Exception:
    from deskterm.domain.errors import UsageError

    return UsageError(message)

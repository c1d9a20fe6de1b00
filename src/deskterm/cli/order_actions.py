"""``deskterm order cancel|refund|address|duplicate|...``: shown, asked, then done once."""

from __future__ import annotations

import argparse
import sys

from deskterm.cli.context import CliContext
from deskterm.cli.output import print_json
from deskterm.domain import orders as o
from deskterm.domain.errors import DesktermError, NotFoundError, UsageError

KINDS = {
    "cancel": o.CANCEL,
    "refund": o.REFUND,
    "address": o.ADDRESS,
    "duplicate": o.DUPLICATE,
    "accept-cancel": o.ACCEPT_CANCEL,
    "reject-cancel": o.REJECT_CANCEL,
}


class NotConfirmed(DesktermError):
    """The person said no, or could not be asked (stdin not a terminal)."""

    exit_code = 1


def request_of(args: argparse.Namespace) -> o.ActionRequest:
    """The ActionRequest the command line asks for."""
    kind = KINDS[args.order_action]
    return o.ActionRequest(
        kind=kind,
        reason=getattr(args, "reason", "") or "",
        refund=getattr(args, "refund", True),
        restock=getattr(args, "restock", True),
        notify=getattr(args, "notify", True),
        amount=getattr(args, "amount", None),
        items=tuple(getattr(args, "items", ()) or ()),
        shipping=getattr(args, "shipping", None),
        fields=dict(getattr(args, "fields", None) or []),
    )


def run_action(ctx: CliContext, args: argparse.Namespace) -> int:
    """Plan from the order as the platform has it now, show it, ask, then carry it out once."""
    from deskterm.services.order_actions import DONE, carry_out, prepare
    from deskterm.store.order_lookup import (
        buyer_ticket,
        find_order,
        order_ticket,
        parse_ref,
        ticket_orders,
    )
    from deskterm.sync.orders.open_actor import open_actor

    request = request_of(args)
    if request.kind == o.CANCEL and not request.reason.strip():
        raise UsageError("order cancel: --reason must say why (e.g. --reason 'out of stock')")
    store_name, wanted = parse_ref(args.ref)
    try:
        cached = find_order(ctx.read, args.ref)
        order_id, external_id = cached["id"], cached["external_id"]
    except NotFoundError:
        order_id, external_id = wanted, None  # not cached: the platform's read decides
    ticket_id = args.ticket
    if ticket_id is not None:
        ticket_orders(ctx.read, ticket_id, limit=1)  # NotFoundError before anything is shown
    if ticket_id is None and external_id is not None:
        ticket_id = order_ticket(ctx.read, store_name, external_id)
    actor_for = open_actor(ctx.store, ctx.config, store_name)
    try:
        prepared = prepare(ctx.store, actor_for, store_name, order_id, request)
        plan = prepared.plan
        if prepared.earlier is not None:
            ticket_id = prepared.earlier.ticket_id
        elif ticket_id is None and external_id is None:
            # Not cached: the customer's latest ticket is found from the order itself.
            placed = actor_for.read(plan.order_id)
            if placed is not None:
                ticket_id = buyer_ticket(ctx.read, placed.platform, placed.buyer_id, placed.email)
        _show_plan(prepared.lines())
        if not args.yes:
            _ask(args.order_action)
        outcome = carry_out(ctx.store, actor_for, plan, ticket_id=ticket_id, actor=ctx.actor())
    finally:
        actor_for.close()
    if args.json:
        print_json(
            {
                "action_id": outcome.action_id,
                "state": outcome.state,
                "message": outcome.message,
                "result": outcome.result,
                "ticket_id": ticket_id,
            }
        )
    else:
        stream = sys.stdout if outcome.state == DONE else sys.stderr
        stream.write(f"{'' if outcome.state == DONE else 'deskterm: '}{outcome.message}\n")
    return 0 if outcome.state == DONE else 1


def _show_plan(lines: list[str]) -> None:
    # On stderr: stdout stays the outcome (JSON with --json) for scripts.
    head, *steps = lines
    sys.stderr.write(head + "\n" + "".join(f"  {step}\n" for step in steps))


def _ask(what: str) -> None:
    if not sys.stdin.isatty():
        raise NotConfirmed(
            f"order {what}: not done: stdin is not a terminal to ask on; "
            "add --yes to go ahead without asking"
        )
    sys.stderr.write("Go ahead? [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise NotConfirmed(f"order {what}: not done (answered {answer or 'nothing'!r})")

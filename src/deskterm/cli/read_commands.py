"""``tickets``, ``show`` and ``search``: the read-only commands (fast path, no SQLAlchemy)."""

from __future__ import annotations

import argparse

from deskterm.cli.context import CliContext
from deskterm.cli.output import print_json, print_ticket, print_ticket_table
from deskterm.domain.errors import QueryError, UsageError
from deskterm.domain.query import parse_query
from deskterm.domain.query_ast import Node
from deskterm.store import reader
from deskterm.store.views import view_query


def _parse(text: str) -> Node:
    try:
        return parse_query(text)
    except QueryError as exc:
        # One line on stderr: the position is in the message; the caret needs a second line.
        raise UsageError(f"{exc.message} in {text!r}") from exc


def cmd_tickets(ctx: CliContext, args: argparse.Namespace) -> int:
    """List the tickets of a view (default Inbox) or a query."""
    db = ctx.read
    text = args.query if args.query is not None else view_query(db, args.view or "Inbox")
    me = reader.agent_id_for(db, ctx.user_email())
    where = reader.compile_query(db, _parse(text), me_agent_id=me)
    tickets = reader.list_tickets(db, where, limit=args.limit, offset=args.offset)
    if args.json:
        print_json(tickets)
    else:
        print_ticket_table(tickets)
    return 0


def cmd_show(ctx: CliContext, args: argparse.Namespace) -> int:
    """Show one ticket and its messages."""
    ticket = reader.get_ticket(ctx.read, args.ticket_id)
    if args.json:
        print_json(ticket)
    else:
        print_ticket(ticket)
    return 0


def cmd_search(ctx: CliContext, args: argparse.Namespace) -> int:
    """Search tickets; each result carries a snippet."""
    db = ctx.read
    text = " ".join(args.query)
    node = _parse(text)
    me = reader.agent_id_for(db, ctx.user_email())
    tickets = reader.list_tickets(
        db, reader.compile_query(db, node, me_agent_id=me), limit=args.limit
    )
    reader.add_snippets(db, tickets, reader.snippet_terms(node))
    if args.json:
        print_json(tickets)
    else:
        print_ticket_table(tickets, snippets=True)
    return 0

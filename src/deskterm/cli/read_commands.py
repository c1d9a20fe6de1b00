"""``tickets``, ``show`` and ``search``: the read-only commands (fast path, no SQLAlchemy)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from deskterm.cli.context import CliContext
from deskterm.cli.output import print_json, print_ticket, print_ticket_table
from deskterm.domain.errors import QueryError, UsageError
from deskterm.domain.query import parse_query
from deskterm.domain.query_ast import Node
from deskterm.domain.text import one_line
from deskterm.store import reader
from deskterm.store.views import all_views, view_query


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
        print_ticket(ticket, full=args.full)
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


def cmd_views(ctx: CliContext, args: argparse.Namespace) -> int:
    """List views with live counts, or save / delete a saved view."""
    if args.views_action == "save":
        from deskterm.services.views import save_view

        created = save_view(ctx.store, args.name, args.query, ctx.actor(), private=args.private)
        sys.stdout.write(f"view {args.name!r} {'saved' if created else 'updated'}\n")
        return 0
    if args.views_action == "delete":
        from deskterm.services.views import delete_view

        delete_view(ctx.store, args.name, ctx.actor())
        sys.stdout.write(f"view {args.name!r} deleted\n")
        return 0
    db = ctx.read
    me = reader.agent_id_for(db, ctx.user_email())
    rows: list[dict[str, Any]] = []
    for name, query, system in all_views(db):
        where = reader.compile_query(db, _parse(query), me_agent_id=me)
        rows.append(
            {
                "name": name,
                "query": query,
                "system": system,
                "count": reader.count_tickets(db, where),
            }
        )
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            sys.stdout.write(
                f"{row['count']:>7}  {one_line(row['name'], 24):<24} {one_line(row['query'])}\n"
            )
    return 0

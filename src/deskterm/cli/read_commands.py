"""``tickets``, ``show`` and ``search``: the read-only commands (fast path, no SQLAlchemy)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from deskterm.cli.context import CliContext
from deskterm.cli.output import note, print_json, print_ticket, print_ticket_table
from deskterm.domain.errors import QueryError, StoreError, UsageError
from deskterm.domain.query import parse_query
from deskterm.domain.query_ast import Node
from deskterm.domain.sla import sla_cell, sla_summary
from deskterm.domain.text import one_line
from deskterm.domain.timefmt import utc_now
from deskterm.store import reader
from deskterm.store.query_sql import SqlFragment, beyond_store_limits
from deskterm.store.views import all_views, view_query


def _parse(text: str, view: str | None = None) -> Node:
    try:
        return parse_query(text)
    except QueryError as exc:
        # One line on stderr: the position is in the message; the caret needs a second line.
        where = f"view {view!r}: " if view is not None else ""
        raise UsageError(f"{where}{exc.message} in '{one_line(text, 60)}'") from exc


def _compile(ctx: CliContext, node: Node, now: datetime) -> SqlFragment:
    """``node`` as SQL; ``sla:`` terms judged with the config's targets at ``now``."""
    db = ctx.read
    me = reader.agent_id_for(db, ctx.user_email())
    targets = ctx.settings.sla_targets()
    return reader.compile_query(db, node, me_agent_id=me, sla_targets=targets, now=now)


def _sla_cells(ctx: CliContext, tickets: list[dict[str, Any]], now: datetime) -> list[str] | None:
    """The table's short SLA column, one cell per ticket; None (no column) when no
    channel has SLA targets."""
    targets = ctx.settings.sla_targets()
    if not targets:
        return None
    return [sla_cell(t, targets.get(t["channel"]), now) for t in tickets]


def _with_sla(ctx: CliContext, tickets: list[dict[str, Any]], now: datetime) -> None:
    """Give each ticket its ``sla`` object (null when its channel has no targets)."""
    targets = ctx.settings.sla_targets()
    for ticket in tickets:
        ticket["sla"] = sla_summary(ticket, targets.get(ticket["channel"]), now)


@contextmanager
def _within_store_limits(what: str) -> Iterator[None]:
    """A query the store refuses as too complex is the user's to simplify (exit 2)."""
    try:
        yield
    except StoreError as exc:
        if not beyond_store_limits(exc):
            raise
        raise UsageError(f"{what} is too complex for the store; use fewer terms") from exc


def cmd_tickets(ctx: CliContext, args: argparse.Namespace) -> int:
    """List the tickets of a view (default Inbox) or a query."""
    db = ctx.read
    view = None if args.query is not None else (args.view or "Inbox")
    text = args.query if view is None else view_query(db, view)
    now = utc_now()
    with _within_store_limits("the query" if view is None else f"view {view!r}"):
        where = _compile(ctx, _parse(text, view), now)
        tickets = reader.list_tickets(db, where, limit=args.limit, offset=args.offset)
    _with_sla(ctx, tickets, now)
    if args.json:
        print_json(tickets)
    elif not tickets:
        note(_no_tickets(ctx, view, text))
    else:
        print_ticket_table(tickets, sla=_sla_cells(ctx, tickets, now))
    return 0


NO_TICKETS_YET = (
    "No tickets yet: `deskterm sync` fetches mail, `deskterm import mbox FILE` imports old"
    " mail, `deskterm demo` shows a filled inbox."
)


def _no_tickets(ctx: CliContext, view: str | None, query: str) -> str:
    """Why `tickets` printed nothing: an empty store, or nothing in this view or query."""
    if not reader.has_tickets(ctx.read):
        return NO_TICKETS_YET
    if view is not None:
        return f"No tickets in view {one_line(view, 40)!r}."
    return f"No tickets match {one_line(query, 60)!r}."


def cmd_show(ctx: CliContext, args: argparse.Namespace) -> int:
    """Show one ticket and its messages."""
    ticket = reader.get_ticket(ctx.read, args.ticket_id, revenue=ctx.settings.revenue)
    _with_sla(ctx, [ticket], utc_now())
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
    now = utc_now()
    with _within_store_limits("the query"):
        tickets = reader.list_tickets(db, _compile(ctx, node, now), limit=args.limit)
        reader.add_snippets(db, tickets, reader.snippet_terms(node))
    _with_sla(ctx, tickets, now)
    if args.json:
        print_json(tickets)
    elif not tickets:
        note(
            NO_TICKETS_YET
            if not reader.has_tickets(db)
            else f"No tickets match {one_line(text, 60)!r}."
        )
    else:
        print_ticket_table(tickets, snippets=True, sla=_sla_cells(ctx, tickets, now))
    return 0


def cmd_views(ctx: CliContext, args: argparse.Namespace) -> int:
    """List views with live counts, or save / delete a saved view."""
    if args.views_action == "save":
        from deskterm.services.views import check_view, save_view

        check_view(args.name, args.query)  # refused before anything is written
        created = save_view(ctx.store, args.name, args.query, ctx.actor(), private=args.private)
        sys.stdout.write(f"view {args.name!r} {'saved' if created else 'updated'}\n")
        return 0
    if args.views_action == "delete":
        from deskterm.services.views import delete_view

        delete_view(ctx.store, args.name, ctx.actor())
        sys.stdout.write(f"view {args.name!r} deleted\n")
        return 0
    db = ctx.read
    now = utc_now()
    rows: list[dict[str, Any]] = []
    views = all_views(db, sla=bool(ctx.settings.sla_targets()))
    for name, query, system in views:
        try:
            with _within_store_limits(f"view {name!r}"):
                where = _compile(ctx, _parse(query, name), now)
                count = reader.count_tickets(db, where)
        except UsageError as exc:
            # A shared view saved before the limits (or by an older version) must not hide
            # every other view from the whole team: skip it, say which and why.
            sys.stderr.write(
                f"deskterm: skipped {exc}; change it in the inbox or"
                f" `deskterm views delete {one_line(name, 40)!r}`\n"
            )
            continue
        rows.append({"name": name, "query": query, "system": system, "count": count})
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            sys.stdout.write(
                f"{row['count']:>7}  {one_line(row['name'], 24):<24} {one_line(row['query'])}\n"
            )
        if all(system for _name, _query, system in views):
            note(
                "No saved views yet — save a search with `deskterm views save NAME QUERY`"
                " (or / then V in the inbox)."
            )
    return 0

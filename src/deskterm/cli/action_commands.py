"""Ticket actions from the command line: tag, assign, close, snooze, spam, merge, notes."""

from __future__ import annotations

import argparse
import sys

from deskterm.cli.context import CliContext
from deskterm.domain.when import parse_when


def _done(message: str, changed: bool) -> int:
    sys.stdout.write(message + ("" if changed else " (no change)") + "\n")
    return 0


def cmd_tag(ctx: CliContext, args: argparse.Namespace) -> int:
    """Add tags to a ticket."""
    from deskterm.services import tickets

    tags = [tickets.normalize_tag(tag) for tag in args.tags]  # refused before any write
    added = tickets.add_tags(ctx.store, args.ticket_id, tags, ctx.actor())
    return _done(f"ticket {args.ticket_id}: tagged {' '.join(added) or '-'}", bool(added))


def cmd_untag(ctx: CliContext, args: argparse.Namespace) -> int:
    """Remove tags from a ticket."""
    from deskterm.services import tickets

    tags = [tickets.normalize_tag(tag) for tag in args.tags]  # refused before any write
    removed = tickets.remove_tags(ctx.store, args.ticket_id, tags, ctx.actor())
    return _done(f"ticket {args.ticket_id}: untagged {' '.join(removed) or '-'}", bool(removed))


def cmd_assign(ctx: CliContext, args: argparse.Namespace) -> int:
    """Assign a ticket to an agent (me, none or an email)."""
    from deskterm.services import tickets

    who = {"me": ctx.user_email(), "none": None}.get(args.assignee.lower(), args.assignee)
    changed = tickets.assign(ctx.store, args.ticket_id, who, ctx.actor())
    return _done(f"ticket {args.ticket_id}: assigned to {who or 'nobody'}", changed)


def cmd_status(ctx: CliContext, args: argparse.Namespace) -> int:
    """close / reopen / unsnooze."""
    from deskterm.services import tickets

    action = {"close": tickets.close, "reopen": tickets.reopen, "unsnooze": tickets.unsnooze}
    changed = action[args.command](ctx.store, args.ticket_id, ctx.actor())
    past = {"close": "closed", "reopen": "reopened", "unsnooze": "unsnoozed"}[args.command]
    return _done(f"ticket {args.ticket_id}: {past}", changed)


def cmd_snooze(ctx: CliContext, args: argparse.Namespace) -> int:
    """Snooze a ticket until a time."""
    from deskterm.services import tickets

    until = parse_when(" ".join(args.until))
    # Everything that can fail is done before the write: a refused time changes nothing.
    message = f"ticket {args.ticket_id}: snoozed until {until.astimezone():%a %Y-%m-%d %H:%M %Z}"
    tickets.snooze(ctx.store, args.ticket_id, until, ctx.actor())
    return _done(message, True)


def cmd_spam(ctx: CliContext, args: argparse.Namespace) -> int:
    """Mark or unmark spam."""
    from deskterm.services import tickets

    changed = tickets.set_spam(ctx.store, args.ticket_id, not args.undo, ctx.actor())
    return _done(f"ticket {args.ticket_id}: {'not ' if args.undo else ''}spam", changed)


def cmd_merge(ctx: CliContext, args: argparse.Namespace) -> int:
    """Merge two tickets."""
    from deskterm.services import tickets

    survivor = tickets.merge(
        ctx.store, args.ticket_id, args.other_id, ctx.actor(), allow_other_customer=args.force
    )
    merged = args.other_id if survivor == args.ticket_id else args.ticket_id
    return _done(f"ticket {merged} merged into ticket {survivor}", True)

"""``deskterm import mbox``: import an mbox file through the ingest path."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from deskterm.cli.context import CliContext
from deskterm.cli.output import print_json
from deskterm.domain.errors import StoreDamagedError, StoreError, StoreFullError, UsageError

if TYPE_CHECKING:
    from deskterm.sync.email.mbox_import import ImportStoppedError


def cmd_import_mbox(ctx: CliContext, args: argparse.Namespace) -> int:
    """Import every message of an mbox; re-running imports nothing twice."""
    from deskterm.channels.mbox import count_mbox
    from deskterm.config import EmailChannel
    from deskterm.store.writers import announce
    from deskterm.sync.channel_context import adhoc_email_context, channel_context
    from deskterm.sync.email.mbox_import import ImportStoppedError, import_mbox

    total = count_mbox(args.path)  # also fails early, with one line, on a bad path
    config = ctx.config
    emails = [c for c in config.channels if isinstance(c, EmailChannel)]
    with ctx.store.write() as session:
        if args.channel:
            channel = config.channel(args.channel)
            if not isinstance(channel, EmailChannel):
                raise UsageError(f"channel {args.channel!r} is a {channel.type} channel, not email")
            context = channel_context(session, channel)
        elif len(emails) == 1:
            context = channel_context(session, emails[0])
        else:
            context = adhoc_email_context(session, "import")
    show_progress = sys.stderr.isatty() and not args.json

    def progress(done: int) -> None:
        if show_progress:
            sys.stderr.write(f"\rimporting {done}/{total} messages…")
            sys.stderr.flush()

    try:
        with announce(ctx.store.db_path, "an import"):  # named to writes that must wait
            summary = import_mbox(ctx.store, context, args.path, progress=progress)
    except ImportStoppedError as stop:
        if show_progress:
            sys.stderr.write("\n")
        if args.json:
            print_json(asdict(stop.summary))
        raise StoreError(_stopped_line(stop, total)) from stop
    if show_progress:
        sys.stderr.write("\n")
    if args.json:
        print_json(asdict(summary))
    else:
        sys.stdout.write(
            f"{args.path}: {summary.seen} messages into channel {summary.channel!r}:"
            f" {summary.imported} new, {summary.duplicates} already present,"
            f" {summary.tickets_created} tickets created,"
            f" {summary.unparsed} stored raw with parse problems,"
            f" {summary.failed} failed\n"
        )
        for error in summary.errors[:10]:
            sys.stderr.write(f"  failed: {error}\n")
    return 1 if summary.failed else 0


def _stopped_line(stop: ImportStoppedError, total: int) -> str:
    """One line: why the import stopped, how far it got, and that a re-run resumes."""
    done = f"{stop.summary.stored} of {total} messages are in the store"
    if isinstance(stop.fault, StoreFullError):
        return (
            f"disk full: {done}; {stop.fault.location} has no room left — free some space"
            " and run the same command again to resume"
        )
    if isinstance(stop.fault, StoreDamagedError):
        return str(stop.fault)  # resuming is pointless until the store is repaired
    return f"{stop.fault} ({done}; run the same command again to resume)"

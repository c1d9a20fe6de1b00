"""``deskterm import mbox``: import an mbox file (or a stream) through the ingest path."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from deskterm.cli.context import CliContext
from deskterm.cli.output import print_json, progress
from deskterm.domain.errors import StoreDamagedError, StoreError, StoreFullError, UsageError

if TYPE_CHECKING:
    from deskterm.sync.email.mbox_import import ImportStoppedError


def cmd_import_mbox(ctx: CliContext, args: argparse.Namespace) -> int:
    """Import every message of an mbox; re-running imports nothing twice."""
    from deskterm.channels.mbox import open_mailbox
    from deskterm.config import EmailChannel
    from deskterm.store.writers import announce
    from deskterm.sync.channel_context import adhoc_email_context, channel_context
    from deskterm.sync.email.mbox_import import ImportStoppedError, import_raw_messages

    # Opened once, before the store is touched: a bad path fails early with one line, and
    # a pipe or /dev/stdin (readable only once) is split as it streams.
    with open_mailbox(args.path) as mailbox:
        total = mailbox.count()
        config = ctx.config
        emails = [c for c in config.channels if isinstance(c, EmailChannel)]
        if args.channel:
            channel = config.channel(args.channel)
            if not isinstance(channel, EmailChannel):
                raise UsageError(f"channel {args.channel!r} is a {channel.type} channel, not email")
        with ctx.store.write() as session:
            if args.channel:
                context = channel_context(session, channel, data_dir=ctx.store.data_dir)
            elif len(emails) == 1:
                context = channel_context(session, emails[0], data_dir=ctx.store.data_dir)
            else:
                context = adhoc_email_context(session, "import", data_dir=ctx.store.data_dir)
        show_progress = sys.stderr.isatty() and not args.json

        def report(done: int) -> None:
            if show_progress:
                progress(f"importing {done}/{total} messages…" if total else f"importing {done}…")

        try:
            with announce(ctx.store.db_path, "an import"):  # named to writes that must wait
                summary = import_raw_messages(
                    ctx.store, context, mailbox.messages(), progress=report
                )
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


def _stopped_line(stop: ImportStoppedError, total: int | None) -> str:
    """One line: why the import stopped, how far it got, and that a re-run resumes."""
    of_total = f" of {total}" if total else ""  # a stream is not counted ahead
    done = f"{stop.summary.stored}{of_total} messages are in the store"
    if isinstance(stop.fault, StoreFullError):
        return (
            f"disk full: {done}; {stop.fault.location} has no room left — free some space"
            " and run the same command again to resume"
        )
    if isinstance(stop.fault, StoreDamagedError):
        return str(stop.fault)  # resuming is pointless until the store is repaired
    return f"{stop.fault} ({done}; run the same command again to resume)"

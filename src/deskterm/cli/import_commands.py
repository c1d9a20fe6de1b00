"""``deskterm import mbox``: import an mbox file (or a stream) through the ingest path."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from deskterm.cli.context import CliContext
from deskterm.cli.output import print_json, progress
from deskterm.domain.errors import UsageError


def cmd_import_mbox(ctx: CliContext, args: argparse.Namespace) -> int:
    """Import every message of an mbox; re-running imports nothing twice."""
    from deskterm.channels.mbox import open_mailbox
    from deskterm.config import EmailChannel
    from deskterm.sync.channel_context import adhoc_email_context, channel_context
    from deskterm.sync.email.mbox_import import import_raw_messages

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
                context = channel_context(session, channel)
            elif len(emails) == 1:
                context = channel_context(session, emails[0])
            else:
                context = adhoc_email_context(session, "import")
        show_progress = sys.stderr.isatty() and not args.json

        def report(done: int) -> None:
            if show_progress:
                progress(f"importing {done}/{total} messages…" if total else f"importing {done}…")

        summary = import_raw_messages(ctx.store, context, mailbox.messages(), progress=report)
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

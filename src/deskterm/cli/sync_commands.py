"""``deskterm sync`` and ``deskterm reply``: the commands that reach the outside world."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING

from deskterm.cli.context import CliContext
from deskterm.cli.output import progress
from deskterm.domain.errors import UsageError
from deskterm.domain.logsetup import setup_logging
from deskterm.domain.text import one_line, terminal_safe

if TYPE_CHECKING:
    from pathlib import Path

    from deskterm.config import ChannelConfig
    from deskterm.domain.files_to_send import FileToSend


def _progress(channel: str, done: int, total: int) -> None:
    progress(f"{channel}: {done}/{total} messages")
    if done >= total:
        sys.stderr.write("\n")


def cmd_sync(ctx: CliContext, args: argparse.Namespace) -> int:
    """One pass with a summary (``--once``), or the daemon until SIGTERM."""
    from deskterm.services.rule_engine import after_pass
    from deskterm.sync.lock import SyncLock
    from deskterm.sync.runner import Daemon, run_once

    config = ctx.config
    if not config.channels:
        where = config.source or "the config"
        raise UsageError(f"no channels configured in {where}; see config.example.toml")
    if args.channel:
        config.channel(args.channel)  # a clear error for an unknown name, before any work
    store = ctx.store
    from deskterm.store.writers import announce

    with SyncLock(store.data_dir), announce(store.db_path, "a sync"):
        if args.once:
            progress = _progress if sys.stderr.isatty() else None
            summaries = run_once(
                config, store, only=args.channel, progress=progress, after_pass=after_pass(config)
            )
            for summary in summaries:
                sys.stdout.write(terminal_safe(summary.line()) + "\n")
            return 0 if all(summary.ok for summary in summaries) else 1
        # The daemon's journal: one line per state change, secrets masked, no request lines.
        setup_logging(stderr_level=logging.INFO)
        daemon = Daemon(config, store, only=args.channel, after_pass=after_pass(config))

        def stop(signum: int, frame: FrameType | None) -> None:
            daemon.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        import faulthandler

        # `kill -USR1 PID` prints every thread's stack to the journal: what a daemon that
        # seems stuck is doing, without stopping it.
        if hasattr(signal, "SIGUSR1"):  # not on Windows
            faulthandler.register(signal.SIGUSR1, all_threads=True)
        logging.info(
            "deskterm sync running for %d channel(s); SIGTERM to stop", len(daemon.channels)
        )
        daemon.run()
        logging.info("deskterm sync stopped")
        return 0


def _editor_body(ctx: CliContext, ticket_id: int) -> str:
    """Compose in $VISUAL/$EDITOR with the last customer message quoted below a marker."""
    from deskterm.services.editor import edit_text, quote_last_inbound
    from deskterm.store.reader import get_ticket

    ticket = get_ticket(ctx.read, ticket_id)
    text = edit_text("", context=quote_last_inbound(ticket), name=f"reply-{ticket_id}.txt")
    if not text.strip():
        raise UsageError("empty reply: nothing sent")
    return text


def cmd_reply(ctx: CliContext, args: argparse.Namespace) -> int:
    """Queue a reply (delivered now when no sync is running) or add an internal note."""
    from deskterm.services import replies, tickets

    if args.note and args.attach:
        raise UsageError("--attach sends files to the customer: it does not go with --note")
    files: list[FileToSend] = []
    if args.attach:
        # Read (and held to the channel's limit) before any text is written in $EDITOR.
        files = _files_for(_reply_channel(ctx, args.ticket_id), args.attach)
    actions = None
    if args.macro:
        from deskterm.cli.macro_commands import render_for_ticket

        body, actions = render_for_ticket(ctx, args.macro, args.ticket_id, force=args.force)
    elif args.body is not None:
        body = args.body
    else:
        body = _editor_body(ctx, args.ticket_id)
    if args.note:
        note_id = tickets.add_note(ctx.store, args.ticket_id, body, ctx.actor())
        sys.stdout.write(f"ticket {args.ticket_id}: note {note_id} added\n")
        return 0
    channel = _reply_channel(ctx, args.ticket_id)
    signatures = None if args.no_signature else ctx.config.signatures()
    queued = replies.queue_reply(
        ctx.store, args.ticket_id, body, ctx.actor(), signatures=signatures, files=files
    )
    sys.stdout.write(f"ticket {args.ticket_id}: reply to {one_line(queued.recipient)} queued\n")
    if actions is not None:
        from deskterm.automation.macros import MacroActions
        from deskterm.services.macros import apply_actions

        assert isinstance(actions, MacroActions)
        apply_actions(ctx.store, args.ticket_id, actions, ctx.actor(), me_email=ctx.user_email())
    return _deliver_now(ctx, channel, queued.outbox_id, args.ticket_id)


def _reply_channel(ctx: CliContext, ticket_id: int) -> ChannelConfig:
    """The configured channel a reply to ``ticket_id`` goes out on."""
    from deskterm.store.reader import get_ticket

    channel_name = get_ticket(ctx.read, ticket_id)["channel"]
    channel = ctx.config.find_channel(channel_name)
    if channel is None:
        raise UsageError(
            f"ticket {ticket_id} is on channel {channel_name!r}, which is not in the"
            " config; replies need a configured [[channels]] entry"
        )
    return channel


def _files_for(channel: ChannelConfig, paths: list[Path]) -> list[FileToSend]:
    """The files to send with a reply on ``channel``, read and held to its limit."""
    from deskterm.config import EmailChannel
    from deskterm.domain.files_to_send import read_files

    if not isinstance(channel, EmailChannel):
        raise UsageError(
            f"channel {channel.name!r} is {channel.type}: files cannot be sent on it yet;"
            " send it from the platform's seller center"
        )
    where = f'channels "{channel.name}".max_attachment_mb'
    return read_files(paths, limit_mib=channel.max_attachment_mb, where=where)


def _deliver_now(ctx: CliContext, channel: ChannelConfig, outbox_id: int, ticket_id: int) -> int:
    from deskterm.store.tables import Outbox
    from deskterm.sync.runner import deliver_unless_synced

    summary = deliver_unless_synced(ctx.store, channel)
    if summary is None:
        sys.stdout.write("the running deskterm sync will deliver it\n")
        return 0
    if summary.blocked:
        # Delivery could not even start: not a success. The reply stays queued (the
        # reason is recorded on it) and goes out once the cause is fixed.
        sys.stderr.write(
            f"deskterm: ticket {ticket_id}: reply queued but cannot be sent:"
            f" {terminal_safe(summary.blocked)}\n"
        )
        return 1
    with ctx.store.read() as session:
        row = session.get(Outbox, outbox_id)
        state, error = (row.state, row.last_error) if row else ("unknown", "")
    sys.stdout.write(f"delivery: {state}{' — ' + terminal_safe(error) if error else ''}\n")
    for problem in summary.problems:
        sys.stderr.write(f"deskterm: {terminal_safe(problem)}\n")
    return 0 if state in ("sent", "queued") else 1

"""After a ticket action from the command line: run the rules now, unless a sync runs.

The rules run where the sync runs (services/rule_engine.py); a running ``deskterm sync``
(or the inbox's own) picks the action up within seconds. With none running, this runs
them here at once, under the sync lock, and delivers the replies they queued.
"""

from __future__ import annotations

import sys

from deskterm.cli.context import CliContext
from deskterm.domain.errors import DesktermError
from deskterm.domain.text import terminal_safe

# The commands whose changes are rule events (tag.added, ticket.closed, reply.queued, ...).
ACTION_COMMANDS = frozenset(
    {"tag", "untag", "assign", "close", "reopen", "unsnooze", "snooze", "spam", "merge", "reply"}
)


def run_rules_unless_synced(ctx: CliContext) -> None:
    """Run the rules on what was just logged (and send their replies); never raises for
    a rule's own trouble, which is logged: the action itself succeeded."""
    from deskterm.services.rule_engine import engine_settings, run_rules
    from deskterm.sync.lock import SyncLock, SyncLockedError

    store = ctx.store
    try:
        with SyncLock(store.data_dir):
            summary = run_rules(store, engine_settings(ctx.config))
            if summary.replies:
                # Only now: the sync runner imports every channel's client (~0.4 s).
                from deskterm.sync.runner import deliver_any

                for channel in ctx.config.channels:
                    deliver_any(store, channel)
    except SyncLockedError:
        return  # the running sync runs them
    except DesktermError as exc:  # the action is done; its rules run on the next sync
        sys.stderr.write(f"deskterm: rules not run now: {terminal_safe(str(exc))}\n")
        return
    for problem in summary.problems:
        sys.stderr.write(f"deskterm: rules: {terminal_safe(problem)}\n")
    if summary.runs:
        replies = f", {summary.replies} repl{'y' if summary.replies == 1 else 'ies'} queued"
        sys.stdout.write(f"rules: {summary.runs} ran{replies if summary.replies else ''}\n")

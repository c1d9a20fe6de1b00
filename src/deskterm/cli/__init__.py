"""The ``deskterm`` command line: parse arguments, run one command, map errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import NoReturn

from deskterm.cli.context import CliContext
from deskterm.cli.output import safe_streams
from deskterm.cli.parser import build_parser
from deskterm.cli.rules_hook import ACTION_COMMANDS, run_rules_unless_synced
from deskterm.domain.errors import DesktermError
from deskterm.domain.logsetup import setup_logging
from deskterm.domain.text import one_line

Command = Callable[[CliContext, argparse.Namespace], int]


def _commands() -> dict[str, Command]:
    from deskterm.cli import action_commands as act
    from deskterm.cli import admin_commands as admin
    from deskterm.cli import classify_commands as classify
    from deskterm.cli import customer_commands as customer
    from deskterm.cli import demo_command, macro_commands, tui_command
    from deskterm.cli import export_commands as export
    from deskterm.cli import import_commands as imp
    from deskterm.cli import order_commands as order
    from deskterm.cli import read_commands as read
    from deskterm.cli import rules_commands as rules
    from deskterm.cli import stats_commands as stats
    from deskterm.cli import sync_commands as sync

    return {
        "tui": tui_command.cmd_tui,
        "demo": demo_command.cmd_demo,
        "sync": sync.cmd_sync,
        "tickets": read.cmd_tickets,
        "show": read.cmd_show,
        "views": read.cmd_views,
        "macros": macro_commands.cmd_macros,
        "search": read.cmd_search,
        "reply": sync.cmd_reply,
        "import": imp.cmd_import_mbox,
        "doctor": admin.cmd_doctor,
        "secret": admin.cmd_secret_set,
        "config": admin.cmd_config_check,
        "tag": act.cmd_tag,
        "untag": act.cmd_untag,
        "assign": act.cmd_assign,
        "close": act.cmd_status,
        "reopen": act.cmd_status,
        "unsnooze": act.cmd_status,
        "snooze": act.cmd_snooze,
        "spam": act.cmd_spam,
        "merge": act.cmd_merge,
        "customer": customer.cmd_customer,
        "classify": classify.cmd_classify,
        "intent": classify.cmd_intent,
        "order": order.cmd_order,
        "rules": rules.cmd_rules,
        "stats": stats.cmd_stats,
        "export": export.cmd_export,
    }


def _drives_the_terminal(args: argparse.Namespace) -> bool:
    # The inbox hands the terminal to Textual, which writes its own escape sequences.
    return args.command in (None, "tui") or (args.command == "demo" and not args.no_tui)


_RAN_THE_TERMINAL: set[bool] = set()  # holds True once main() ran the inbox (see run)


def run() -> NoReturn:
    """The console script and ``python -m deskterm``: main(), then the process ends.

    After the inbox, Python's own teardown (freeing every module and object Textual, Rich
    and SQLAlchemy made) took 0.3-0.8 s more on a 2-core machine before the shell prompt
    came back (issue 11 item 6: quit within 1 s). By then the terminal is restored, drafts
    and queued writes are stored and sync stopped, so the process ends at once -- unless
    some thread is still working, which gets Python's normal exit.
    """
    code = main()
    if _RAN_THE_TERMINAL and threading.active_count() == 1:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run deskterm; returns the exit code (0 ok, 1 runtime failure, 2 usage/config error)."""
    with safe_streams():  # argparse echoes arguments in its errors
        args = build_parser().parse_args(argv)
    if _drives_the_terminal(args):
        _RAN_THE_TERMINAL.add(True)
    # Warnings reach stderr through the redacting handler, never Python's bare last resort.
    setup_logging(stderr_level=logging.WARNING)
    ctx = CliContext(config_path=args.config)
    command = _commands()[args.command or "tui"]
    streams = ExitStack()
    if not _drives_the_terminal(args):
        streams.enter_context(safe_streams())
    try:
        code = command(ctx, args)
        if code == 0 and args.command in ACTION_COMMANDS:
            run_rules_unless_synced(ctx)
        return code
    except DesktermError as exc:
        # One line, whatever the message carries (names from a shared store, paths).
        sys.stderr.write(f"deskterm: {one_line(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("deskterm: interrupted\n")
        return 130
    except BrokenPipeError:
        # `deskterm tickets | head`: the reader left; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        # Safety net: a database error the store layer did not translate is still one
        # line (the driver's message only: SQLAlchemy's text would show SQL), exit 1.
        from deskterm.store.faults import database_error_line

        line = database_error_line(exc)
        if line is None:
            raise
        sys.stderr.write(f"deskterm: {line}\n")
        return 1
    finally:
        ctx.close()
        streams.close()

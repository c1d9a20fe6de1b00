"""The ``deskterm`` command line: parse arguments, run one command, map errors to exit codes."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import NoReturn

from deskterm.cli.context import CliContext
from deskterm.cli.output import safe_streams
from deskterm.cli.parser import build_parser, command_in
from deskterm.cli.rules_hook import ACTION_COMMANDS, run_rules_unless_synced
from deskterm.domain.errors import DesktermError
from deskterm.domain.logsetup import setup_logging
from deskterm.domain.text import one_line

Command = Callable[[CliContext, argparse.Namespace], int]


# Each command's module is imported only when that command runs: importing all of them
# cost every command ~25 ms (the read-only ones answer in ~100 ms in all).
_COMMANDS: dict[str, str] = {
    "demo": "demo_command:cmd_demo",
    "sync": "sync_commands:cmd_sync",
    "tickets": "read_commands:cmd_tickets",
    "show": "read_commands:cmd_show",
    "views": "read_commands:cmd_views",
    "macros": "macro_commands:cmd_macros",
    "search": "read_commands:cmd_search",
    "reply": "sync_commands:cmd_reply",
    "import": "import_commands:cmd_import_mbox",
    "doctor": "admin_commands:cmd_doctor",
    "secret": "admin_commands:cmd_secret_set",
    "config": "admin_commands:cmd_config_check",
    "tag": "action_commands:cmd_tag",
    "untag": "action_commands:cmd_untag",
    "assign": "action_commands:cmd_assign",
    "close": "action_commands:cmd_status",
    "reopen": "action_commands:cmd_status",
    "unsnooze": "action_commands:cmd_status",
    "snooze": "action_commands:cmd_snooze",
    "spam": "action_commands:cmd_spam",
    "merge": "action_commands:cmd_merge",
    "customer": "customer_commands:cmd_customer",
    "classify": "classify_commands:cmd_classify",
    "intent": "classify_commands:cmd_intent",
    "order": "order_commands:cmd_order",
    "rules": "rules_commands:cmd_rules",
    "stats": "stats_commands:cmd_stats",
    "export": "export_commands:cmd_export",
}


def command_for(name: str | None) -> Command:
    """The function that runs command ``name`` (None: the inbox), its module imported now."""
    module, function = (_COMMANDS[name] if name else "tui_command:cmd_tui").split(":")
    found: Command = getattr(importlib.import_module(f"deskterm.cli.{module}"), function)
    return found


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
        words = sys.argv[1:] if argv is None else argv
        args = build_parser(only=command_in(words, _COMMANDS)).parse_args(words)
    if _drives_the_terminal(args):
        _RAN_THE_TERMINAL.add(True)
    # Warnings reach stderr through the redacting handler, never Python's bare last resort.
    setup_logging(stderr_level=logging.WARNING)
    ctx = CliContext(config_path=args.config)
    command = command_for(args.command)
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

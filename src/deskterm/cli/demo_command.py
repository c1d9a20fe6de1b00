"""``deskterm demo``: the one place the CLI imports the demo (DESIGN.md)."""

from __future__ import annotations

import argparse
import importlib
import os
import shlex
import shutil
import sys
from pathlib import Path

from deskterm.cli.context import CliContext
from deskterm.domain.errors import UsageError

# What the demo extra installs: its IMAP server, its SMTP sink, the Shopify fake's GraphQL.
DEMO_MODULES = ("pymap", "aiosmtpd", "graphql")


def check_demo_extra() -> None:
    """Refuse in one line, before anything starts, when the demo extra is not installed."""
    for name in DEMO_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            raise UsageError(
                f"deskterm demo needs the demo extra ({name} is not installed):"
                " pip install 'deskterm[demo]'"
            ) from None


def invocation() -> str:
    """The command that runs this deskterm, ready to paste into another terminal.

    The demo tells the user how to reach its data; `deskterm` alone is only right when
    that name on PATH is this program (not after `.venv/bin/deskterm demo`).
    """
    program = sys.argv[0] if sys.argv else ""
    path = Path(program)
    if not program or path.suffix == ".py" or not path.is_file():  # python -m deskterm
        return f"{shlex.quote(sys.executable)} -m deskterm"
    found = shutil.which(path.name)
    try:
        if found is not None and os.path.samefile(found, path):
            return path.name
    except OSError:
        pass
    return shlex.quote(str(path.absolute()))


def cmd_demo(ctx: CliContext, args: argparse.Namespace) -> int:
    """Local servers, a seeded mailbox, real sync, then the inbox (or a summary)."""
    check_demo_extra()
    from deskterm.demo.run import run_demo

    return run_demo(args.data_dir, tui=not args.no_tui, command=invocation())

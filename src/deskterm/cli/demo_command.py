"""``deskterm demo``: the one place the CLI imports the demo (DESIGN.md)."""

from __future__ import annotations

import argparse
import importlib

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


def cmd_demo(ctx: CliContext, args: argparse.Namespace) -> int:
    """Local servers, a seeded mailbox, real sync, then the inbox (or a summary)."""
    check_demo_extra()
    from deskterm.demo.run import run_demo

    return run_demo(args.data_dir, tui=not args.no_tui)

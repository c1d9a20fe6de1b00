"""``deskterm demo``: the one place the CLI imports the demo (DESIGN.md)."""

from __future__ import annotations

import argparse

from deskterm.cli.context import CliContext


def cmd_demo(ctx: CliContext, args: argparse.Namespace) -> int:
    """Local servers, a seeded mailbox, real sync, then the inbox (or a summary)."""
    from deskterm.demo.run import run_demo

    return run_demo(args.data_dir, tui=not args.no_tui)

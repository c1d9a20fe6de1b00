"""Launch the inbox TUI: the one place the CLI imports the TUI (DESIGN.md layer rule)."""

from __future__ import annotations

import argparse

from deskterm.cli.context import CliContext


def cmd_tui(ctx: CliContext, args: argparse.Namespace) -> int:
    """Open the inbox TUI on the configured store; its exit status is run_app's."""
    from deskterm.tui.app import run_app

    ctx.read  # noqa: B018  (opens, creates or migrates the store before the screen takes over)
    return run_app(ctx.config, ctx.user_email(), ctx.user_name())

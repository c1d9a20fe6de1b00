"""``doctor``, ``secret set`` and ``config check``."""

from __future__ import annotations

import argparse
import getpass
import sys

from deskterm.cli.context import CliContext
from deskterm.cli.output import safe_url
from deskterm.domain.errors import UsageError


def cmd_config_check(ctx: CliContext, args: argparse.Namespace) -> int:
    """Validate the config as every program would, list each problem, say where it came from."""
    from deskterm.config import check_config

    report = check_config(ctx.config_path)
    if report.problems:
        for line in report.problems:
            sys.stderr.write(f"deskterm: {line}\n")
        return 2
    config = report.config
    assert config is not None  # no problems: the config loaded
    where = str(config.source) if config.source else "no config file (built-in defaults)"
    sys.stdout.write(
        f"{where}: ok — {len(config.channels)} channel(s), {len(config.stores)} store(s),"
        f" store at {safe_url(config.store_url())}\n"
    )
    return 0


def cmd_secret_set(ctx: CliContext, args: argparse.Namespace) -> int:
    """Store a secret in the system keyring (value read from the terminal or stdin)."""
    from deskterm.secrets import set_keyring_secret

    if sys.stdin.isatty():
        value = getpass.getpass(f"secret for {args.name}: ")
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise UsageError("empty secret: nothing stored")
    backend = set_keyring_secret(args.name, value)
    sys.stdout.write(f"stored secret {args.name!r} in {backend}\n")
    return 0


def cmd_doctor(ctx: CliContext, args: argparse.Namespace) -> int:
    """Check config, store, secrets, logins and connectivity; exit 1 on any failure."""
    from deskterm.cli.doctor import run_doctor

    return run_doctor(ctx)

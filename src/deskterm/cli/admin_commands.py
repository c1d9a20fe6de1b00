"""``doctor``, ``secret set`` and ``config check``."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from typing import TYPE_CHECKING

from deskterm.cli.context import CliContext
from deskterm.cli.output import safe_url
from deskterm.domain.errors import DesktermError, UsageError

if TYPE_CHECKING:
    from deskterm.config import ChannelConfig, ShopifyStore


def cmd_config_check(ctx: CliContext, args: argparse.Namespace) -> int:
    """Validate the config and say where it came from."""
    config = ctx.config
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


def _tcp_check(host: str, port: int, timeout: float = 5.0) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"cannot connect to {host}:{port}: {exc.strerror or exc}"


def _chat_check(ctx: CliContext, channel: ChannelConfig) -> str | None:
    """One authenticated listing call (refreshing an expired token the normal way)."""
    from datetime import UTC, datetime

    from deskterm.sync.chat.adapters import CHAT_TYPES, make_chat_adapter
    from deskterm.sync.runner import channel_id_for

    assert isinstance(channel, CHAT_TYPES)
    try:
        adapter = make_chat_adapter(ctx.store, channel, channel_id_for(ctx.store, channel))
        try:
            adapter.conversations_since(datetime.now(UTC))
        finally:
            adapter.close()
    except DesktermError as exc:
        return str(exc)
    return None


def _shop_check(shop: ShopifyStore) -> tuple[str | None, str]:
    from deskterm.sync.orders.shopify import shopify_client

    try:
        with shopify_client(shop) as client:
            return None, client.shop_name()
    except DesktermError as exc:
        return str(exc), ""


def cmd_doctor(ctx: CliContext, args: argparse.Namespace) -> int:
    """Check config, credentials, connectivity and store health; exit 1 on any failure."""
    from deskterm.config import EmailChannel
    from deskterm.secrets import describe, resolve_secret

    problems = 0

    def report(ok: bool, what: str, detail: str = "") -> None:
        nonlocal problems
        problems += not ok
        sys.stdout.write(f"{'ok  ' if ok else 'FAIL'}  {what}{': ' + detail if detail else ''}\n")

    config = ctx.config
    report(True, "config", str(config.source or "no config file (built-in defaults)"))
    from deskterm.store.health import store_health

    url, data_dir = config.store_url(), config.store_path().parent
    for check in store_health(lambda: ctx.read, url, safe_url(url), data_dir):
        report(check.ok, check.what, check.detail)
    for key, ref in config.secrets():
        try:
            resolve_secret(ref, what=key)
            report(True, key, describe(ref))
        except DesktermError as exc:
            report(False, key, str(exc))
    for channel in config.channels:
        if isinstance(channel, EmailChannel):
            for label, server in (("imap", channel.imap), ("smtp", channel.smtp)):
                error = _tcp_check(server.host, server.port)
                report(
                    error is None,
                    f"{channel.name}: {label}",
                    error or f"{server.host}:{server.port} reachable",
                )
        else:
            error = _chat_check(ctx, channel)
            report(error is None, f"{channel.name}: api", error or "signed request accepted")
    for shop in config.stores:
        error, name = _shop_check(shop)
        report(error is None, f"{shop.name}: shopify", error or f"shop {name!r} answers")
    sys.stdout.write("all checks passed\n" if not problems else f"{problems} problem(s) found\n")
    return 1 if problems else 0

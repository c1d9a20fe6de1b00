"""No marketplace secret reaches a log file, the sync daemon's output or an error message, and
log files are private and size-capped (issue 9 finding 1)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm import paths
from deskterm.config import load_config
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.store.engine import open_store
from deskterm.sync.runner import run_once
from tests.tui.demo_recorder import secrets_of

CHAT_CHANNELS = ("tokopedia", "shopee-id", "lazada-id")


@pytest.fixture
def markets(tmp_path: Path) -> Iterator[tuple[Marketplaces, Path]]:
    """The four fakes with every access token expired (so a pass also refreshes them)."""
    with serve_marketplaces(tmp_path / "secrets", conversations=2, messages=2) as fakes:
        fakes.tiktokshop.expire_tokens()
        fakes.shopee.expire_tokens()
        fakes.lazada.expire_tokens()
        config = tmp_path / "config.toml"
        config.write_text(
            '[store]\npath = "store/deskterm.db"\n[user]\nname = "Dewi"\n'
            'email = "dewi@toko.test"\n' + fakes.config,
            encoding="utf-8",
        )
        yield fakes, config


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """In-process tests change the root logger; give the next test the one it had."""
    root = logging.getLogger()
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


def found(secrets: set[str], text: str) -> list[str]:
    return sorted(secret[:6] + "…" for secret in secrets if len(secret) >= 8 and secret in text)


def run_daemon_until_synced(config: Path, env: dict[str, str], *, stacks: bool = False) -> str:
    """`deskterm sync` (the daemon) until every chat channel reported a pass, then SIGTERM
    (with ``stacks``, SIGUSR1 first: the daemon prints its threads' stacks)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "deskterm", "--config", str(config), "sync"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env},
    )
    assert process.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            text = "".join(lines)
            if all(f"{name}: " in text for name in CHAT_CHANNELS):
                break
            time.sleep(0.2)
        if stacks:
            process.send_signal(signal.SIGUSR1)
            while time.monotonic() < deadline and "_chat_loop" not in "".join(lines):
                time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGUSR1)  # the daemon prints its threads' stacks
            time.sleep(2)
            process.kill()
            reader.join(timeout=10)
            pytest.fail("sync still running 60 s after SIGTERM:\n" + "".join(lines)[-6000:])
        reader.join(timeout=10)
    return "".join(lines)


@pytest.mark.parametrize("debug", [False, True], ids=["default", "DESKTERM_DEBUG"])
def test_sync_daemon_output_carries_no_secret(
    markets: tuple[Marketplaces, Path], debug: bool
) -> None:
    """issue 9 finding 1: `deskterm sync` printed every request URL (httpx at INFO on the root
    logger), access_token and sign included. Now httpx stays at WARNING; with
    DESKTERM_DEBUG=1 the requests are shown, their secrets masked."""
    fakes, config = markets
    output = run_daemon_until_synced(config, {"DESKTERM_DEBUG": "1" if debug else ""})
    assert all(f"{name}: " in output for name in CHAT_CHANNELS), output[-2000:]
    assert fakes.shopee.refreshes >= 1 and fakes.lazada.refreshes >= 1  # rotations were logged too
    assert found(secrets_of(fakes), output) == []
    if debug:
        assert "HTTP Request" in output and "access_token=***" in output
    else:
        assert "HTTP Request" not in output


def test_sigusr1_prints_the_daemons_threads_and_it_goes_on(
    markets: tuple[Marketplaces, Path],
) -> None:
    """A daemon that seems stuck shows what each thread does on `kill -USR1`, and keeps
    running (SIGTERM still stops it: run_daemon_until_synced fails otherwise)."""
    _fakes, config = markets
    output = run_daemon_until_synced(config, {}, stacks=True)
    assert "_chat_loop" in output and "Thread 0x" in output, output[-2000:]
    assert "deskterm sync stopped" in output


def test_tui_log_file_carries_no_secret(
    markets: tuple[Marketplaces, Path], restore_logging: None
) -> None:
    """issue 9 finding 1: the TUI's log file (its in-app sync logs there) held full request
    URLs with tokens and signatures."""
    from deskterm.tui.app import log_to_file

    fakes, config_path = markets
    log = paths.log_dir() / "deskterm.log"
    log_to_file(log)
    config = load_config(config_path)
    store = open_store(config.store_url(), data_dir=config.store_path().parent)
    try:
        summaries = run_once(config, store)
    finally:
        store.close()
    assert all(summary.ok for summary in summaries), [s.line() for s in summaries]
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log.read_text(encoding="utf-8")
    assert found(secrets_of(fakes), text) == []
    assert "HTTP Request" not in text


def test_log_file_is_private_and_size_capped(
    tmp_path: Path, restore_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 findings 1 and 2: the log file rotates at a size cap, keeps a few backups,
    and every one of them is 0600 in a 0700 directory whatever the umask."""
    from deskterm.domain import logsetup
    from deskterm.tui.app import log_to_file

    monkeypatch.setattr(logsetup, "LOG_MAX_BYTES", 20_000)
    old = os.umask(0o022)
    try:
        log = tmp_path / "logs" / "deskterm.log"
        log_to_file(log)
        for number in range(400):
            logging.getLogger("deskterm.test").warning("line %d %s", number, "x" * 200)
    finally:
        os.umask(old)
    files = sorted(log.parent.iterdir())
    assert log in files and log.with_name("deskterm.log.1") in files
    assert len(files) == 1 + logsetup.LOG_BACKUPS
    assert all(path.stat().st_size <= 20_000 + 400 for path in files)
    assert oct(log.parent.stat().st_mode & 0o777) == "0o700"
    assert {oct(path.stat().st_mode & 0o777) for path in files} == {"0o600"}

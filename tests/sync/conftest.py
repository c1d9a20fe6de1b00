"""Fixtures for sync tests: real IMAP servers (pymap, Dovecot), real SMTP servers, configs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from deskterm.cli import main
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from tests.servers.imap_servers import PASSWORD, SERVER_KINDS, ImapServer, imap_server
from tests.servers.smtp_servers import SmtpServer

PASSWORD_ENV = "DESKTERM_TEST_MAIL_PASSWORD"


@pytest.fixture(params=SERVER_KINDS)
def imap(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ImapServer]:
    """A real IMAP server of each kind, empty, with a Sent folder."""
    with imap_server(str(request.param), tmp_path_factory.mktemp("imap")) as server:
        if "Sent" not in server.folders():
            server.create_folder("Sent")
        yield server


@pytest.fixture
def pymap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    """pymap only: for the kill matrices, where Dovecot would add time but no coverage."""
    with imap_server("pymap", tmp_path_factory.mktemp("imap")) as server:
        server.create_folder("Sent")
        yield server


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def write_config(
    path: Path, imap: ImapServer, smtp: SmtpServer | None = None, **extra: Any
) -> Path:
    """A config with one email channel on ``imap`` (and ``smtp``), store beside it."""
    smtp_host, smtp_port = (smtp.host, smtp.port) if smtp else ("127.0.0.1", 9)
    lines = [
        "[store]",
        'path = "store/deskterm.db"',
        "[user]",
        'name = "Dewi"',
        'email = "dewi@deskterm.test"',
        "[[channels]]",
        'name = "support"',
        'type = "email"',
        f'address = "{imap.username}"',
        f'password = {{ env = "{PASSWORD_ENV}" }}',
        *(f"{key} = {json.dumps(value)}" for key, value in extra.items()),
        "[channels.imap]",
        f'host = "{imap.host}"',
        f"port = {imap.port}",
        'security = "none"',
        f'username = "{imap.username}"',
        'sent_folder = "Sent"',
        "[channels.smtp]",
        f'host = "{smtp_host}"',
        f"port = {smtp_port}",
        'security = "none"',
        f'username = "{imap.username}"',
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def dt(*args: str) -> tuple[int, str, str]:
    """Run deskterm in-process; (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def dt_json(*args: str) -> Any:
    """Run deskterm with --json and parse stdout."""
    code, out, err = dt(*args)
    assert code == 0, err
    return json.loads(out)


def dt_process(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run deskterm as a separate process (for kill tests and real exit codes)."""
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


def store_signature(config: Path) -> tuple[int, frozenset[frozenset[tuple[str, str]]]]:
    """(message count, tickets as sets of (Message-ID, content hash)) of a config's store."""
    db = config.parent / "store" / "deskterm.db"
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT ticket_id, external_id, content_hash FROM message").fetchall()
    finally:
        conn.close()
    tickets: dict[int, set[tuple[str, str]]] = {}
    for ticket_id, external_id, content_hash in rows:
        tickets.setdefault(ticket_id, set()).add((external_id, content_hash))
    return len(rows), frozenset(frozenset(group) for group in tickets.values())


@contextmanager
def marketplace_rig(tmp_path: Path, extra: str = "") -> Iterator[tuple[Marketplaces, Path]]:
    """The marketplace fakes on loopback HTTP, and a config naming them (store beside it;
    ``extra`` TOML appended)."""
    with serve_marketplaces(tmp_path / "secrets", conversations=0) as fakes:
        config = tmp_path / "config.toml"
        config.write_text(
            '[store]\npath = "store/deskterm.db"\n[user]\nname = "Dewi"\n'
            'email = "dewi@toko.test"\n' + fakes.config + extra,
            encoding="utf-8",
        )
        yield fakes, config

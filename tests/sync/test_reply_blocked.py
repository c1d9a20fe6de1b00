"""A reply whose delivery cannot start (secret missing) says so, and goes out once fixed."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from deskterm.config import load_config
from deskterm.store.engine import open_store
from deskterm.sync.lock import SyncLock
from deskterm.sync.runner import Daemon
from tests.servers import smtp_servers
from tests.servers.imap_servers import PASSWORD, ImapServer
from tests.sync.conftest import PASSWORD_ENV, dt, dt_process, write_config
from tests.sync.test_chat_sync import markets, ticket_conversation, tickets_of  # noqa: F401
from tests.sync.test_outbox import delivery, synced

REASON = f'channels "support".password: environment variable {PASSWORD_ENV} is not set'


def test_reply_without_its_password_is_queued_but_cannot_be_sent(
    pymap: ImapServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 finding 16: `reply` printed "delivery: queued" and exited 0 when the
    channel's password could not be read. Now it says plainly that the reply is queued but
    cannot be sent and why (exit 1), the reason is on the reply (`show --json`), and the
    reply goes out by itself once the password is there."""
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", pymap, smtp)
        tid = synced(pymap, config)
        monkeypatch.delenv(PASSWORD_ENV)
        proc = dt_process("--config", str(config), "reply", str(tid), "--body", "Halo kak")
        assert proc.returncode == 1
        assert proc.stderr == f"deskterm: ticket {tid}: reply queued but cannot be sent: {REASON}\n"
        assert "delivery:" not in proc.stdout and "Traceback" not in proc.stderr
        state = delivery(config, tid)["delivery"]
        assert (state["state"], state["error"]) == ("queued", f"cannot be sent: {REASON}")
        assert smtp.messages == []
        # A sync pass without the password leaves it queued with the same reason.
        assert dt("--config", str(config), "sync", "--once")[0] == 1
        state = delivery(config, tid)["delivery"]
        assert (state["state"], state["error"]) == ("queued", f"cannot be sent: {REASON}")
        monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 1
        state = delivery(config, tid)["delivery"]
        assert (state["state"], state["error"]) == ("sent", "")


def test_running_sync_records_why_a_reply_cannot_be_sent(
    pymap: ImapServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 finding 16: the sync daemon (also what the TUI runs in-app) records the reason
    on the queued reply instead of only logging it, so the conversation can show it."""
    config = write_config(tmp_path / "config.toml", pymap)
    tid = synced(pymap, config)
    monkeypatch.delenv(PASSWORD_ENV)
    loaded = load_config(config)
    store = open_store(loaded.store_url(), data_dir=config.parent / "store")
    daemon = Daemon(loaded, store)
    runner = threading.Thread(target=daemon.run, daemon=True)
    try:
        with SyncLock(store.data_dir):  # as `deskterm sync` or the TUI hold it
            runner.start()
            code, out, _ = dt("--config", str(config), "reply", str(tid), "--body", "hi")
            assert code == 0 and "the running deskterm sync will deliver it" in out
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not delivery(config, tid)["delivery"]["error"]:
                time.sleep(0.2)
            state = delivery(config, tid)["delivery"]
            assert (state["state"], state["error"]) == ("queued", f"cannot be sent: {REASON}")
    finally:
        daemon.stop.set()
        if runner.is_alive():
            runner.join(timeout=60)
        store.close()


def test_chat_reply_without_its_access_token_is_queued_but_cannot_be_sent(
    markets: tuple[object, Path],  # noqa: F811
) -> None:
    """issue 9 finding 16, chat channels: a missing access token is said the same way."""
    _fakes, config = markets
    assert dt("--config", str(config), "sync", "--once")[0] == 0
    ticket = tickets_of(config, "shopee-id")[0]
    text = config.read_text()
    section = text.index('name = "shopee-id"')
    token = re.compile(r"access_token = \{ command = \"cat [^\"]*\" \}")
    found = token.search(text, section)
    assert found is not None
    config.write_text(
        text[: found.start()]
        + 'access_token = { env = "DESKTERM_TEST_NO_SUCH_TOKEN" }'
        + text[found.end() :]
    )
    proc = dt_process("--config", str(config), "reply", str(ticket["id"]), "--body", "Halo")
    reason = (
        'channels "shopee-id".access_token: environment variable DESKTERM_TEST_NO_SUCH_TOKEN'
        " is not set"
    )
    assert proc.returncode == 1
    assert proc.stderr == (
        f"deskterm: ticket {ticket['id']}: reply queued but cannot be sent: {reason}\n"
    )
    state = delivery(config, ticket["id"])["delivery"]
    assert (state["state"], state["error"]) == ("queued", f"cannot be sent: {reason}")

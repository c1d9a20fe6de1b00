"""The long-running ``deskterm sync``: new mail arrives within seconds (IDLE or polling),
replies queued elsewhere are delivered, SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.servers import smtp_servers
from tests.servers.imap_servers import ImapServer
from tests.sync.conftest import dt, store_signature, write_config
from tests.sync.mail import customer_mail


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def messages_in_store(config: Path) -> int:
    try:
        return store_signature(config)[0]
    except sqlite3.OperationalError:  # the daemon is still creating the store
        return 0


def test_daemon_picks_up_mail_delivers_replies_and_stops_on_sigterm(
    imap: ImapServer, tmp_path: Path
) -> None:
    imap.append_many("INBOX", [customer_mail(n, to=imap.username) for n in range(5)])
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp, poll_seconds=5)
        daemon = subprocess.Popen(
            [sys.executable, "-m", "deskterm", "--config", str(config), "sync"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ),
        )
        try:
            wait_for(lambda: messages_in_store(config) == 5, 60, "the first pass")
            started = time.monotonic()
            imap.append("INBOX", customer_mail(50, to=imap.username))
            wait_for(lambda: messages_in_store(config) == 6, 30, "new mail to arrive")
            assert time.monotonic() - started < 15  # IDLE (or the 5 s poll), not minutes

            code, out, err = dt("--config", str(config), "reply", "1", "--body", "on its way")
            assert code == 0, out + err
            assert "running deskterm sync will deliver it" in out
            wait_for(lambda: len(smtp.messages) == 1, 30, "the daemon to send the reply")
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                output, _ = daemon.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                output, _ = daemon.communicate()
                raise AssertionError(f"sync did not stop on SIGTERM:\n{output}") from None
        assert daemon.returncode == 0, output
        assert "Traceback" not in output
        assert "stopped" in output
    assert len(smtp.messages) == 1

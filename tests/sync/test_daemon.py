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


def wait_for(condition: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    """Poll ``condition``; on timeout fail with the daemon's output so far (``log``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    output = log.read_text(errors="replace") if log.exists() else "(no output)"
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; daemon said:\n{output}")


def messages_in_store(config: Path) -> int:
    # sqlite3.connect creates a missing file: probed before the daemon made the store, it
    # left a 0-byte file the daemon then refused to start over (a slow start on CI).
    if not (config.parent / "store" / "deskterm.db").exists():
        return 0
    try:
        return store_signature(config)[0]
    except sqlite3.OperationalError:  # the daemon is still creating the store
        return 0


def test_daemon_picks_up_mail_delivers_replies_and_stops_on_sigterm(
    imap: ImapServer, tmp_path: Path
) -> None:
    imap.append_many("INBOX", [customer_mail(n, to=imap.username) for n in range(5)])
    # The daemon writes to a file, not a pipe, so a failing wait can show what it said.
    log = tmp_path / "daemon.log"
    with smtp_servers.ok() as smtp, log.open("w") as sink:
        config = write_config(tmp_path / "config.toml", imap, smtp, poll_seconds=5)
        daemon = subprocess.Popen(
            [sys.executable, "-m", "deskterm", "--config", str(config), "sync"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ),
        )
        try:
            # 120 s: beside the whole suite on two cores, start-up alone can take a minute.
            wait_for(lambda: messages_in_store(config) == 5, 120, "the first pass", log)
            started = time.monotonic()
            imap.append("INBOX", customer_mail(50, to=imap.username))
            wait_for(lambda: messages_in_store(config) == 6, 30, "new mail to arrive", log)
            assert time.monotonic() - started < 15  # IDLE (or the 5 s poll), not minutes

            code, out, err = dt("--config", str(config), "reply", "1", "--body", "on its way")
            assert code == 0, out + err
            assert "running deskterm sync will deliver it" in out
            wait_for(lambda: len(smtp.messages) == 1, 30, "the daemon to send the reply", log)
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
                output = log.read_text(errors="replace")
                raise AssertionError(f"sync did not stop on SIGTERM:\n{output}") from None
        output = log.read_text(errors="replace")
        assert daemon.returncode == 0, output
        assert "Traceback" not in output
        assert "stopped" in output
    assert len(smtp.messages) == 1

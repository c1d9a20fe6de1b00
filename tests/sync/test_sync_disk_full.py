"""Sync on a full disk: one line per channel, no traceback, and a re-run after freeing
space stores the rest (the cursor never moved past what was stored)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.servers.imap_servers import ImapServer
from tests.small_disk import grow, small_disk
from tests.sync.conftest import dt, write_config
from tests.sync.mail import conversation_mailbox


def _stored(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT external_id) FROM message"
        ).fetchone()
    conn.close()
    return int(total), int(distinct)


def test_sync_once_on_a_full_disk_then_resumes(pymap: ImapServer, tmp_path: Path) -> None:
    """issue 9 finding 13: `sync --once` meets a full disk: one line saying so, exit 1, no
    traceback or SQL; after space is freed the next pass stores every message once."""
    pymap.append_many("INBOX", conversation_mailbox(600, to=pymap.username))
    config = write_config(tmp_path / "config.toml", pymap)
    with small_disk(tmp_path / "store", "2m") as disk:
        code, out, err = dt("--config", str(config), "sync", "--once")
        assert code == 1
        assert "Traceback" not in out + err and "[SQL" not in out + err
        problems = [line for line in (out + err).splitlines() if "disk full" in line]
        assert problems and str(disk) in problems[0], out + err
        grow(disk, "64m")
        code, out, err = dt("--config", str(config), "sync", "--once")
        assert code == 0, out + err
        assert _stored(disk / "deskterm.db") == (600, 600)

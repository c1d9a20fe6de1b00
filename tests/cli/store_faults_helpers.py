"""Helpers for the store-fault tests: a config on a given store file, damage, one-line checks."""

from __future__ import annotations

import hashlib
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from deskterm.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE_MBOX = REPO / "samples" / "support.mbox"


def write_config(tmp_path: Path, db: Path) -> Path:
    """A config with one email channel (unreachable servers) whose store is ``db``."""
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[store]
path = "{db}"

[user]
name = "Dewi"
email = "dewi@shop.test"

[[channels]]
name = "support"
type = "email"
address = "support@kopi-nusantara.test"
imap = {{ host = "127.0.0.1", port = 9, security = "none", username = "support" }}
smtp = {{ host = "127.0.0.1", port = 9, security = "none", username = "support" }}
password = {{ env = "DESKTERM_TEST_PASSWORD" }}
"""
    )
    return config


def run(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str, str]:
    """Run deskterm in-process; (exit code, stdout, stderr)."""
    code = main(["--config", str(config), *args])
    out, err = capsys.readouterr()
    return code, out, err


def deskterm(
    config: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real entry point as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "deskterm", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=timeout,
    )


def assert_one_line(err: str, *needles: str) -> None:
    """``err`` is one line naming each of ``needles``, with no traceback or SQL in it."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "[SQL" not in err and "SELECT" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)


def seed(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    """Import the bundled sample mailbox (10 tickets) into the config's store."""
    code, _, err = run(capsys, config, "import", "mbox", str(SAMPLE_MBOX))
    assert code == 0, err


def checkpoint(db: Path) -> None:
    """Move everything from the WAL into the database file and drop the WAL."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def damage_table(db: Path, table: str) -> None:
    """Overwrite the root page of ``table`` with random bytes (a damaged disk sector)."""
    checkpoint(db)
    with sqlite3.connect(db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()[0]
    conn.close()
    noise = random.Random(9).randbytes(page_size)
    with db.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(noise)


def digest(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

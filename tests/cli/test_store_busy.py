"""A busy store: a CLI write waits for another process's write lock, says so, and either
gets in or gives up with one line (never `OperationalError: database is locked`)."""

from __future__ import annotations

import os
import random
import selectors
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.cli.store_faults_helpers import (
    assert_one_line,
    checkpoint,
    deskterm,
    seed,
    write_config,
)

# Holds the store's write lock (BEGIN IMMEDIATE) until a line arrives on stdin.
HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE ticket SET subject = subject WHERE id = 1")
print("held", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


@pytest.fixture
def store_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    db = tmp_path / "deskterm.db"
    config = write_config(tmp_path, db)
    seed(capsys, config)
    checkpoint(db)
    return config, db


@pytest.fixture
def holder(store_config: tuple[Path, Path]) -> Iterator[subprocess.Popen[str]]:
    """A second process holding the store's write lock (a long import or sync batch)."""
    _, db = store_config
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def _read_line(stream: object, timeout: float) -> str:
    """One line from a pipe, or "" when none comes within ``timeout`` (a hang guard)."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)  # type: ignore[arg-type]
    if not selector.select(timeout):
        return ""
    return str(stream.readline())  # type: ignore[attr-defined]


def test_write_waits_with_a_message_then_succeeds(
    store_config: tuple[Path, Path], holder: subprocess.Popen[str]
) -> None:
    """issue 9 finding 11: a write behind another process's lock says it is waiting and
    goes through once the lock is released (no `database is locked`)."""
    config, _ = store_config
    writer = subprocess.Popen(
        [
            *(sys.executable, "-m", "deskterm", "--config", str(config)),
            *("reply", "1", "--note", "--body", "waited"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        note = _read_line(writer.stderr, timeout=60)
        assert "store busy" in note and "waiting" in note, note
        assert writer.poll() is None  # still waiting, not failed
        assert holder.stdin is not None
        holder.stdin.write("release\n")
        holder.stdin.flush()
        out, err = writer.communicate(timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 0, err
    assert "note" in out and "added" in out
    assert "locked" not in err and "Traceback" not in err


def test_write_gives_up_with_one_line(
    store_config: tuple[Path, Path], holder: subprocess.Popen[str]
) -> None:
    """issue 9 finding 11: a lock held past the (configurable) limit ends in one line and
    exit 1, not `OperationalError: database is locked`."""
    config, db = store_config
    env = dict(os.environ, DESKTERM_STORE_BUSY_TIMEOUT="3")
    proc = deskterm(config, "tag", "1", "x", env=env)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert "waiting" in lines[0]  # the note, then the verdict
    assert_one_line(lines[-1], str(db), "store busy", "try again")
    assert len(lines) == 2, proc.stderr


def _mbox(path: Path, count: int) -> None:
    rng = random.Random(3)
    with path.open("wb") as out:
        for n in range(count):
            msg = EmailMessage()
            msg["From"] = f"c{n}@example.com"
            msg["To"] = "support@kopi-nusantara.test"
            msg["Subject"] = f"Question {n}"
            msg["Message-ID"] = f"<bulk{n}@example.com>"
            msg["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
            msg.set_content(" ".join(rng.choice(["order", "parcel", "kopi"]) for _ in range(300)))
            out.write(b"From c@example.com Mon Jan  1 00:00:00 2024\n" + msg.as_bytes() + b"\n")


@pytest.mark.slow
def test_cli_writes_get_in_while_a_long_import_runs(
    store_config: tuple[Path, Path], tmp_path: Path
) -> None:
    """issue 9 finding 11: a long import commits in short batches, so tag commands run
    beside it succeed (0 "database is locked"), and the import completes too."""
    config, _ = store_config
    mbox = tmp_path / "bulk.mbox"
    _mbox(mbox, 1200)
    importer = subprocess.Popen(
        [sys.executable, "-m", "deskterm", "--config", str(config), "import", "mbox", str(mbox)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for n in range(2):
            proc = deskterm(config, "tag", "1", f"beside{n}")
            assert proc.returncode == 0, proc.stderr
            assert "locked" not in proc.stderr
        out, err = importer.communicate(timeout=300)
    finally:
        if importer.poll() is None:
            importer.kill()
    assert importer.returncode == 0, err
    assert "1200 new" in out


def test_busy_note_names_the_running_import(
    store_config: tuple[Path, Path], holder: subprocess.Popen[str]
) -> None:
    """issue 9 finding 11: while an import runs, the waiting note names it and its pid."""
    from deskterm.store.writers import announce

    config, db = store_config
    env = dict(os.environ, DESKTERM_STORE_BUSY_TIMEOUT="2.5")
    with announce(db, "an import"):
        # A pid other than the CLI's own: this test process stands in for the importer.
        proc = deskterm(config, "close", "1", env=env)
    assert proc.returncode == 1
    note, verdict = proc.stderr.strip().splitlines()
    assert f"store busy: an import (pid {os.getpid()}) is writing; waiting" in note
    assert f"an import (pid {os.getpid()}) held the write lock" in verdict
    assert not (db.parent / f"{db.name}.writers" / str(os.getpid())).exists()

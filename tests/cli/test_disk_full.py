"""A full disk, for real: the store on a small tmpfs (CI runs as root, so it can mount one)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from deskterm.domain.errors import StoreFullError
from deskterm.store.blobs import put_blob
from deskterm.store.engine import open_store
from deskterm.sync.email import mbox_import
from tests.cli.store_faults_helpers import assert_one_line, checkpoint, run, seed, write_config
from tests.small_disk import fill, grow, small_disk


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB filesystem of its own."""
    with small_disk(tmp_path / "disk", "4m") as path:
        yield path


def write_mbox(path: Path, count: int) -> None:
    with path.open("wb") as out:
        for n in range(count):
            msg = EmailMessage()
            msg["From"] = f"Customer {n} <customer{n}@private.example>"
            msg["To"] = "support@kopi-nusantara.test"
            msg["Subject"] = f"Question {n}"
            msg["Message-ID"] = f"<full{n}@private.example>"
            msg["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
            msg.set_content(f"secret body {n} " + "where is my parcel " * 60)
            out.write(b"From c@example.com Mon Jan  1 00:00:00 2024\n" + msg.as_bytes() + b"\n")


def _messages(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT external_id) FROM message"
        ).fetchone()
    conn.close()
    return int(total), int(distinct)


@pytest.mark.slow
def test_import_stops_at_disk_full_and_resumes(
    disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 13: import stops at the first "disk full" with one line (no SQL,
    no message bodies or addresses, no one-by-one retries); a re-run after freeing space
    imports the rest, nothing doubled."""
    db = disk / "deskterm.db"
    config = write_config(tmp_path, db)
    mbox = tmp_path / "big.mbox"
    write_mbox(mbox, 1500)
    code, out, err = run(capsys, config, "import", "mbox", str(mbox))
    assert code == 1
    assert_one_line(err, "disk full", "of 1500 messages", "run the same command again")
    assert "private.example" not in out + err and "secret body" not in out + err
    assert "failed:" not in out + err
    grow(disk, "64m")
    code, out, err = run(capsys, config, "import", "mbox", str(mbox), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["failed"] == 0
    assert _messages(db) == (1500, 1500)


def test_statistics_refresh_on_a_full_disk_does_not_crash_import(
    disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 finding 13: the disk fills up just before ANALYZE: the import, whose
    messages are all stored, still returns its summary (today: a crash in ANALYZE)."""
    from deskterm.channels.mbox import iter_mbox
    from tests.conftest import support_channel

    monkeypatch.setattr(mbox_import, "ANALYZE_AFTER", 1)
    mbox = tmp_path / "small.mbox"
    write_mbox(mbox, 40)
    store = open_store(f"sqlite:///{disk / 'deskterm.db'}")
    try:
        channel = support_channel(store)
        summary = mbox_import.import_raw_messages(
            store, channel, iter_mbox(mbox), progress=lambda done: fill(disk)
        )
    finally:
        store.close()
    assert summary.imported == 40 and summary.failed == 0


@pytest.fixture
def full_store(
    disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[tuple[Path, Path]]:
    db = disk / "deskterm.db"
    config = write_config(tmp_path, db)
    seed(capsys, config)
    checkpoint(db)
    yield config, db


@pytest.mark.parametrize("open_elsewhere", [True, False], ids=["in-use", "idle"])
def test_actions_on_a_full_disk_one_line(
    full_store: tuple[Path, Path],
    disk: Path,
    capsys: pytest.CaptureFixture[str],
    open_elsewhere: bool,
) -> None:
    """issue 9 finding 13: tag / close / reply --note on a full disk: one line saying the
    disk is full and where, exit 1 (today: OperationalError tracebacks). "in-use": the
    TUI or sync has the store open (WAL exists), "idle": nothing has it open."""
    config, db = full_store
    other = sqlite3.connect(db) if open_elsewhere else None
    try:
        if other is not None:
            other.execute("SELECT count(*) FROM ticket").fetchall()
        fill(disk)
        for command in (
            ("tag", "1", "urgent"),
            ("close", "2"),
            ("reply", "3", "--note", "--body", "called the courier"),
        ):
            code, _, err = run(capsys, config, *command)
            assert code == 1, (command, err)
            assert_one_line(err, "disk full", str(disk))
    finally:
        if other is not None:
            other.close()


def test_doctor_checks_free_space(
    full_store: tuple[Path, Path], disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 13: doctor names the nearly full filesystem of the store (today: ok)."""
    config, _ = full_store
    fill(disk)
    code, out, err = run(capsys, config, "doctor")
    assert code == 1 and "Traceback" not in out + err
    space = [line for line in out.splitlines() if "disk space" in line]
    assert space and space[0].startswith("FAIL") and str(disk) in space[0], out
    assert "free" in space[0]


def test_doctor_free_space_ok_on_roomy_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 13: with room to spare the free-space line is ok and says how much."""
    config = write_config(tmp_path, tmp_path / "deskterm.db")
    seed(capsys, config)
    _, out, _ = run(capsys, config, "doctor")
    space = [line for line in out.splitlines() if "disk space" in line]
    assert space and space[0].startswith("ok") and "free" in space[0], out


def test_attachment_write_on_a_full_disk(disk: Path) -> None:
    """issue 9 finding 13: an attachment blob that does not fit: StoreFullError naming the
    folder, and no partial temporary file left behind."""
    fill(disk)
    root = disk / "attachments"
    with pytest.raises(StoreFullError) as caught:
        put_blob(root, b"x" * 200_000)
    assert "disk full" in str(caught.value) and str(disk) in str(caught.value)
    leftovers = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    assert leftovers == []

"""A damaged, empty or non-SQLite store: one line, exit 1, and nothing written into it."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.cli.store_faults_helpers import (
    SAMPLE_MBOX,
    assert_one_line,
    checkpoint,
    damage_table,
    deskterm,
    digest,
    run,
    seed,
    write_config,
)

# Every kind of command: reads, writes, the importer and the health check.
COMMANDS: list[tuple[str, ...]] = [
    ("tickets",),
    ("tickets", "--json"),
    ("show", "1"),
    ("search", "pesanan"),
    ("views",),
    ("tag", "1", "urgent"),
    ("close", "1"),
    ("reply", "1", "--note", "--body", "checked"),
    ("import", "mbox", str(SAMPLE_MBOX)),
    ("customer", "show", "alice@example.com"),
]


def _text_file(db: Path) -> None:
    db.write_text("these are my notes, not a database\n" * 20)


def _garbage_header(db: Path) -> None:
    db.write_bytes(os.urandom(8192))


def _store_with_data(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 3000,) for _ in range(200)])
    conn.close()


def _truncated(db: Path) -> None:
    _store_with_data(db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (_text_file, "not a SQLite database"),
        (_garbage_header, "not a SQLite database"),
        (_truncated, "truncated"),
    ],
    ids=["text-file", "garbage-header", "truncated"],
)
def test_non_sqlite_or_truncated_store_every_command_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fault: object, words: str
) -> None:
    """issue 9 finding 12: a truncated, garbage or text-file store: one line, exit 1,
    from every command (today DatabaseError escapes with a traceback)."""
    db = tmp_path / "deskterm.db"
    assert callable(fault)
    fault(db)
    before = digest(db)
    config = write_config(tmp_path, db)
    for command in COMMANDS:
        code, _, err = run(capsys, config, *command)
        assert code == 1, (command, err)
        assert_one_line(err, str(db), words)
    code, out, err = run(capsys, config, "doctor")
    assert code == 1
    assert "Traceback" not in out + err
    store_lines = [line for line in out.splitlines() if " store" in line]
    assert store_lines and store_lines[0].startswith("FAIL"), out
    assert words in store_lines[0] and str(db) in store_lines[0]
    assert digest(db) == before  # never "repaired" or replaced behind the user's back


def test_store_path_at_a_text_file_real_entry_point(tmp_path: Path) -> None:
    """issue 9 finding 12: `[store] path` pointing at a text file, as a user runs it."""
    notes = tmp_path / "notes.txt"
    _text_file(notes)
    config = write_config(tmp_path, notes)
    for command in (("tickets",), ("tag", "1", "x"), ("doctor",)):
        proc = deskterm(config, *command)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
        if command != ("doctor",):
            assert_one_line(proc.stderr, str(notes), "not a SQLite database")


def test_zero_byte_store_is_refused_not_recreated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 9: an existing 0-byte store is not a new store: refuse, never
    silently re-create it empty (a missing file still is a new store)."""
    db = tmp_path / "deskterm.db"
    db.touch()
    config = write_config(tmp_path, db)
    for command in (("tickets",), ("tag", "1", "x"), ("import", "mbox", str(SAMPLE_MBOX))):
        code, _, err = run(capsys, config, *command)
        assert code == 1, (command, err)
        assert_one_line(err, str(db), "empty", "backup")
        assert db.stat().st_size == 0
    fresh = tmp_path / "new" / "deskterm.db"
    code, _, err = run(capsys, write_config(tmp_path, fresh), "tickets")
    assert code == 0, err
    assert fresh.stat().st_size > 0


def test_foreign_sqlite_database_is_not_turned_into_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 12: `[store] path` at another program's SQLite database: refused,
    never migrated into."""
    db = tmp_path / "places.sqlite"
    _store_with_data(db)
    before = digest(db)
    config = write_config(tmp_path, db)
    for command in (("tickets",), ("tag", "1", "x")):
        code, _, err = run(capsys, config, *command)
        assert code == 1, err
        assert_one_line(err, str(db), "not a deskterm store")
    assert digest(db) == before


@pytest.fixture
def damaged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path, Path]:
    """(config, db, clean copy): a seeded store whose message table has a damaged page."""
    db = tmp_path / "store" / "deskterm.db"
    config = write_config(tmp_path, db)
    seed(capsys, config)
    checkpoint(db)
    clean = tmp_path / "clean.db"
    shutil.copyfile(db, clean)
    damage_table(db, "message")
    return config, db, clean


def test_damaged_page_stops_import_and_every_later_write(
    damaged: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 9: with a damaged page, import stops at once with one line saying
    what to do, and tag/close/notes no longer write into the store."""
    config, db, clean = damaged
    code, out, err = run(capsys, config, "import", "mbox", str(SAMPLE_MBOX))
    assert code == 1
    assert_one_line(err, str(db), "damaged", ".recover", "backup")
    assert "failed" not in out  # no per-message retries, no SQL
    checkpoint(db)
    before = digest(db)
    for command in (
        ("tag", "1", "urgent"),
        ("close", "2"),
        ("reply", "3", "--note", "--body", "checked"),
        ("import", "mbox", str(SAMPLE_MBOX)),
    ):
        code, _, err = run(capsys, config, *command)
        assert code == 1, (command, err)
        assert_one_line(err, str(db), "damaged")
        assert digest(db) == before, command
        assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    # A restored backup (a new file in its place) is written to again.
    os.replace(clean, db)
    code, out, err = run(capsys, config, "tag", "1", "urgent")
    assert code == 0, err


def test_doctor_reports_damage_and_rechecks_after_repair(
    damaged: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 9/12: doctor says FAIL (no traceback) for a damaged store; once it
    is repaired in place, doctor finds it healthy and writes are allowed again."""
    config, db, clean = damaged
    code, out, err = run(capsys, config, "doctor")
    assert code == 1 and "Traceback" not in out + err
    store_line = next(line for line in out.splitlines() if " store" in line)
    assert store_line.startswith("FAIL") and "damaged" in store_line and ".recover" in store_line
    code, _, err = run(capsys, config, "tag", "1", "urgent")
    assert code == 1
    assert_one_line(err, "damaged")
    # Repaired in place (same file, e.g. by REINDEX or copying a backup over it).
    shutil.copyfile(clean, db)
    code, out, _ = run(capsys, config, "doctor")
    store_line = next(line for line in out.splitlines() if " store" in line)
    assert store_line.startswith("ok"), out
    code, _, err = run(capsys, config, "tag", "1", "urgent")
    assert code == 0, err


def test_damage_found_by_a_read_stops_writes_real_entry_point(
    damaged: tuple[Path, Path, Path],
) -> None:
    """issue 9 finding 9: damage met by `show` (a read) is remembered: a later `tag`,
    even in another process, refuses to write, with one line."""
    config, db, _ = damaged
    proc = deskterm(config, "show", "1")
    assert proc.returncode == 1
    assert_one_line(proc.stderr, str(db), "damaged")
    proc = deskterm(config, "tag", "1", "urgent")
    assert proc.returncode == 1
    assert_one_line(proc.stderr, str(db), "damaged", ".recover")


def test_sync_once_on_a_damaged_store_one_line(
    damaged: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 9/12: `sync --once` on a store known to be damaged: every channel
    reports the damage in one line, no traceback, exit 1, nothing written."""
    config, db, _ = damaged
    code, _, _ = run(capsys, config, "show", "1")  # meets the damage
    assert code == 1
    checkpoint(db)
    before = digest(db)
    proc = deskterm(config, "sync", "--once", env=dict(os.environ, DESKTERM_TEST_PASSWORD="pw"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "damaged" in proc.stdout + proc.stderr
    assert digest(db) == before

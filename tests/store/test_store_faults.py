"""The store layer's own fault handling: translated errors, the damage mark, new stores."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from sqlalchemy import event, text

from deskterm.domain.errors import StoreDamagedError, StoreFullError
from deskterm.store.engine import Store, open_store
from deskterm.store.sqlite_file import check_writable, record_damage, recorded_damage
from deskterm.sync.batch import BatchSizer
from tests.conftest import SHOP, ingest, msg, support_channel


def test_full_database_is_one_line_without_sql(store: Store) -> None:
    """issue 9 finding 13: SQLITE_FULL (here from max_page_count, as a full disk gives it)
    becomes StoreFullError whose text, and whose cause chain, hold no SQL or parameters."""
    channel = support_channel(store)
    with store.write_engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar_one()
    secret = "confidential body " * 4000

    store.write_engine.dispose()  # new connections only from here on, each capped
    event.listen(
        store.write_engine,
        "connect",
        lambda dbapi, _record: dbapi.execute(f"PRAGMA max_page_count = {pages + 2}"),
    )

    with pytest.raises(StoreFullError) as caught:
        ingest(store, channel, msg("<big@example.com>", body=secret, sender="private@example.com"))
    shown = ""  # every message in the exception chain (what a traceback would print)
    link: BaseException | None = caught.value
    while link is not None:
        shown += "".join(traceback.format_exception_only(link))
        link = link.__cause__ or link.__context__
    assert "disk full" in str(caught.value)
    assert "confidential" not in shown and "private@example.com" not in shown
    assert "INSERT" not in str(caught.value)


def test_damage_mark_follows_the_file_not_the_name(tmp_path: Path) -> None:
    """issue 9 finding 9: recorded damage refuses writes to that file; a restored file
    moved into its place (a new inode) is writable again."""
    url = f"sqlite:///{tmp_path / 'deskterm.db'}"
    store = open_store(url)
    support_channel(store)
    store.close()
    db = tmp_path / "deskterm.db"
    backup = tmp_path / "backup.db"
    shutil.copyfile(db, backup)
    record_damage(db, "database disk image is malformed")
    with pytest.raises(StoreDamagedError, match="damaged"):
        check_writable(db)
    store = open_store(url)
    try:
        with pytest.raises(StoreDamagedError), store.write():
            pass
        with store.read() as session:  # reads stay possible: salvage, export, doctor
            assert session.execute(text("SELECT count(*) FROM channel")).scalar_one() == 1
    finally:
        store.close()
    os.replace(backup, db)
    assert recorded_damage(db) is None
    check_writable(db)


def test_no_mark_beside_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    """issue 9 finding 12: a text file named as the store gets no ".damaged" litter."""
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    record_damage(notes, "file is not a database")
    assert not (tmp_path / "notes.txt.damaged").exists()


def test_many_processes_creating_a_new_store_at_once(tmp_path: Path) -> None:
    """issue 9 finding 9: a missing file is a new store, even when several processes
    create it at the same moment (one of them may see the file still empty)."""
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "new" / "deskterm.db"}"\n')
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "deskterm", "--config", str(config), "tickets", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == "[]"


def test_batch_sizer_keeps_transactions_short() -> None:
    """issue 9 finding 11: import batches shrink when a transaction runs long (so other
    writers get in) and grow back when they are quick, within bounds."""
    sizer = BatchSizer(size=200, target=0.5)
    for _ in range(10):
        sizer.record(sizer.size, 4.0)  # 8x too slow
    assert sizer.size == sizer.smallest
    for _ in range(20):
        sizer.record(sizer.size, 0.01)
    assert sizer.size == sizer.largest
    sizer.record(0, 0.0)  # an empty batch says nothing
    assert sizer.size == sizer.largest


def test_write_error_names_the_file_once(store: Store) -> None:
    """issue 9 finding 12: the one line names the store file (so the user knows which)."""
    channel = support_channel(store)
    ingest(store, channel, msg("<a@example.com>", to=SHOP))
    assert store.db_path is not None
    record_damage(store.db_path, "database disk image is malformed")
    with pytest.raises(StoreDamagedError) as caught, store.write():
        pass
    assert str(caught.value).count(str(store.db_path)) >= 1
    assert "\n" not in str(caught.value)


def test_checking_an_open_store_keeps_this_process_locks(tmp_path: Path) -> None:
    """issue 9 finding 9: the header check must not close a descriptor of a store this
    process has open (that drops SQLite's POSIX locks: another process then deletes the
    WAL under us and every later write fails with "disk I/O error")."""
    from deskterm.store.readdb import open_read

    url = f"sqlite:///{tmp_path / 'deskterm.db'}"
    store = open_store(url)
    try:
        support_channel(store)
        with store.read() as session:  # this process now uses the WAL
            session.execute(text("SELECT count(*) FROM channel")).scalar_one()
            open_read(url).close()  # checks the file again, in the same process
            open_store(url).close()
            # Another process reads and closes: it must not see itself as the last user.
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                    " c.execute('SELECT count(*) FROM channel').fetchall(); c.close()",
                    str(tmp_path / "deskterm.db"),
                ],
                check=True,
                timeout=60,
            )
        assert (tmp_path / "deskterm.db-wal").exists()
        with store.write() as session:
            session.execute(text("UPDATE channel SET name = name"))
    finally:
        store.close()

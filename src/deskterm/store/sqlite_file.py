"""Cheap checks of a SQLite store file before it is opened, and the "damaged" mark beside it.

Why by hand: SQLite itself happily turns an existing 0-byte file into a new, empty
database, and reports a truncated file only when a query reaches a missing page. Reading
the 100-byte header (https://www.sqlite.org/fileformat.html#the_database_header) costs
nothing and tells "new store", "not a database" and "cut short" apart before anything is
written. A full integrity check reads every page (0.3 s per 500 MB warm, far more cold), so
it is left to `deskterm doctor`; damage met by any later statement is remembered in a mark
file so that no process writes into the store until it is restored or found healthy.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sqlite3
import stat
import threading
import time
from pathlib import Path

from deskterm.domain.errors import StoreDamagedError, StoreError

MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
# A process creating a new store leaves the file empty for a moment (between sqlite3's
# open and its first write); wait this long before calling an empty file damaged.
CREATION_GRACE_SECONDS = 1.0
# A checkpoint that was under way while the header was read settles within this time.
RECHECK_SECONDS = 0.2

# Closing any descriptor of a file drops every POSIX lock this process holds on it,
# SQLite's included (https://www.sqlite.org/howtocorrupt.html, section 2.2). So the
# header is read only while this process has no SQLite connection to the file; these
# counts (by device and inode) say when it has.
_IN_USE: dict[tuple[int, int], int] = {}
_IN_USE_LOCK = threading.Lock()


def damaged_message(path: Path | str, detail: str, *, state: str = "damaged") -> str:
    """One line: the store is damaged, nothing is written, and how to get it back."""
    quoted = shlex.quote(str(path))
    recovered = shlex.quote(f"{path}.recovered")
    return (
        f"{path}: the store is {state} ({detail}); deskterm will not write to it."
        f" Restore it from a backup, or salvage what is readable with"
        f" `sqlite3 {quoted} .recover | sqlite3 {recovered}` and put that file in its place"
        " (`deskterm doctor` checks it again)"
    )


def check_store_file(path: Path) -> None:
    """Refuse a store file that is empty, not SQLite, or cut short; a missing file is fine
    (it becomes a new store)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise StoreError(f"{path}: {kind}, not a store file; check [store] path in the config")
    if _in_use(info):
        return  # checked when this process first opened it; reading it now drops locks
    size = info.st_size if info.st_size else _wait_for_creator(path)
    if size == 0 and not _has_wal(path):
        raise StoreDamagedError(
            f"{path}: the store file is empty (0 bytes) and holds no data; deskterm will not"
            " start a new store over it. Restore it from a backup, or delete it to start afresh"
        )
    if size == 0:
        return  # everything is still in the write-ahead log: SQLite reads it from there
    header = _read_header(path)
    problem = _header_problem(header, size)
    if not problem or (problem == "truncated" and not _still_truncated(path)):
        return
    if problem == "truncated":
        expected = _page_count(header) * _page_size(header)
        detail = f"{size} of {expected} bytes"
        raise StoreDamagedError(damaged_message(path, detail, state="truncated"))
    if problem:
        raise StoreDamagedError(
            f"{path}: not a SQLite database ({problem}). Check [store] path in the config;"
            " if this is the store, it is damaged: restore it from a backup"
        )


def check_deskterm_schema(path: Path) -> None:
    """Refuse a SQLite file with tables but no deskterm schema: another program's database.

    Read-only, so nothing about the file changes (a read/write open would switch it to
    WAL mode). A file SQLite cannot read passes here: opening it for real says why.
    """
    if not path.exists():
        return
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            names = [
                str(row[0])
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
        finally:
            conn.close()
    except sqlite3.Error:
        return
    if names and "alembic_version" not in names:
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        raise StoreDamagedError(
            f"{path}: a SQLite database but not a deskterm store (it has tables {shown});"
            " check [store] path in the config"
        )


def connection_opened(path: Path) -> tuple[int, int] | None:
    """Count a SQLite connection this process opened to ``path``; the returned key goes
    to connection_closed when it closes."""
    try:
        info = path.stat()
    except OSError:
        return None
    key = (info.st_dev, info.st_ino)
    with _IN_USE_LOCK:
        _IN_USE[key] = _IN_USE.get(key, 0) + 1
    return key


def connection_closed(key: tuple[int, int] | None) -> None:
    """Uncount a connection counted by connection_opened."""
    if key is None:
        return
    with _IN_USE_LOCK:
        left = _IN_USE.get(key, 0) - 1
        if left > 0:
            _IN_USE[key] = left
        else:
            _IN_USE.pop(key, None)


def _in_use(info: os.stat_result) -> bool:
    with _IN_USE_LOCK:
        return (info.st_dev, info.st_ino) in _IN_USE


def _wait_for_creator(path: Path) -> int:
    deadline = time.monotonic() + CREATION_GRACE_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            size = path.stat().st_size
        except OSError:
            return 0
        if size:
            return size
    return 0


def _has_wal(path: Path) -> bool:
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def _read_header(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(HEADER_SIZE)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store: {exc.strerror or exc}") from exc


def _page_size(header: bytes) -> int:
    raw = int.from_bytes(header[16:18], "big")
    return 65536 if raw == 1 else raw


def _page_count(header: bytes) -> int:
    # The in-header size is valid only when the change counter matches "version valid for".
    if header[24:28] != header[92:96]:
        return 0
    return int.from_bytes(header[28:32], "big")


def _header_problem(header: bytes, size: int) -> str:
    """What is wrong with the header: "" for nothing, "truncated", or a description."""
    if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
        printable = header[:16].decode("ascii", "replace")
        looks_text = printable.isprintable() and header[:16].isascii()
        return "it holds text" if looks_text else "its header is not SQLite's"
    page_size = _page_size(header)
    if page_size < 512 or page_size & (page_size - 1):
        return f"its header gives an impossible page size of {page_size}"
    if size < _page_count(header) * page_size:
        return "truncated"
    return ""


def _still_truncated(path: Path) -> bool:
    """True when the file is shorter than its header says and no checkpoint explains it.

    A checkpoint writes page 1 (with the new page count) before it extends the file, so
    a file looks short while one runs. Checkpoints need a -wal file; with none there, and
    the file still short a moment later, the file really was cut short.
    """
    if Path(f"{path}-wal").exists():
        return False
    time.sleep(RECHECK_SECONDS)
    try:
        size = path.stat().st_size
        header = _read_header(path)
    except (OSError, StoreError):
        return False
    return _header_problem(header, size) == "truncated" and not Path(f"{path}-wal").exists()


def _mark(path: Path) -> Path:
    return path.with_name(path.name + ".damaged")


def record_damage(path: Path, detail: str) -> None:
    """Remember that ``path`` is damaged, for every process, until it is replaced or
    found healthy by `deskterm doctor` (best effort: a full disk may refuse the mark)."""
    try:
        info = path.stat()
        if not _in_use(info):  # else SQLite has it open: it is a SQLite file
            with path.open("rb") as handle:
                if handle.read(len(MAGIC)) != MAGIC:
                    return  # not a SQLite file at all: the header check speaks for it
        mark = _mark(path)
        tmp = mark.with_name(mark.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"dev": info.st_dev, "ino": info.st_ino, "detail": detail}, handle)
        os.replace(tmp, mark)
    except OSError:
        pass


def recorded_damage(path: Path) -> str | None:
    """What damage was recorded for the file now at ``path``, or None.

    The mark names the file by device and inode: a restored backup or a recovered copy
    moved into place is a new file, and the old mark no longer applies to it.
    """
    mark = _mark(path)
    try:
        recorded = json.loads(mark.read_text())
        info = path.stat()
    except (OSError, ValueError):
        return None
    if not isinstance(recorded, dict):
        return None
    if (recorded.get("dev"), recorded.get("ino")) != (info.st_dev, info.st_ino):
        return None
    return str(recorded.get("detail") or "damage found earlier")


def clear_damage(path: Path) -> None:
    """Forget recorded damage (the store was checked and is healthy)."""
    with contextlib.suppress(OSError):
        _mark(path).unlink(missing_ok=True)


def check_writable(path: Path) -> None:
    """Raise StoreDamagedError when damage has been recorded for the store at ``path``."""
    detail = recorded_damage(path)
    if detail is not None:
        raise StoreDamagedError(damaged_message(path, detail))

"""Long writers (an import, a sync) say who they are, so a write waiting for the lock can
name them: "store busy: an import (pid 4242) is writing; waiting…"."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _folder(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".writers")


@contextmanager
def announce(db_path: Path | None, what: str) -> Iterator[None]:
    """While the block runs, tell waiting writers that ``what`` (e.g. "an import") writes
    to the store at ``db_path``. Best effort: a full disk or a read-only folder only
    makes the note anonymous."""
    if db_path is None:
        yield
        return
    entry = _folder(db_path) / str(os.getpid())
    try:
        entry.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(entry, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(what)
    except OSError:
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            entry.unlink()


def active(db_path: Path) -> list[str]:
    """The announced writers still running, as "an import (pid 4242)"."""
    try:
        entries = list(_folder(db_path).iterdir())
    except OSError:
        return []
    found: list[str] = []
    for entry in entries:
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        if not _alive(pid):
            with contextlib.suppress(OSError):
                entry.unlink()  # its process was killed: not a writer any more
            continue
        with contextlib.suppress(OSError):
            found.append(f"{entry.read_text().strip() or 'a deskterm process'} (pid {pid})")
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True

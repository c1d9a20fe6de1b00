"""Store health for `deskterm doctor`: a full integrity check and the free disk space."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from deskterm.domain.errors import StoreError
from deskterm.domain.health import CheckResult, fail, ok
from deskterm.store.readdb import ReadDb, sqlite_file
from deskterm.store.sqlite_file import clear_damage, damaged_message, record_damage

MIN_FREE_BYTES = 100 * 1024**2  # below this, an import or a busy sync day can fill it
ROOMY_FREE_BYTES = 1024**3  # at or above this, a large disk's low percentage is no worry
MIN_FREE_SHARE = 0.05


def store_health(
    connect: Callable[[], ReadDb], url: str, shown_as: str, data_dir: Path
) -> list[CheckResult]:
    """The store's integrity (every page read: the one check too slow for each start)
    and the free space where it and its attachments live. ``shown_as`` names the store
    (its URL without a password)."""
    db_path = sqlite_file(url)
    return [integrity_check(connect, shown_as=shown_as, db_path=db_path), free_space(data_dir)]


def integrity_check(
    connect: Callable[[], ReadDb], *, shown_as: str, db_path: Path | None
) -> CheckResult:
    """Open the store and run SQLite's quick_check; damage found is recorded so that no
    process writes to the store, and a clean result clears an earlier record."""
    try:
        db = connect()
        problems: list[str] = []
        if db.dialect == "sqlite":
            rows = db.all("PRAGMA quick_check(20)")
            problems = [str(row[0]) for row in rows if str(row[0]) != "ok"]
        counts = db.all("SELECT (SELECT count(*) FROM ticket), (SELECT count(*) FROM message)")[0]
    except StoreError as exc:
        return fail("store", str(exc))
    if problems:
        detail = f"integrity check: {_one_line(problems[0])}"
        if len(problems) > 1:
            detail += f" and {len(problems) - 1} more problem(s)"
        if db_path is not None:
            record_damage(db_path, detail)
        return fail("store", damaged_message(db_path or shown_as, detail))
    if db_path is not None:
        clear_damage(db_path)
    return ok(
        "store",
        f"{shown_as} — {counts[0]} tickets, {counts[1]} messages, integrity ok",
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def free_space(directory: Path) -> CheckResult:
    """Free space on the filesystem of ``directory``: a problem below 100 MB, or below 5%
    of the disk when that is under 1 GB."""
    probe = directory
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        usage = shutil.disk_usage(probe)
    except OSError as exc:
        return fail("disk space", f"{directory}: cannot tell: {exc.strerror}")
    need = max(MIN_FREE_BYTES, min(int(usage.total * MIN_FREE_SHARE), ROOMY_FREE_BYTES))
    detail = (
        f"{directory} (filesystem at {_mount_point(probe)}): {_size(usage.free)} free"
        f" of {_size(usage.total)}"
    )
    if usage.free < need:
        detail += (
            f", under {_size(need)}: free some space before the store fills it"
            " (imports and sync stop on a full disk)"
        )
    return (ok if usage.free >= need else fail)("disk space", detail)


def _mount_point(path: Path) -> Path:
    path = path.resolve()
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


def _size(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024:
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} TB"

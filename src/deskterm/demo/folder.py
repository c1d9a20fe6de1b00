"""The demo's data folder: one per user, emptied at each start, one demo in it at a time."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from deskterm.domain.errors import DesktermError
from deskterm.paths import cache_dir, create_private_file, ensure_dir
from deskterm.pidlock import PidLocked, lock_with_pid

DEMO_FOLDER_NAME = "demo"  # under the cache folder: ~/.cache/deskterm/demo
MARKER = ".deskterm-demo"  # written first: a folder without it is someone else's


class DemoFolderError(DesktermError):
    """The demo's folder is in use by another demo, or is not the demo's to empty."""

    exit_code = 1


@contextlib.contextmanager
def demo_folder(data_dir: Path | None) -> Iterator[Path]:
    """The folder this demo keeps its store, config and log in.

    A folder the user names (``--data-dir``) is used as it is. Otherwise every run uses the
    same per-user folder, emptied first (the demo seeds its mail again each time), so
    runs do not pile up copies of the store in the temporary folder. A lock beside it,
    held for the whole run and dropped by the OS if the process dies, keeps a second
    demo from emptying the store of one that runs.
    """
    if data_dir is not None:
        yield ensure_dir(data_dir)
        return
    folder = cache_dir() / DEMO_FOLDER_NAME
    with _locked(folder.with_name(f"{DEMO_FOLDER_NAME}.lock"), folder):
        _empty(folder)
        ensure_dir(folder)
        create_private_file(folder / MARKER)
        yield folder


@contextlib.contextmanager
def _locked(lock: Path, folder: Path) -> Iterator[None]:
    try:
        fd = lock_with_pid(lock)
    except PidLocked as busy:
        raise DemoFolderError(
            f"another deskterm demo (pid {busy.holder}) is running in {folder}; quit it"
            " first, or give this one its own folder with --data-dir DIR"
        ) from None
    try:
        yield
    finally:
        os.close(fd)  # also drops the lock


def _empty(folder: Path) -> None:
    """Remove the last run's folder; never a folder the demo did not make."""
    if not folder.exists() and not folder.is_symlink():
        return
    if (
        folder.is_symlink()
        or not folder.is_dir()
        or (any(folder.iterdir()) and not (folder / MARKER).exists())
    ):
        raise DemoFolderError(
            f"{folder} is not a folder deskterm demo made; move it away,"
            " or give the demo another folder with --data-dir DIR"
        )
    shutil.rmtree(folder)

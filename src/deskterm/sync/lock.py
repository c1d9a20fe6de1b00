"""One syncer per store: an exclusive lock held for the life of a sync process."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from deskterm.domain.errors import DesktermError
from deskterm.paths import SYNC_LOCK_FILE_NAME
from deskterm.pidlock import PidLocked, lock_with_pid


class SyncLockedError(DesktermError):
    """Another process already syncs this store."""

    exit_code = 1


class SyncLock:
    """An advisory file lock beside the store (released by the OS if the holder dies)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / SYNC_LOCK_FILE_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise SyncLockedError naming the holder."""
        try:
            self._fd = lock_with_pid(self.path)
        except PidLocked as busy:
            raise SyncLockedError(
                f"another deskterm sync (pid {busy.holder}) is already syncing this store;"
                " it keeps the inbox up to date for every open deskterm"
            ) from None

    def release(self) -> None:
        """Give the lock up."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> SyncLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

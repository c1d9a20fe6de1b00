"""An exclusive advisory lock on a file that names its holder's pid (dropped by the OS on death)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from deskterm.paths import ensure_dir


class PidLocked(Exception):
    """Another process holds the lock; ``holder`` is the pid it wrote, or "unknown"."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def lock_with_pid(path: Path) -> int:
    """An open descriptor on ``path`` holding its exclusive lock, with our pid written in it.

    Closing the descriptor (or the process ending) drops the lock. Raises PidLocked
    naming the holder when another process has it.
    """
    ensure_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise PidLocked(holder) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd

"""A real full disk for tests: a small tmpfs of its own (CI runs as root, so it can mount one)."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_disk(path: Path, size: str = "4m") -> Iterator[Path]:
    """Mount a tmpfs of ``size`` at ``path`` for the block (skips the test without root)."""
    path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> None:
    """Take every free byte of ``disk``."""
    chunk = b"\0" * 4096
    with (disk / "filler").open("ab", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    # Smaller writes may still fit in the last partial page.
    with (disk / "filler2").open("ab", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0")
        except OSError:
            pass


def grow(disk: Path, size: str) -> None:
    """Give ``disk`` more room (the user freed space)."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(disk)], check=True)

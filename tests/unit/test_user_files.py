"""Files a user names: only regular files are read, writes never clobber or follow symlinks.

Issue 9 findings 8 and 14: `--config` at a FIFO hung, /dev/zero ended in MemoryError, and
`macros export` overwrote files and wrote through symlinks.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deskterm.config import load_config
from deskterm.domain.errors import ConfigError, UsageError
from deskterm.domain.userfiles import read_regular_file, write_file


def test_reads_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "f.toml"
    path.write_bytes(b"x = 1\n")
    assert read_regular_file(path, what="a file", limit=100) == b"x = 1\n"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """issue 9 finding 14: opening a FIFO blocked until a writer came (forever)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match=r"pipe: is a FIFO, not a config file"):
        read_regular_file(fifo, what="a config file", limit=100)


def test_endless_device_is_refused() -> None:
    """issue 9 finding 14: /dev/zero was read until memory ran out."""
    with pytest.raises(UsageError, match=r"/dev/zero: is a character device"):
        read_regular_file(Path("/dev/zero"), what="a macros file", limit=100)


def test_directory_missing_and_too_large(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        read_regular_file(tmp_path, what="a file", limit=100)
    with pytest.raises(UsageError, match="no such file"):
        read_regular_file(tmp_path / "nope", what="a file", limit=100)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 4096)
    with pytest.raises(UsageError, match="larger than 1 KiB"):
        read_regular_file(big, what="a file", limit=1024)


def test_config_at_a_fifo_is_a_config_error(tmp_path: Path) -> None:
    """issue 9 finding 14: `--config FIFO` hung."""
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="is a FIFO, not a config file"):
        load_config(fifo)


def test_write_creates_refuses_and_replaces(tmp_path: Path) -> None:
    """issue 9 finding 8: no overwrite unless asked; a replaced file keeps its mode."""
    path = tmp_path / "out.toml"
    write_file(path, b"one\n", replace=False)
    assert path.read_bytes() == b"one\n"
    with pytest.raises(UsageError, match=r"out\.toml: already exists; pass --force"):
        write_file(path, b"two\n", replace=False, refuse_hint="pass --force to replace it")
    assert path.read_bytes() == b"one\n"
    path.chmod(0o600)
    write_file(path, b"two\n", replace=True)
    assert path.read_bytes() == b"two\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.toml"]  # no temp file left


def test_write_never_follows_a_symlink(tmp_path: Path) -> None:
    """issue 9 finding 8: the export wrote through a symlink to any file the user owns."""
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    link = tmp_path / "out.toml"
    link.symlink_to(victim)
    with pytest.raises(UsageError, match="already exists"):
        write_file(link, b"data", replace=False)
    write_file(link, b"data", replace=True)
    assert victim.read_bytes() == b"precious"
    assert not link.is_symlink() and link.read_bytes() == b"data"


def test_write_into_a_missing_folder_or_a_directory(tmp_path: Path) -> None:
    """issue 9 finding 14: a missing folder or a directory crashed the export."""
    with pytest.raises(UsageError, match="does not exist"):
        write_file(tmp_path / "nope" / "x.toml", b"", replace=True)
    with pytest.raises(UsageError, match="is a directory"):
        write_file(tmp_path, b"", replace=True)

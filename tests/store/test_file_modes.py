"""The store and everything beside it are private to the user whatever the umask, and
`doctor` warns about anything looser (issue 9 finding 2)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm import paths
from deskterm.cli import main
from deskterm.store.blobs import blob_path, put_blob
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import open_store
from deskterm.sync.status import status_path, write_status


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """umask 022, the usual default: a mode left to the umask is readable by everyone."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_a_new_store_its_wal_and_its_directory_are_private(tmp_path: Path) -> None:
    """issue 9 finding 2: with umask 022 the data directory was 0755 and deskterm.db 0644
    (all mail, raw messages, tokens), although paths.ensure_dir promises 0700."""
    data = tmp_path / "fresh" / "data"
    store = open_store(f"sqlite:///{data / 'deskterm.db'}")
    try:
        with store.write() as session:  # a write: the WAL and its index exist now
            ensure_channel(session, name="support", type="email", address="s@shop.test")
        assert (data / "deskterm.db-wal").exists() and (data / "deskterm.db-shm").exists()
        assert mode(data) == "0o700"
        for name in ("deskterm.db", "deskterm.db-wal", "deskterm.db-shm"):
            assert mode(data / name) == "0o600", name
    finally:
        store.close()


def test_attachments_and_sync_status_are_private(tmp_path: Path) -> None:
    """issue 9 finding 2: attachments (directory, fan-out folders, files) and the sync
    status file are private under umask 022 (the fan-out folders were 0755)."""
    data = tmp_path / "data"
    store = open_store(f"sqlite:///{data / 'deskterm.db'}")
    store.close()
    digest = put_blob(store.attachments_dir(), b"%PDF-1.4 invoice")
    blob = blob_path(store.attachments_dir(), digest)
    for folder in (store.attachments_dir(), blob.parent, blob.parent.parent):
        assert mode(folder) == "0o700", folder
    assert mode(blob) == "0o600"

    status_dir = tmp_path / "elsewhere"
    write_status(status_dir, {"support": {"ok": True, "error": "", "at": "now"}})
    assert mode(status_dir) == "0o700"
    assert mode(status_path(status_dir)) == "0o600"


def test_ensure_dir_gives_the_mode_whatever_the_umask(tmp_path: Path) -> None:
    """issue 9 finding 2: the promise every private directory relies on."""
    made = paths.ensure_dir(tmp_path / "a" / "b")
    assert mode(made) == "0o700"


def doctor(config: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    main(["--config", str(config), "doctor"])
    out = capsys.readouterr().out.splitlines()
    return [line for line in out if line.startswith("warn  files")]


def test_doctor_warns_about_store_files_others_can_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 2: `doctor` lists the data directory, store, log and token key files
    that other users can read (an older deskterm, a copy, a chmod), with the command that
    fixes them, and leaves the user's own files beside the store alone."""
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "data/deskterm.db"\n', encoding="utf-8")
    assert doctor(config, capsys) == []  # everything deskterm made itself is private

    data = tmp_path / "data"
    data.chmod(0o755)
    (data / "deskterm.db").chmod(0o644)
    paths.log_dir().mkdir(parents=True, exist_ok=True)  # 0755 under this umask
    (paths.log_dir() / "deskterm.log").write_text("x", encoding="utf-8")
    (paths.log_dir() / "deskterm.log").chmod(0o640)
    key = paths.config_dir() / paths.TOKEN_KEY_FILE_NAME  # copied over from another machine
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_text("k", encoding="utf-8")
    key.chmod(0o644)
    unrelated = data / "notes.txt"  # not deskterm's: left alone
    unrelated.write_text("mine", encoding="utf-8")
    warnings = doctor(config, capsys)
    text = "\n".join(warnings)
    assert str(data) in text and "0755" in text and "chmod 700" in text
    assert str(data / "deskterm.db") in text and "0644" in text and "chmod 600" in text
    assert str(paths.log_dir() / "deskterm.log") in text and "0640" in text
    assert f"{paths.log_dir()} is open to other users (mode 0755)" in text
    assert f"{key} is open to other users (mode 0644); run: chmod 600 {key}" in text
    assert "notes.txt" not in text

    data.chmod(0o700)
    (data / "deskterm.db").chmod(0o600)
    (paths.log_dir() / "deskterm.log").chmod(0o600)
    paths.log_dir().chmod(0o700)
    key.chmod(0o600)
    assert doctor(config, capsys) == []

"""``macros export FILE``: never overwrites without --force, never writes through a symlink.

Issue 9 finding 8: the export overwrote an existing file and followed symlinks; a missing
folder or a directory as FILE crashed (finding 14).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.subprocess_cli import REPO, Result, run_deskterm, seeded_config


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = seeded_config(tmp_path_factory.mktemp("export"))
    done = run_deskterm("--config", path, "macros", "import", REPO / "samples" / "macros.toml")
    assert done.code == 0, done.err
    yield path


def export(config: Path, target: Path, *extra: str) -> Result:
    return run_deskterm("--config", config, "macros", "export", target, *extra)


def assert_refused(result: Result, needle: str) -> None:
    assert result.code == 2, result
    assert len(result.err_lines()) == 1 and needle in result.err, result.err
    assert "Traceback" not in result.err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_new_file_is_written_whole(config: Path, tmp_path: Path) -> None:
    """issue 9 finding 8: a new file is created with the usual permissions, no temp left."""
    target = tmp_path / "macros.toml"
    result = export(config, target)
    assert result.code == 0, result.err
    assert len(tomllib.loads(target.read_text(encoding="utf-8"))["macros"]) == 4
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert leftovers(tmp_path) == []


def test_existing_file_needs_force(config: Path, tmp_path: Path) -> None:
    """issue 9 finding 8: an existing file is kept unless --force is given."""
    target = tmp_path / "macros.toml"
    target.write_text("precious\n")
    assert_refused(export(config, target), "--force")
    assert target.read_text() == "precious\n"
    forced = export(config, target, "--force")
    assert forced.code == 0, forced.err
    assert "precious" not in target.read_text() and "[[macros]]" in target.read_text()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
def test_never_writes_through_a_symlink(config: Path, tmp_path: Path, force: bool) -> None:
    """issue 9 finding 8: a symlink at FILE is refused, or with --force replaced; its target
    is never written."""
    victim = tmp_path / "authorized_keys"
    victim.write_text("ssh-ed25519 AAAA precious\n")
    link = tmp_path / "macros.toml"
    link.symlink_to(victim)
    result = export(config, link, *(["--force"] if force else []))
    assert victim.read_text() == "ssh-ed25519 AAAA precious\n"
    if force:
        assert result.code == 0, result.err
        assert not link.is_symlink() and "[[macros]]" in link.read_text()
    else:
        assert_refused(result, "--force")
        assert link.is_symlink()


def test_dangling_symlink_is_not_followed(config: Path, tmp_path: Path) -> None:
    """issue 9 finding 8: a dangling link would create its target somewhere else."""
    link = tmp_path / "macros.toml"
    link.symlink_to(tmp_path / "elsewhere.toml")
    assert_refused(export(config, link), "--force")
    assert not (tmp_path / "elsewhere.toml").exists()


def test_missing_folder(config: Path, tmp_path: Path) -> None:
    """issue 9 finding 14: a missing folder is one line, exit 2."""
    assert_refused(export(config, tmp_path / "nope" / "macros.toml"), "nope")


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
def test_directory(config: Path, tmp_path: Path, force: bool) -> None:
    """issue 9 finding 14: a directory as FILE is one line, exit 2, even with --force."""
    folder = tmp_path / "folder"
    folder.mkdir()
    assert_refused(export(config, folder, *(["--force"] if force else [])), "directory")
    assert folder.is_dir()


def test_fifo_is_refused_without_hanging(config: Path, tmp_path: Path) -> None:
    """issue 9 finding 14: a FIFO is an existing file: refused, never opened."""
    fifo = tmp_path / "macros.toml"
    os.mkfifo(fifo)
    assert_refused(export(config, fifo), "--force")

"""Tests for deskterm.paths: platform directories, env overrides, directory creation."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from deskterm import paths

OVERRIDES = {
    "DESKTERM_CONFIG_DIR": paths.config_dir,
    "DESKTERM_DATA_DIR": paths.data_dir,
    "DESKTERM_CACHE_DIR": paths.cache_dir,
    "DESKTERM_LOG_DIR": paths.log_dir,
}

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def no_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No DESKTERM_* overrides; XDG points into tmp_path so defaults are predictable."""
    for var in OVERRIDES:
        monkeypatch.delenv(var, raising=False)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    return tmp_path


@pytest.mark.parametrize("var", sorted(OVERRIDES))
def test_env_var_overrides_directory(
    var: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(var, str(tmp_path / "elsewhere"))
    assert OVERRIDES[var]() == tmp_path / "elsewhere"


@pytest.mark.parametrize("var", sorted(OVERRIDES))
def test_empty_env_var_means_unset(var: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(var, "")
    assert OVERRIDES[var]() != Path()
    assert OVERRIDES[var]().is_absolute()


def test_override_expands_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DESKTERM_DATA_DIR", "~/dd")
    assert paths.data_dir() == tmp_path / "dd"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG layout is Linux-specific")
def test_defaults_follow_platformdirs(no_overrides: Path) -> None:
    assert paths.config_dir() == no_overrides / "xdg_config_home" / "deskterm"
    assert paths.data_dir() == no_overrides / "xdg_data_home" / "deskterm"
    assert paths.cache_dir() == no_overrides / "xdg_cache_home" / "deskterm"
    assert paths.log_dir().parts[-1] == "log"
    assert "deskterm" in paths.log_dir().parts


def test_default_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DESKTERM_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("DESKTERM_DATA_DIR", str(tmp_path / "d"))
    assert paths.default_config_path() == tmp_path / "c" / "config.toml"
    assert paths.default_store_path() == tmp_path / "d" / "deskterm.db"
    assert paths.attachments_dir() == tmp_path / "d" / "attachments"
    assert paths.attachments_dir(tmp_path / "x") == tmp_path / "x" / "attachments"


def test_lookups_create_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in OVERRIDES:
        monkeypatch.setenv(var, str(tmp_path / var))
    for get in OVERRIDES.values():
        get()
    paths.default_config_path()
    paths.default_store_path()
    paths.attachments_dir()
    assert list(tmp_path.iterdir()) == []


def test_import_creates_no_directories(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "DESKTERM_"))}
    env |= {"HOME": str(tmp_path), "PYTHONPATH": str(SRC)}
    code = "import deskterm.paths, deskterm.config, deskterm.secrets"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert list(tmp_path.iterdir()) == []


def test_ensure_dir_creates_private_directory(tmp_path: Path) -> None:
    old_umask = os.umask(0o000)  # a permissive umask must not leak into the mode
    try:
        created = paths.ensure_dir(tmp_path / "a" / "b")
    finally:
        os.umask(old_umask)
    assert created == tmp_path / "a" / "b"
    assert created.is_dir()
    assert stat.S_IMODE(created.stat().st_mode) == 0o700


def test_ensure_dir_honours_mode(tmp_path: Path) -> None:
    created = paths.ensure_dir(tmp_path / "shared", mode=0o750)
    assert stat.S_IMODE(created.stat().st_mode) == 0o750


def test_ensure_dir_leaves_existing_directory_alone(tmp_path: Path) -> None:
    existing = tmp_path / "mine"
    existing.mkdir()
    existing.chmod(0o755)
    assert paths.ensure_dir(existing) == existing
    assert stat.S_IMODE(existing.stat().st_mode) == 0o755


def test_ensure_dir_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(FileExistsError):
        paths.ensure_dir(tmp_path / "f")

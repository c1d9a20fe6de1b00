"""The command the demo tells the user to run is the one that runs this deskterm
(issue 10 item 13)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from deskterm.cli.demo_command import invocation


def script(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_python_dash_m(monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 10 item 13: run as `python -m deskterm`, the demo says so, not `deskterm`."""
    main = Path(sys.modules["deskterm"].__file__ or "").with_name("__main__.py")
    monkeypatch.setattr(sys, "argv", [str(main), "demo"])
    assert invocation() == f"{shlex.quote(sys.executable)} -m deskterm"


def test_a_venv_script_not_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 10 item 13: `.venv/bin/deskterm demo` printed `deskterm --config …`, which is
    not on PATH; now the script's absolute path (usable from any folder)."""
    deskterm = script(tmp_path / "my shop" / ".venv" / "bin" / "deskterm")
    monkeypatch.chdir(tmp_path / "my shop")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setattr(sys, "argv", [".venv/bin/deskterm", "demo"])
    assert invocation() == shlex.quote(str(deskterm))


def test_deskterm_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed on PATH (what the shell ran): the plain name."""
    deskterm = script(tmp_path / "bin" / "deskterm")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    monkeypatch.setattr(sys, "argv", [str(deskterm), "demo"])
    assert invocation() == "deskterm"


def test_another_deskterm_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A different deskterm first on PATH: the path of the one running."""
    script(tmp_path / "bin" / "deskterm")
    running = script(tmp_path / "venv" / "bin" / "deskterm")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    monkeypatch.setattr(sys, "argv", [str(running), "demo"])
    assert invocation() == str(running)

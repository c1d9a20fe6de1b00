"""`reply --macro` with a hostile shared macro: one line naming the macro, nothing queued."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deskterm.cli import main

REPO = Path(__file__).resolve().parents[2]

HOSTILE = {
    "Loops": "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    "Repeat": "Hi {{ 'x' * 3000000000 }}",
    "Flood": "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
}


@pytest.fixture
def config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The sample mailbox in a temp store, with the hostile macros imported."""
    path = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", path)
    assert (
        main(["--config", str(path), "import", "mbox", str(REPO / "samples" / "support.mbox")]) == 0
    )
    macros = tmp_path / "hostile.toml"
    macros.write_text(
        "".join(
            f"[[macros]]\nname = {json.dumps(name)}\nbody = {json.dumps(body)}\n"
            for name, body in HOSTILE.items()
        )
    )
    assert main(["--config", str(path), "macros", "import", str(macros)]) == 0
    capsys.readouterr()
    return path


def deskterm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        timeout=120,  # only catches a hang: the render limit is 2 s
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Loops", "takes longer than 2 s to render"),
        ("Repeat", "builds more than 1,000,000 characters of text"),
        ("Flood", "produces more than 100,000 characters"),
    ],
)
def test_reply_with_a_hostile_macro_fails_in_one_line(config: Path, name: str, reason: str) -> None:
    """issue 9 finding 4: `reply --macro` used to hang (nested loops) or grow memory
    (`'x' * 3000000000`); now it stops at the limit with one line naming the macro, exit 2
    (a broken shared file is a usage/config error), and nothing is queued."""
    proc = deskterm("--config", str(config), "reply", "2", "--macro", name)
    assert proc.returncode == 2
    assert proc.stderr == f"deskterm: macro {name!r}: {reason}\n"
    shown = json.loads(deskterm("--config", str(config), "show", "2", "--json").stdout)
    assert [m for m in shown["messages"] if m["direction"] == "out"] == []


def test_import_refuses_a_body_too_long_to_render(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 4: a body past the render limit is refused when imported, in one line,
    instead of failing later for everyone who picks it."""
    path = tmp_path / "long.toml"
    path.write_text(f'[[macros]]\nname = "Long"\nbody = "{"x" * 100_001}"\n')
    assert main(["--config", str(config), "macros", "import", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"deskterm: {path}: macros[0].body: a macro is at most 100,000 characters\n"
    )

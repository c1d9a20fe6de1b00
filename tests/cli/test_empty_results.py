"""`tickets`, `search`, `macros` and `views` with nothing to show say so on stderr; stdout
stays the results, and `--json` still prints `[]` (issue 10 item 7)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from deskterm.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The sample config on an empty store in tmp_path."""
    path = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", path)
    return path


def run(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("command", [["tickets"], ["tickets", "--view", "All"], ["search", "x"]])
def test_an_empty_store_says_how_to_get_tickets(
    config: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """issue 10 item 7: nothing stored yet: sync, import or the demo."""
    code, out, err = run(capsys, config, *command)
    assert code == 0 and out == ""
    line = one_line(err)
    assert line.startswith("No tickets yet")
    assert "deskterm sync" in line and "deskterm import mbox" in line and "deskterm demo" in line


def test_json_stays_an_empty_array(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """issue 10 item 7: the --json contract: `[]` on stdout, nothing on stderr."""
    for command in (["tickets"], ["search", "x"], ["macros"]):
        code, out, err = run(capsys, config, *command, "--json")
        assert code == 0 and json.loads(out) == [] and err == "", command


def test_no_match_names_the_view_or_query(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """issue 10 item 7: with tickets stored, an empty view or query says which."""
    mbox = str(REPO / "samples" / "support.mbox")
    assert run(capsys, config, "import", "mbox", mbox)[0] == 0
    code, out, err = run(capsys, config, "tickets", "--view", "Spam")
    assert code == 0 and out == "" and one_line(err) == "No tickets in view 'Spam'."
    code, out, err = run(capsys, config, "tickets", "--query", "tag:nothing-here")
    assert out == "" and one_line(err) == "No tickets match 'tag:nothing-here'."
    code, out, err = run(capsys, config, "search", "zzzyyyxxx")
    assert out == "" and one_line(err) == "No tickets match 'zzzyyyxxx'."
    code, out, err = run(capsys, config, "tickets", "--view", "All")
    assert out and err == ""  # results: no note


def test_no_macros_says_how_to_add_one(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """issue 10 item 7: `macros` with none: the command that adds them."""
    code, out, err = run(capsys, config, "macros")
    assert code == 0 and out == ""
    assert one_line(err).startswith("No macros yet — add some with `deskterm macros import FILE`")
    macros = str(REPO / "samples" / "macros.toml")
    assert run(capsys, config, "macros", "import", macros)[0] == 0
    code, out, err = run(capsys, config, "macros")
    assert out and err == ""


def test_views_without_saved_ones_says_how_to_save_one(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 10 item 7: the system views are listed; the note says how to add your own."""
    # A new store comes with two saved views (issue 12): without them, there are none.
    assert run(capsys, config, "views", "delete", "Angry customers")[0] == 0
    assert run(capsys, config, "views", "delete", "Cancellations")[0] == 0
    code, out, err = run(capsys, config, "views")
    assert code == 0 and "Inbox" in out
    assert one_line(err).startswith("No saved views yet — save a search with `deskterm views save")
    assert run(capsys, config, "views", "save", "Refunds", "refund")[0] == 0
    code, out, err = run(capsys, config, "views")
    assert "Refunds" in out and err == ""
    code, out, err = run(capsys, config, "views", "--json")
    assert err == "" and len(json.loads(out)) == 8

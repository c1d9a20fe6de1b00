"""Every string the CLI prints passes the terminal sanitiser: arguments, store text, errors.

Issue 9 finding 3: ``macros`` printed a macro's shortcut raw, ``tag``/``assign`` echoed their
argument raw and "no view named …" listed view names raw (views are shared in a team store).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.subprocess_cli import UNSAFE_OUTPUT, Result, run_deskterm, seeded_config

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # write the clipboard
CLEAR = "\x1b[2J"
C1_CSI = "\x9b2J"
BIDI = "\u202eexe.pdf"
HOSTILE = (OSC52, CLEAR, C1_CSI, BIDI, "\x07", "\x7f")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("escapes")
    yield seeded_config(folder)


def assert_inert(result: Result) -> None:
    for stream in (result.out, result.err):
        found = UNSAFE_OUTPUT.search(stream)
        assert found is None, f"raw {found.group()!r} reached the terminal: {stream!r}"


def body(seq: str) -> str:
    return "Hello\t" + seq + " there"


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


@pytest.fixture(scope="module")
def hostile_macros(config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Macros whose name, shortcut and body carry escapes, as a shared TOML file would."""
    path = tmp_path_factory.mktemp("macros") / "hostile.toml"
    entries = [
        "[[macros]]\n"
        f"name = {_toml_string(f'm{n}{seq}')}\n"
        f"shortcut = {_toml_string(f's{n}{seq}')}\n"
        f"body = {_toml_string(body(seq))}\n"
        for n, seq in enumerate(HOSTILE)
    ]
    path.write_text("\n".join(entries), encoding="utf-8")
    done = run_deskterm("--config", config, "macros", "import", path)
    assert done.code == 0, done.err
    return path


def test_macros_list_shows_shortcuts_inert(config: Path, hostile_macros: Path) -> None:
    """issue 9 finding 3: `macros` printed the shortcut raw."""
    result = run_deskterm("--config", config, "macros")
    assert result.code == 0, result.err
    assert_inert(result)
    assert "␛]52;c;" in result.out  # shown, as a visible placeholder


def test_macros_json_escapes_everything_and_round_trips(config: Path, hostile_macros: Path) -> None:
    """issue 9 finding 3: --json keeps the exact text, with every control escaped."""
    result = run_deskterm("--config", config, "macros", "--json")
    assert result.code == 0, result.err
    assert_inert(result)
    shortcuts = {m["shortcut"] for m in json.loads(result.out)}
    assert {f"s{n}{seq}" for n, seq in enumerate(HOSTILE)} <= shortcuts


def test_macros_export_to_stdout_is_inert_and_lossless(config: Path, hostile_macros: Path) -> None:
    """issue 9 finding 3: the TOML on stdout escapes C1 and bidi too, and reads back exactly."""
    result = run_deskterm("--config", config, "macros", "export")
    assert result.code == 0, result.err
    assert_inert(result)
    bodies = {m["name"]: m["body"] for m in tomllib.loads(result.out)["macros"]}
    for n, seq in enumerate(HOSTILE):
        assert bodies[f"m{n}{seq}"] == body(seq)


@pytest.mark.parametrize("seq", [OSC52, C1_CSI, BIDI], ids=["osc52", "c1-csi", "bidi"])
@pytest.mark.parametrize(
    "command",
    [
        ("tag", "2", "x{}"),
        ("untag", "2", "x{}"),
        ("assign", "2", "agent{}@shop.test"),
        ("tickets", "--view", "nope{}"),
        ("search", "subject:{}"),
        ("tickets", "--query", "tag:{}"),
        ("show", "{}"),
        ("views", "save", "v{}", "tag:x"),
        ("reply", "2", "--macro", "m{}"),
        ("customer", "show", "email:{}@x.test"),
        ("import", "mbox", "/nonexistent/{}.mbox"),
        ("macros", "import", "/nonexistent/{}.toml"),
        ("secret", "set", "{}"),
        ("sync", "--once", "--channel", "{}"),
        ("{}",),
    ],
    ids=lambda c: "-".join(part for part in c if "{}" not in part) or "command",
)
def test_arguments_never_echo_raw(config: Path, command: tuple[str, ...], seq: str) -> None:
    """issue 9 finding 3: `tag`/`assign` and every other command echo their argument inert."""
    args = [part.replace("{}", seq) for part in command]
    result = run_deskterm("--config", config, *args, stdin=b"")
    assert_inert(result)
    assert "Traceback" not in result.err


def test_unknown_view_lists_saved_names_inert(config: Path) -> None:
    """issue 9 finding 3: "no view named …" listed the (shared) saved view names raw."""
    for n, seq in enumerate(HOSTILE):
        saved = run_deskterm("--config", config, "views", "save", f"team{n}{seq}", "tag:vip")
        assert saved.code == 0, saved.err
        assert_inert(saved)
    result = run_deskterm("--config", config, "tickets", "--view", "nope")
    assert result.code == 1 and "no view named" in result.err
    assert len(result.err_lines()) == 1
    assert_inert(result)
    listed = run_deskterm("--config", config, "views")
    assert listed.code == 0, listed.err
    assert_inert(listed)
    as_json = run_deskterm("--config", config, "views", "--json")
    assert_inert(as_json)
    names = {view["name"] for view in json.loads(as_json.out)}
    assert {f"team{n}{seq}" for n, seq in enumerate(HOSTILE)} <= names


def test_store_text_in_tables_and_json(config: Path) -> None:
    """issue 9 finding 3: tags and assignees from the store reach the terminal inert."""
    for seq in HOSTILE:
        assert run_deskterm("--config", config, "tag", "3", "t" + seq).code == 0
    assign = run_deskterm("--config", config, "assign", "3", f"a{CLEAR}@shop.test")
    assert assign.code == 0, assign.err
    for args in (
        ("tickets", "--view", "All"),
        ("tickets", "--view", "All", "--json"),
        ("show", "3"),
        ("show", "3", "--json"),
        ("search", "*", "--json"),
        ("customer", "show", "#1"),
    ):
        result = run_deskterm("--config", config, *args)
        assert result.code == 0, (args, result.err)
        assert_inert(result)
    shown = json.loads(run_deskterm("--config", config, "show", "3", "--json").out)
    assert {"t" + seq.lower() for seq in HOSTILE} <= set(shown["tags"])

"""``deskterm macros`` with intents (issue 12 item 7): imported, listed, exported and read
back; a wrong intent is refused in one line naming the macro and the value."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from deskterm.cli import main
from tests.tui.conftest import REPO


@pytest.fixture
def cfg(tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", path)
    return ("--config", str(path))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def macros_file(tmp_path: Path, intents: str, name: str = "Late parcel") -> Path:
    path = tmp_path / "m.toml"
    path.write_text(
        f'[[macros]]\nname = "Thanks"\nbody = "thank you"\nintents = ["other/thanks"]\n\n'
        f'[[macros]]\nname = "{name}"\nbody = "sorry"\nintents = {intents}\n',
        encoding="utf-8",
    )
    return path


def test_intents_are_imported_listed_and_exported(
    cfg: tuple[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, *cfg, "macros", "import", str(REPO / "samples" / "macros.toml"))[0] == 0
    code, out, _ = run(capsys, *cfg, "macros", "--json")
    assert code == 0
    listed = {m["name"]: m for m in json.loads(out)}
    assert listed["Where is my order (ID)"]["intents"] == [
        "shipping/status",
        "shipping/delivery-issue",
    ]
    # The shapes it had keep their keys; intents is added.
    assert set(listed["Thanks (EN)"]) == {"name", "shortcut", "body", "actions", "intents"}
    code, out, _ = run(capsys, *cfg, "macros")
    assert code == 0
    wismo = next(line for line in out.splitlines() if line.startswith("Where is my order"))
    assert wismo.endswith("[shipping/status shipping/delivery-issue]")
    exported = tmp_path / "out.toml"
    assert run(capsys, *cfg, "macros", "export", str(exported))[0] == 0
    again = {m["name"]: m for m in tomllib.loads(exported.read_text(encoding="utf-8"))["macros"]}
    assert again["Refund approved (EN)"]["intents"] == ["refund/request", "refund/status"]
    imported = run(capsys, *cfg, "macros", "import", str(exported))[1]
    assert imported.endswith("0 macros created, 4 updated\n")
    # A macro without intents exports without the key.
    plain = tmp_path / "plain.toml"
    plain.write_text('[[macros]]\nname = "Plain"\nbody = "x"\n', encoding="utf-8")
    assert run(capsys, *cfg, "macros", "import", str(plain))[0] == 0
    assert run(capsys, *cfg, "macros", "export", str(tmp_path / "o2.toml"))[0] == 0
    plain_out = tomllib.loads((tmp_path / "o2.toml").read_text(encoding="utf-8"))["macros"]
    assert "intents" not in next(m for m in plain_out if m["name"] == "Plain")


@pytest.mark.parametrize(
    ("intents", "needle"),
    [
        (
            '["shipping/where"]',
            "macros[1].intents: macro 'Late parcel': unknown intent 'shipping/where'"
            " (did you mean shipping/change?)",
        ),
        ('["nonsense"]', "unknown intent 'nonsense' (known: discount/request, exchange/request"),
        ('"shipping/status"', 'macros[1].intents: a list of intents, e.g. ["shipping/status"]'),
        ("[1]", 'macros[1].intents: a list of intents, e.g. ["shipping/status"]'),
    ],
)
def test_a_wrong_intent_is_refused_in_one_line(
    cfg: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    intents: str,
    needle: str,
) -> None:
    path = macros_file(tmp_path, intents)
    code, out, err = run(capsys, *cfg, "macros", "import", str(path))
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and needle in err, err
    assert "Traceback" not in err
    # All or nothing: the good first macro was not saved either.
    code, out, _ = run(capsys, *cfg, "macros", "--json")
    assert json.loads(out) == []

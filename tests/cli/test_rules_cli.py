"""``deskterm rules`` (issue 14 item 1, part A): list, show, import, export, enable,
disable, move, delete; the real CLI in-process on a store filled from the sample config."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from deskterm.cli import main
from tests.cli.subprocess_cli import SAMPLE_MBOX, store_digest, store_file

REPO = Path(__file__).resolve().parents[2]
WISMO = """
[[rules]]
name = "WISMO auto-answer"
when = ["message.created"]
if = 'intent:shipping/status AND order.status:shipped AND NOT tag:auto-answered'
then = [{ reply = "wismo" }, { tag = ["auto-answered"] }]
stop = false
"""
THANKS = """
[[rules]]
name = "Close on thanks"
description = "after an agent's reply"
enabled = true
when = ["message.created"]
if = "intent:other/thanks message.from:customer"
then = [{ close = true }]
stop = true
"""
OUTSIDE = """
[[rules]]
name = "Outside hours"
when = ["ticket.created", "message.created"]
if = "hours:outside AND message.from:customer AND (message.channel_type:email OR order.total>100)"
then = [{ note = "outside hours" }, { command = ["true"], timeout = 5 }, { priority = "high" }]
"""
JSON_KEYS = [
    "name",
    "position",
    "enabled",
    "when",
    "if",
    "then",
    "stop",
    "description",
    "updated_at",
]


@dataclass
class Cli:
    """The sample store and a way to run deskterm on it."""

    config: Path
    folder: Path
    capsys: pytest.CaptureFixture[str]

    def run(self, *args: str | Path) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--config", str(self.config), *(str(a) for a in args)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str | Path) -> str:
        code, out, err = self.run(*args)
        assert code == 0, err
        return out

    def refused(self, code: int, *args: str | Path) -> str:
        got, out, err = self.run(*args)
        assert got == code, (got, out, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        return err

    def write(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        return path

    def listed(self) -> list[dict]:  # type: ignore[type-arg]
        return json.loads(self.ok("rules", "list", "--json"))  # type: ignore[no-any-return]

    def names(self) -> list[str]:
        return [rule["name"] for rule in self.listed()]

    def events(self) -> list[tuple[str, str]]:
        with sqlite3.connect(store_file(self.config)) as conn:
            rows = conn.execute(
                "SELECT kind, data FROM event WHERE kind LIKE 'rule.%' ORDER BY id"
            ).fetchall()
        conn.close()
        return [(kind, json.loads(data)["rule"]) for kind, data in rows]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    config = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    assert main(["--config", str(config), "import", "mbox", str(SAMPLE_MBOX)]) == 0
    assert (
        main(["--config", str(config), "macros", "import", str(REPO / "samples" / "macros.toml")])
        == 0
    )
    assert main(["--config", str(config), "tag", "1", "seed"]) == 0  # the local agent's row
    yield Cli(config, tmp_path, capsys)


def test_no_rules_yet(cli: Cli) -> None:
    assert cli.listed() == []
    code, out, err = cli.run("rules", "list")
    assert code == 0 and out == "" and "No rules yet" in err
    assert (
        cli.ok("rules", "export")
        == "# deskterm rules (`deskterm rules import FILE`); README: Rules.\n"
    )
    assert "there are no rules yet" in cli.refused(1, "rules", "show", "x")


def test_import_list_show(cli: Cli) -> None:
    out = cli.ok("rules", "import", cli.write("rules.toml", WISMO + THANKS + OUTSIDE))
    assert "3 rules created, 0 replaced" in out
    assert "never on older ones" in out  # importing never replays the past
    listed = cli.listed()
    assert [list(rule) for rule in listed] == [JSON_KEYS] * 3
    assert [(r["name"], r["position"], r["enabled"]) for r in listed] == [
        ("WISMO auto-answer", 0, False),  # off until enabled
        ("Close on thanks", 1, True),  # the file said so
        ("Outside hours", 2, False),
    ]
    first = listed[0]
    assert first["when"] == ["message.created"]
    assert (
        first["if"] == "intent:shipping/status AND order.status:shipped AND NOT tag:auto-answered"
    )
    assert first["then"] == [{"reply": "wismo"}, {"tag": ["auto-answered"]}]
    assert first["stop"] is False and first["description"] == ""
    assert first["updated_at"].endswith("Z")
    assert listed[2]["then"][1] == {"command": ["true"], "timeout": 5}
    shown = json.loads(cli.ok("rules", "show", "close on THANKS", "--json"))
    assert shown == listed[1]
    text = cli.ok("rules", "list")
    assert text.splitlines()[1].split()[:5] == ["2.", "on", "Close", "on", "thanks"]
    shown_text = cli.ok("rules", "show", "Outside hours")
    assert shown_text.startswith("# rule 3 of the order, disabled\n[[rules]]\n")
    assert tomllib.loads(shown_text)["rules"][0]["name"] == "Outside hours"
    assert cli.events() == [
        ("rule.created", "WISMO auto-answer"),
        ("rule.created", "Close on thanks"),
        ("rule.created", "Outside hours"),
    ]


def test_enable_disable_move_delete(cli: Cli) -> None:
    cli.ok("rules", "import", cli.write("rules.toml", WISMO + THANKS + OUTSIDE))
    assert cli.ok("rules", "enable", "WISMO auto-answer") == 'rule "WISMO auto-answer" enabled\n'
    assert "enabled already" in cli.ok("rules", "enable", "wismo auto-answer")
    assert cli.ok("rules", "disable", "Close on thanks") == 'rule "Close on thanks" disabled\n'
    assert [r["enabled"] for r in cli.listed()] == [True, False, False]
    out = cli.ok("rules", "move", "Outside hours", "--before", "WISMO auto-answer")
    assert out == 'rule "Outside hours" moved before "WISMO auto-answer"\n'
    assert [(r["name"], r["position"]) for r in cli.listed()] == [
        ("Outside hours", 0),
        ("WISMO auto-answer", 1),
        ("Close on thanks", 2),
    ]
    assert "is already before" in cli.ok(
        "rules", "move", "Outside hours", "--before", "WISMO auto-answer"
    )
    assert cli.ok("rules", "delete", "WISMO auto-answer") == 'rule "WISMO auto-answer" deleted\n'
    assert [(r["name"], r["position"]) for r in cli.listed()] == [
        ("Outside hours", 0),
        ("Close on thanks", 1),
    ]
    assert "before itself" in cli.refused(
        2, "rules", "move", "Outside hours", "--before", "outside hours"
    )
    assert [kind for kind, _ in cli.events()][3:] == [
        "rule.enabled",
        "rule.disabled",
        "rule.moved",
        "rule.deleted",
    ]


def test_unknown_name_is_one_line_naming_the_rules(cli: Cli) -> None:
    cli.ok("rules", "import", cli.write("rules.toml", WISMO + THANKS))
    before = store_digest(cli.config)
    for args in (
        ("show", "wismo"),
        ("enable", "wismo"),
        ("disable", "wismo"),
        ("delete", "wismo"),
        ("move", "wismo", "--before", "Close on thanks"),
        ("move", "Close on thanks", "--before", "wismo"),
    ):
        err = cli.refused(1, "rules", *args)
        assert err == (
            'deskterm: no rule named "wismo" (did you mean "WISMO auto-answer"?'
            ' rules: "WISMO auto-answer", "Close on thanks")\n'
        )
    assert store_digest(cli.config) == before


def test_a_bad_file_imports_nothing(cli: Cli) -> None:
    """All or nothing: the second rule's mistake keeps the first one out too."""
    cli.ok("rules", "import", cli.write("first.toml", THANKS))
    before = store_digest(cli.config)
    bad = cli.write("rules.toml", WISMO + OUTSIDE.replace('"high"', '"asap"'))
    err = cli.refused(2, "rules", "import", bad)
    assert err == (
        f"deskterm: {bad}: rule \"Outside hours\": then[2].priority: 'asap' is not a priority"
        " (low, normal, high, urgent)\n"
    )
    missing_macro = cli.write("macro.toml", WISMO.replace('"wismo"', '"wismo-old"'))
    err = cli.refused(2, "rules", "import", missing_macro)
    assert 'rule "WISMO auto-answer": then[0].reply: no macro named "wismo-old" (macros: ' in err
    assert store_digest(cli.config) == before
    assert cli.names() == ["Close on thanks"]


def test_import_replaces_in_place(cli: Cli) -> None:
    """A rule whose name exists is replaced where it is, keeping its enabled state unless
    the file says `enabled`; new ones go at the end."""
    cli.ok("rules", "import", cli.write("rules.toml", WISMO + THANKS + OUTSIDE))
    cli.ok("rules", "enable", "WISMO auto-answer")
    again = WISMO.replace('"auto-answered"]', '"auto"]') + THANKS.replace(
        "enabled = true", "enabled = false"
    )
    extra = again + OUTSIDE.replace("Outside hours", "Night shift")
    out = cli.ok("rules", "import", cli.write("again.toml", extra))
    assert "1 rules created, 2 replaced" in out
    listed = cli.listed()
    assert [(r["name"], r["position"], r["enabled"]) for r in listed] == [
        ("WISMO auto-answer", 0, True),  # kept: the file does not say enabled
        ("Close on thanks", 1, False),  # the file says enabled = false
        ("Outside hours", 2, False),
        ("Night shift", 3, False),
    ]
    assert listed[0]["then"][1] == {"tag": ["auto"]}
    assert [kind for kind, _ in cli.events()][-3:] == [
        "rule.updated",
        "rule.updated",
        "rule.created",
    ]


def test_export_then_import_round_trips_exactly(cli: Cli, tmp_path: Path) -> None:
    cli.ok("rules", "import", cli.write("rules.toml", WISMO + THANKS + OUTSIDE))
    cli.ok("rules", "move", "Outside hours", "--before", "WISMO auto-answer")
    cli.ok("rules", "enable", "WISMO auto-answer")
    exported = cli.ok("rules", "export")
    target = tmp_path / "export.toml"
    assert cli.ok("rules", "export", target) == f"rules written to {target}\n"
    assert target.read_text(encoding="utf-8") == exported
    before = cli.listed()
    for rule in before:
        cli.ok("rules", "delete", rule["name"])
    cli.ok("rules", "import", target)
    after = cli.listed()
    strip = [{k: v for k, v in r.items() if k != "updated_at"} for r in before]
    assert [{k: v for k, v in r.items() if k != "updated_at"} for r in after] == strip
    assert cli.ok("rules", "export") == exported


def test_export_never_overwrites_without_force(cli: Cli) -> None:
    cli.ok("rules", "import", cli.write("rules.toml", WISMO))
    target = cli.write("precious.toml", "precious\n")
    assert "--force" in cli.refused(2, "rules", "export", target)
    assert target.read_text() == "precious\n"
    cli.ok("rules", "export", target, "--force")
    assert tomllib.loads(target.read_text())["rules"][0]["name"] == "WISMO auto-answer"


def test_usage_mistakes(cli: Cli) -> None:
    for args in (("rules",), ("rules", "move", "a"), ("rules", "frobnicate")):
        with pytest.raises(SystemExit) as caught:
            main(["--config", str(cli.config), *args])
        assert caught.value.code == 2

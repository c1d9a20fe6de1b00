"""The F4 rules screen: rules in run order; toggle, reorder, edit (with import's checks),
rename, new, delete, and a read-only preview of the recent tickets a rule would match."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList, Static, TextArea

from deskterm.cli import main
from deskterm.services.rule_replay import replay
from deskterm.services.rules import preview_rule
from deskterm.store.engine import open_store
from deskterm.tui import live_data
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.confirm import ConfirmScreen
from deskterm.tui.screens.rule_editor import NEW_RULE, RuleEditor
from deskterm.tui.screens.rules_manager import RulesManager
from tests.tui.conftest import import_macros, store_url
from tests.tui.test_actions import make_app
from tests.tui.test_inbox import until
from tests.tui.test_manage import on_screen, ready, shown
from tests.tui.test_snapshots import Snap, fixed_store, settled
from tests.tui.test_snapshots import make_app as make_snap_app

__all__ = ["fixed_store"]  # the fixture, found by pytest through this module

RULES = """\
[[rules]]
name = "WISMO auto-answer"
enabled = true
when = ["message.created"]
if = 'message.from:customer AND subject:pesanan'
then = [{ reply = "wismo" }, { tag = ["auto-answered"] }]

[[rules]]
name = "Refunds"
when = ["message.created"]
if = "subject:reembolso OR subject:refund"
then = [{ tag = ["refund"] }, { priority = "high" }]

[[rules]]
name = "New tickets"
when = ["ticket.created"]
if = "*"
then = [{ tag = ["new"] }]
stop = true
"""


def cli(config: Path, *args: str) -> str:
    """Run deskterm in-process; its stdout (it must succeed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["--config", str(config), *args]) == 0
    return out.getvalue()


def listed(config: Path) -> list[dict[str, Any]]:
    """``rules list --json``."""
    return list(json.loads(cli(config, "rules", "list", "--json")))


def events(config: Path, kind: str) -> list[dict[str, Any]]:
    """The audit log's rule events of ``kind`` (their data), oldest first."""
    path = config.parent / ".sample-store" / "deskterm.db"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT data FROM event WHERE kind = ? ORDER BY id", (kind,)).fetchall()
    finally:
        conn.close()
    return [json.loads(row[0]) for row in rows]


def fingerprint(config: Path) -> dict[str, str]:
    """The store's files, byte for byte (as the `rules test` tests take it)."""
    folder = config.parent / ".sample-store"
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name in ("deskterm.db", "deskterm.db-wal")
    }


@pytest.fixture
def rules_config(sample_config: Path, tmp_path: Path) -> Path:
    """The sample store with its macros and the three rules above (the first one on)."""
    import_macros(sample_config)
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    cli(sample_config, "rules", "import", str(path))
    return sample_config


def rows(manager: RulesManager) -> list[str]:
    options = manager.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def open_rules(app: DesktermApp, pilot: Any, count: int) -> RulesManager:
    await ready(app, pilot, macros=4)
    await pilot.press("f4")
    manager = on_screen(app, RulesManager)
    await until(lambda: manager.loaded and len(manager.rules) == count, pilot)
    return manager


def names(config: Path) -> list[str]:
    return [rule["name"] for rule in listed(config)]


async def test_f4_lists_toggles_and_reorders(rules_config: Path) -> None:
    app = make_app(rules_config)
    async with app.run_test(size=(160, 48)) as pilot:
        manager = await open_rules(app, pilot, 3)
        shown_rows = rows(manager)
        assert shown_rows[0].startswith("  1. on  WISMO auto-answer")
        assert "message.created" in shown_rows[0] and "subject:pes" in shown_rows[0]
        assert shown_rows[0].rstrip().endswith("reply wismo · tag auto-answered")
        assert shown_rows[1].startswith("  2. off Refunds")
        assert shown_rows[2].startswith("  3. off New tickets")
        assert shown_rows[2].rstrip().endswith("tag new · stop")
        detail = shown(manager.query_one("#rules-text", Static))
        assert detail.startswith('[[rules]]\nname = "WISMO auto-answer"')

        await pilot.press("j", "space")  # Refunds on
        await until(lambda: manager.rules[1].enabled, pilot)
        assert manager.current() is manager.rules[1]
        assert [r["enabled"] for r in listed(rules_config)] == [True, True, False]
        assert events(rules_config, "rule.enabled")[-1]["rule"] == "Refunds"
        await pilot.press("t")  # and off again
        await until(lambda: not manager.rules[1].enabled, pilot)
        assert events(rules_config, "rule.disabled")[-1]["rule"] == "Refunds"

        await pilot.press("K")  # Refunds up: first
        await until(lambda: manager.rules[0].name == "Refunds", pilot)
        assert manager.current() is manager.rules[0]  # the moved rule stays lit
        assert names(rules_config) == ["Refunds", "WISMO auto-answer", "New tickets"]
        await pilot.press("K")  # already first: said, nothing written
        assert "already first" in shown(manager.query_one("#rules-status", Static))
        await pilot.press("J", "J")  # down twice: last
        await until(lambda: manager.rules[2].name == "Refunds", pilot)
        assert names(rules_config) == ["WISMO auto-answer", "New tickets", "Refunds"]
        assert manager.current() is manager.rules[2]
        await pilot.press("k", "ctrl+up")  # ctrl+up moves too: New tickets first
        await until(lambda: manager.rules[0].name == "New tickets", pilot)
        assert names(rules_config) == ["New tickets", "WISMO auto-answer", "Refunds"]
        moved = events(rules_config, "rule.moved")
        assert len(moved) == 4 and moved[-1]["rule"] == "New tickets"
        assert moved[-1]["before"] == "WISMO auto-answer"

        cli(rules_config, "rules", "enable", "New tickets")  # another terminal: seen live
        await until(lambda: manager.rules[0].enabled, pilot)
        assert manager.current() is manager.rules[0]
        depth = len(app.screen_stack)
        await pilot.press("f4")  # again: the same manager
        assert app.screen is manager and len(app.screen_stack) == depth
        await pilot.press("escape")
        assert not isinstance(app.screen, RulesManager)


async def test_a_refused_change_is_one_line_on_the_status_line(rules_config: Path) -> None:
    app = make_app(rules_config)
    async with app.run_test(size=(160, 48)) as pilot:
        manager = await open_rules(app, pilot, 3)
        cli(rules_config, "rules", "delete", "WISMO auto-answer")  # another terminal
        await pilot.press("space")
        status = manager.query_one("#rules-status", Static)
        await until(lambda: 'no rule named "WISMO auto-answer"' in shown(status), pilot)
        assert "\n" not in shown(status)
        await until(lambda: len(manager.rules) == 2, pilot)  # the list shows the store
        assert 'no rule named "WISMO auto-answer"' in shown(status)  # and the line stays


async def test_an_invalid_edit_shows_imports_line_and_changes_nothing(rules_config: Path) -> None:
    before = cli(rules_config, "rules", "export")
    app = make_app(rules_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_rules(app, pilot, 3)
        await pilot.press("e")
        editor = on_screen(app, RuleEditor)
        area = editor.query_one("#rule-text", TextArea)
        # The text is what `rules show` prints, less its first comment line.
        show = cli(rules_config, "rules", "show", "WISMO auto-answer")
        assert area.text == show.split("\n", 1)[1]
        area.text = area.text.replace("subject:pesanan", "order.stauts:shipped")
        await pilot.press("ctrl+s")
        error = editor.query_one("#rule-error", Static)
        await until(lambda: "order.stauts" in shown(error), pilot)
        assert shown(error).startswith(
            'editor: rule "WISMO auto-answer": if: query error at column'
        )
        assert "did you mean 'order.status'" in shown(error)
        assert isinstance(app.screen, RuleEditor)  # the text stays to be fixed
        area.text = area.text.replace('reply = "wismo"', 'reply = "no-such-macro"')
        area.text = area.text.replace("order.stauts", "order.status")
        await pilot.press("ctrl+s")
        await until(lambda: "then[0].reply" in shown(error), pilot)
        await pilot.press("escape")  # unsaved changes: a second escape discards them
        assert "escape again" in shown(error)
        await pilot.press("escape")
        on_screen(app, RulesManager)
    assert cli(rules_config, "rules", "export") == before
    assert events(rules_config, "rule.updated") == []


async def test_edit_and_rename(rules_config: Path) -> None:
    app = make_app(rules_config)
    async with app.run_test(size=(160, 48)) as pilot:
        manager = await open_rules(app, pilot, 3)
        await pilot.press("j", "enter")  # enter edits too
        editor = on_screen(app, RuleEditor)
        area = editor.query_one("#rule-text", TextArea)
        area.text = (
            area.text.replace('name = "Refunds"', 'name = "Refund requests"')
            .replace("enabled = false\n", "")  # not said: the state is kept
            .replace('priority = "high"', 'priority = "urgent"')
        )
        await pilot.press("ctrl+s")
        await until(lambda: manager.rules[1].name == "Refund requests", pilot)
        assert app.screen is manager and manager.current() is manager.rules[1]
        second = listed(rules_config)[1]
        assert (second["name"], second["position"], second["enabled"]) == (
            "Refund requests",
            1,
            False,
        )
        assert second["then"] == [{"tag": ["refund"]}, {"priority": "urgent"}]
        updated = events(rules_config, "rule.updated")
        assert updated[-1]["rule"] == "Refund requests"
        assert updated[-1]["renamed_from"] == "Refunds"

        await pilot.press("e")  # a name another rule has is refused
        editor = on_screen(app, RuleEditor)
        area = editor.query_one("#rule-text", TextArea)
        area.text = area.text.replace('"Refund requests"', '"new TICKETS"')
        await pilot.press("ctrl+s")
        error = editor.query_one("#rule-error", Static)
        await until(lambda: "exists already" in shown(error), pilot)
        await pilot.press("escape", "escape")
    assert names(rules_config) == ["WISMO auto-answer", "Refund requests", "New tickets"]


async def test_new_from_the_template_and_delete(rules_config: Path) -> None:
    app = make_app(rules_config)
    async with app.run_test(size=(160, 48)) as pilot:
        manager = await open_rules(app, pilot, 3)
        await pilot.press("n")
        editor = on_screen(app, RuleEditor)
        area = editor.query_one("#rule-text", TextArea)
        assert area.text == NEW_RULE  # a template with comments, valid as it stands
        area.text = NEW_RULE.replace('"New rule"', '"Triage"')
        await pilot.press("ctrl+s")
        await until(lambda: len(manager.rules) == 4, pilot)
        assert manager.current() is manager.rules[3]  # the new rule, last and lit
        assert rows(manager)[3].startswith("  4. off Triage")
        assert names(rules_config)[-1] == "Triage"
        assert events(rules_config, "rule.created")[-1]["rule"] == "Triage"

        await pilot.press("d")
        on_screen(app, ConfirmScreen)
        await pilot.press("n")  # no: nothing happens
        assert app.screen is manager and len(manager.rules) == 4
        await pilot.press("d", "y")
        await until(lambda: len(manager.rules) == 3, pilot)
        assert names(rules_config) == ["WISMO auto-answer", "Refunds", "New tickets"]
        assert manager.current() is manager.rules[2]  # its neighbour takes its place
        assert events(rules_config, "rule.deleted")[-1]["rule"] == "Triage"


async def test_preview_lists_matching_tickets_and_writes_nothing(
    rules_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing else may write meanwhile: the ticket on screen is not marked read.
    monkeypatch.setattr(live_data, "READ_AFTER_SECONDS", 3600.0)
    app = make_app(rules_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_rules(app, pilot, 3)
        await pilot.press("e")
        editor = on_screen(app, RuleEditor)
        area = editor.query_one("#rule-text", TextArea)
        before = fingerprint(rules_config)
        # Unsaved: the preview replays the text as it is in the editor.
        area.text = area.text.replace("subject:pesanan", "subject:pedido")
        await pilot.press("ctrl+r")
        pane = editor.query_one("#rule-preview", Static)
        await until(lambda: "matches" in shown(pane), pilot)
        text = shown(pane)
        assert "matches 3 of 10 tickets in the last 30 days" in text, text
        for subject in ("Reembolso do pedido #1060", "Pedido com problema", "llega mi pedido"):
            assert subject in text
        assert "Pesanan" not in text
        area.text = area.text.replace("subject:pedido", "order.stauts:x")
        title = editor.query_one("#rule-preview-title", Static)
        await until(lambda: "ctrl+r again" in shown(title), pilot)
        await pilot.press("ctrl+r")
        await until(lambda: "order.stauts" in shown(pane), pilot)
        assert shown(pane).startswith('editor: rule "WISMO auto-answer": if: query error at column')
        assert "ctrl+r again" not in shown(title)
        assert fingerprint(rules_config) == before  # byte for byte
    assert "subject:pesanan" in listed(rules_config)[0]["if"]  # nothing was saved


def test_preview_is_the_replay_of_rules_test(rules_config: Path) -> None:
    """The preview of a saved rule's text finds what `rules test --rule` finds."""
    store = open_store(store_url(rules_config))
    try:
        for rule in listed(rules_config):
            text = cli(rules_config, "rules", "show", rule["name"]).split("\n", 1)[1]
            preview = preview_rule(store, text, timedelta(days=30))
            [replayed] = replay(store, timedelta(days=30), only=rule["name"])
            assert sorted(t.ticket_id for t in preview.shown) == sorted(replayed.tickets)
            assert (preview.matched, preview.events, preview.matched_events) == (
                len(replayed.tickets),
                replayed.events,
                replayed.matched,
            )
    finally:
        store.close()


def test_snapshot_of_the_rules_screen(
    fixed_store: Path, tmp_path: Path, snap_compare: Snap
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    cli(fixed_store, "rules", "import", str(path))
    app = make_snap_app(fixed_store)
    wait = settled(app)

    async def run_before(pilot: Any) -> None:
        await wait(pilot)
        await pilot.press("f4")
        await until(lambda: isinstance(app.screen, RulesManager) and app.screen.loaded, pilot)
        await pilot.press("j")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(140, 36), run_before=run_before)

"""services.rules.save_rule, which the F4 editor saves through: one rule's text, checked as
import checks it, saved in place (a rename keeps the row), never over another rule; and a
manager row keeps seller text inert."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskterm.automation.rules.model import Action, Rule
from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.services.actor import Actor
from deskterm.services.rules import get_rule, import_rules, list_rules, save_rule
from deskterm.store.engine import Store, open_store
from deskterm.tui.screens.rule_editor import NEW_RULE, rule_as_text
from deskterm.tui.screens.rules_manager import rule_row
from tests.tui.test_rules_screen import RULES

ACTOR = Actor(label="test", agent_id=None)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = open_store(f"sqlite:///{tmp_path / 'deskterm.db'}", data_dir=tmp_path)
    # The sample rules name the macro "wismo": a store without it refuses them.
    import_rules(opened, RULES.replace('{ reply = "wismo" }, ', ""), "rules.toml", ACTOR)
    return opened


def text_of(store: Store, name: str) -> str:
    return rule_as_text(get_rule(store, name).rule)


def test_the_text_says_enabled_or_the_state_is_kept(store: Store) -> None:
    text = text_of(store, "Refunds")
    assert "enabled = false" in text
    save_rule(store, "Refunds", text.replace("enabled = false", "enabled = true"), ACTOR)
    assert get_rule(store, "Refunds").rule.enabled
    save_rule(store, "Refunds", text.replace("enabled = false\n", ""), ACTOR)
    assert get_rule(store, "Refunds").rule.enabled  # not said: kept on
    assert [s.rule.name for s in list_rules(store)][1] == "Refunds"  # its place kept


def test_a_rename_keeps_the_row_and_place(store: Store) -> None:
    before = get_rule(store, "Refunds")
    text = text_of(store, "Refunds").replace('"Refunds"', '"Refund requests"')
    assert save_rule(store, "refunds", text, ACTOR).name == "Refund requests"
    after = get_rule(store, "Refund requests")
    assert after.position == before.position and after.version == before.version + 1
    with pytest.raises(NotFoundError):
        get_rule(store, "Refunds")


def test_never_over_another_rule(store: Store) -> None:
    before = [(s.rule, s.position) for s in list_rules(store)]
    taken = NEW_RULE.replace('"New rule"', '"REFUNDS"')
    with pytest.raises(UsageError, match='rule "REFUNDS": name: a rule named "Refunds" exists'):
        save_rule(store, None, taken, ACTOR)  # new: an import would have replaced it
    with pytest.raises(UsageError, match="exists already"):
        save_rule(store, "New tickets", taken, ACTOR)  # a rename onto another rule
    two = NEW_RULE + NEW_RULE.replace('"New rule"', '"Other"')
    with pytest.raises(UsageError, match=r"one \[\[rules\]\] table here, not 2"):
        save_rule(store, None, two, ACTOR)
    with pytest.raises(UsageError, match=r'editor: rule "New rule": then\[0\]\.reply: '):
        save_rule(store, None, NEW_RULE.replace('tag = ["needs-triage"]', 'reply = "x"'), ACTOR)
    assert [(s.rule, s.position) for s in list_rules(store)] == before


def test_a_new_rule_goes_last_and_off(store: Store) -> None:
    assert save_rule(store, None, NEW_RULE, ACTOR).name == "New rule"
    last = list_rules(store)[-1]
    assert (last.rule.name, last.position, last.rule.enabled) == ("New rule", 3, False)


def test_a_row_shows_names_and_conditions_inert() -> None:
    rule = Rule(
        name="[b]VIP[/b]\x1b[2J",
        when=("message.created",),
        condition="tag:[red]x",
        then=(Action("note", "[link=x]hi"), Action("tag", ("a", "b"))),
        enabled=True,
    )
    row = rule_row(0, rule)
    assert row.plain.startswith("  1. on  [b]VIP[/b]")
    assert "\x1b" not in row.plain and "tag:[red]x" in row.plain
    assert row.plain.rstrip().endswith("note · tag a b")  # a note's text is not in the row
    assert not row.spans or all(str(span.style) in STYLES for span in row.spans)


STYLES = {"bold green", "dim", "bold", "cyan"}


def test_a_starter_macro_it_replies_with_is_installed_as_import_does(store: Store) -> None:
    text = NEW_RULE.replace('tag = ["needs-triage"]', 'reply = "tracking-auto"')
    saved = save_rule(store, None, text, ACTOR)
    assert saved.macros_installed == ["Starter: tracking"]
    again = save_rule(store, "New rule", text, ACTOR)  # there now: nothing more installed
    assert again.macros_installed == []

"""The rules manager (F4): every rule in run order; toggle, reorder, edit, new, delete."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from deskterm.automation.rules.model import Action, Rule
from deskterm.tui.render import safe_line, safe_text
from deskterm.tui.screens.confirm import ConfirmScreen
from deskterm.tui.screens.modal import Modal
from deskterm.tui.screens.rule_editor import NEW_RULE, RuleEditor, rule_as_text

NAME_WIDTH = 24
WHEN_WIDTH = 18
CONDITION_WIDTH = 38


def describe_action(action: Action) -> str:
    """One action in a few words: ``reply where-is-my-order``, ``tag vip late``, ``close``."""
    value = action.value
    if isinstance(value, bool):
        return action.kind
    shown = " ".join(value) if isinstance(value, tuple) else value
    if action.kind == "note":
        return "note"  # its text is a paragraph: the detail below shows it
    return f"{action.kind} {shown}"


def describe_actions(rule: Rule) -> str:
    """What the rule does, in one short line; `· stop` when later rules then do not run."""
    parts = [describe_action(action) for action in rule.then]
    if rule.stop:
        parts.append("stop")
    return " · ".join(parts)


def rule_row(position: int, rule: Rule) -> Text:
    """One row: position, on/off, name, events, condition (dim), what it does."""
    row = Text(f"{position + 1:>3}. ")
    row.append("on " if rule.enabled else "off", "bold green" if rule.enabled else "dim")
    row.append(" ")
    name = safe_line(rule.name, "bold", limit=NAME_WIDTH)
    name.truncate(NAME_WIDTH, pad=True)
    row.append_text(name)
    row.append(" ")
    when = safe_line(",".join(rule.when), "cyan", limit=WHEN_WIDTH)
    when.truncate(WHEN_WIDTH, pad=True)
    row.append_text(when)
    row.append(" ")
    condition = safe_line(rule.condition, "dim", limit=CONDITION_WIDTH)
    condition.truncate(CONDITION_WIDTH, pad=True)
    row.append_text(condition)
    row.append(" ")
    row.append_text(safe_line(describe_actions(rule)))
    row.no_wrap, row.overflow = True, "ellipsis"  # one row per rule, however long
    return row


class RulesManager(Modal[None]):
    """Lists the rules in the order they run; the app changes them in workers.

    No I/O here: the app fills the list (``show_rules``) from a worker; this screen posts
    ``Toggle``, ``Move`` and ``Delete``, and the editor it opens posts ``RuleEditor.Save``
    and ``RuleEditor.Preview``; all bubble to the app, which answers through
    ``show_rules`` (the highlighted rule kept) or ``say`` (one line: what went wrong).
    """

    CSS_PATH = "rules_manager.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,t", "switch", "On/off", id="rules_manager.toggle"),
        Binding("K,ctrl+up", "reorder(-1)", "Move up", id="rules_manager.up"),
        Binding("J,ctrl+down", "reorder(1)", "Move down", id="rules_manager.down"),
        Binding("e", "edit", "Edit", id="rules_manager.edit"),
        Binding("n", "new", "New", id="rules_manager.new"),
        Binding("d", "delete", "Delete", id="rules_manager.delete"),
        Binding("escape", "close", "Close", id="rules_manager.close"),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    class Toggle(Message):
        """Turn the rule ``name`` on (``enabled``) or off."""

        def __init__(self, name: str, enabled: bool) -> None:
            super().__init__()
            self.name = name
            self.enabled = enabled

    class Move(Message):
        """Move the rule ``name`` to just before the rule ``before``; ``select`` stays lit."""

        def __init__(self, name: str, before: str, select: str) -> None:
            super().__init__()
            self.name = name
            self.before = before
            self.select = select

    class Delete(Message):
        """The agent confirmed deleting the rule ``name``."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self) -> None:
        super().__init__()
        self.rules: list[Rule] = []  # in run order
        self.loaded = False
        self.busy = False  # a change is on its way: one at a time, keys do not pile up

    def compose(self) -> ComposeResult:
        """Title, list, the highlighted rule as written, a status line."""
        with Vertical(id="rules-box"):
            yield Static(
                Text(
                    "Rules, in the order they run — space on/off · K/J move up/down ·"
                    " e/enter edit · n new · d delete · escape close",
                    "bold",
                )
            )
            yield OptionList(id="rules-list")
            with VerticalScroll(id="rules-detail"):
                yield Static(id="rules-text")
            yield Static(Text("loading…", "dim"), id="rules-status")

    def on_mount(self) -> None:
        """Keys act on the list at once."""
        self.query_one(OptionList).focus()

    def show_rules(self, rules: list[Rule], select: str | None = None, quiet: bool = False) -> None:
        """The app's answer: every rule in order; ``select`` (else the one lit) stays lit.
        ``quiet``: a refresh (the store changed elsewhere) keeps the status line."""
        options = self.query_one(OptionList)
        previous = self.current()
        index = options.highlighted
        self.rules = list(rules)
        self.loaded = True
        self.busy = False
        options.clear_options()
        options.add_options(Option(rule_row(n, rule)) for n, rule in enumerate(self.rules))
        names = [rule.name.casefold() for rule in self.rules]
        wanted = (select or (previous.name if previous else "")).casefold()
        if self.rules:
            if wanted in names:
                options.highlighted = names.index(wanted)
            else:  # it was deleted: its neighbour takes its place
                options.highlighted = min(index or 0, len(self.rules) - 1)
        if not self.rules:
            self.say("No rules yet: n writes one (or deskterm rules import FILE)")
        elif not quiet:
            self.say("")
        self._show_detail()

    def current(self) -> Rule | None:
        """The highlighted rule."""
        index = self.query_one(OptionList).highlighted
        return self.rules[index] if index is not None and index < len(self.rules) else None

    def say(self, line: str) -> None:
        """One line on the status line ("" clears it)."""
        self.busy = False
        if self.is_attached:  # the answer may come after the agent left
            self.query_one("#rules-status", Static).update(safe_line(line))

    def _show_detail(self) -> None:
        rule = self.current()
        text = Text()
        if rule is not None:
            if rule.description:
                text.append_text(safe_text(rule.description, "italic"))
                text.append("\n\n")
            # As `rules show` prints it: the text e opens in the editor.
            text.append_text(safe_text(rule_as_text(rule).rstrip("\n")))
        self.query_one("#rules-text", Static).update(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """The detail follows the highlight."""
        self._show_detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a rule: edit it."""
        self.action_edit()

    def action_cursor(self, delta: int) -> None:
        """j/k in the list."""
        options = self.query_one(OptionList)
        if self.rules:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.rules) - 1, current + delta))

    def _ready(self) -> Rule | None:
        """The highlighted rule, when no change is still on its way."""
        if self.busy:
            return None
        rule = self.current()
        if rule is None and self.loaded:
            self.say("No rule selected: n writes one")
        return rule

    def action_switch(self) -> None:
        """Turn the highlighted rule on or off."""
        rule = self._ready()
        if rule is not None:
            self.busy = True
            self.post_message(self.Toggle(rule.name, not rule.enabled))

    def action_reorder(self, delta: int) -> None:
        """Move the highlighted rule one place up (-1) or down (1) in the run order."""
        rule = self._ready()
        if rule is None:
            return
        index = self.rules.index(rule)
        other = index + delta
        if not 0 <= other < len(self.rules):
            self.say(f"{rule.name} is already {'first' if delta < 0 else 'last'}")
            return
        self.busy = True
        if delta < 0:  # up: before the one above it
            self.post_message(self.Move(rule.name, self.rules[other].name, rule.name))
        else:  # down: the one below it moves before it
            self.post_message(self.Move(self.rules[other].name, rule.name, rule.name))

    def action_new(self) -> None:
        """Write a new rule, from a template with comments."""
        if self.loaded:
            self.app.push_screen(RuleEditor(None, NEW_RULE))

    def action_edit(self) -> None:
        """Edit the highlighted rule as its TOML text."""
        rule = self.current()
        if rule is None:
            if self.loaded:
                self.say("No rule selected: n writes one")
            return
        self.app.push_screen(RuleEditor(rule.name, rule_as_text(rule)))

    def action_delete(self) -> None:
        """Delete the highlighted rule, once the agent confirms."""
        rule = self._ready()
        if rule is None:
            return
        name = rule.name

        def answered(yes: bool | None) -> None:
            if yes:
                self.busy = True
                self.post_message(self.Delete(name))

        question = Text("Delete the rule ")
        question.append_text(safe_line(name, "bold"))
        question.append("? It cannot be undone (export first: deskterm rules export FILE).")
        self.app.push_screen(ConfirmScreen(question), answered)

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)

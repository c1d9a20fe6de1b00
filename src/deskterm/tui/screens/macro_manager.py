"""The macro manager: every macro with its shortcut and first line; n new, e edit, d delete."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from deskterm.tui.render import safe_line, safe_text
from deskterm.tui.screens.confirm import ConfirmScreen
from deskterm.tui.screens.macro_editor import MacroEditor
from deskterm.tui.screens.macro_picker import MacroChoice, fuzzy_score
from deskterm.tui.screens.modal import Modal

FIRST_LINE_WIDTH = 48


def describe_actions(actions: dict[str, Any]) -> str:
    """What applying the macro does besides inserting text, in a few words."""
    parts = []
    if actions.get("add_tags"):
        parts.append("tag " + " ".join(actions["add_tags"]))
    if actions.get("remove_tags"):
        parts.append("untag " + " ".join(actions["remove_tags"]))
    if actions.get("status"):
        parts.append(str(actions["status"]))
    if actions.get("snooze"):
        parts.append(f"snooze {actions['snooze']}")
    if actions.get("assign"):
        parts.append(f"assign {actions['assign']}")
    return " · ".join(parts)


def first_line(body: str) -> str:
    """The first non-blank line of a macro body (what a list row can show)."""
    return next((line for line in body.splitlines() if line.strip()), "")


class MacroManager(Modal[None]):
    """Lists macros; the app saves and deletes them in workers and sends the new list back.

    The screen does no I/O: the editor it opens posts ``MacroEditor.Save`` and this screen
    posts ``Delete``; both bubble to the app, which answers through ``show_macros``.
    """

    CSS_PATH = "macro_manager.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="macro_manager.new"),
        Binding("e", "edit", "Edit", id="macro_manager.edit"),
        Binding("d", "delete", "Delete", id="macro_manager.delete"),
        Binding("slash", "filter", "Filter", id="macro_manager.filter"),
        Binding("escape", "close", "Close", id="macro_manager.close"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
        Binding("down", "list", "List", show=False),  # from the filter into the list
    ]

    class Delete(Message):
        """The agent confirmed deleting the macro ``name``."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(
        self, macros: list[MacroChoice], variables: dict[str, Any], about: Text | None = None
    ) -> None:
        """``variables`` and ``about`` describe the ticket in view, for the editor's preview."""
        super().__init__()
        self.macros = list(macros)
        self.variables = variables
        self.about = about
        self.shown: list[MacroChoice] = list(macros)

    def compose(self) -> ComposeResult:
        """Filter, list, the highlighted macro as written, a status line."""
        with Vertical(id="manager-box"):
            yield Static(
                Text("Macros — n new · e/enter edit · d delete · / filter · escape close", "bold")
            )
            yield Input(placeholder="/ filter by name or ;shortcut", id="manager-filter")
            with Horizontal(id="manager-body"):
                yield OptionList(id="manager-list")
                with VerticalScroll(id="manager-detail"):
                    yield Static(id="manager-text")
            yield Static(id="manager-status")

    def on_mount(self) -> None:
        """Fill the list; keys act on it at once."""
        self._refilter()
        self.query_one(OptionList).focus()

    def show_macros(self, macros: list[MacroChoice], select: str | None = None) -> None:
        """The app's answer after a save or delete: the new list, ``select`` highlighted."""
        self.macros = list(macros)
        self._refilter(select)

    def _refilter(self, select: str | None = None) -> None:
        query = self.query_one(Input).value
        matches = [
            (score, m.name.casefold(), m)
            for m in self.macros
            if (score := fuzzy_score(query, m)) is not None
        ]
        self.shown = [m for _, _, m in sorted(matches, key=lambda s: (s[0], s[1]))]
        options = self.query_one(OptionList)
        previous = self._current()
        options.clear_options()
        options.add_options(Option(self._row(m)) for m in self.shown)
        wanted = select or (previous.name if previous else None)
        names = [m.name for m in self.shown]
        if self.shown:
            options.highlighted = names.index(wanted) if wanted in names else 0
        if not self.macros:
            self._say("No macros yet: n creates one")
        elif not self.shown:
            self._say("No macro matches the filter")
        else:
            self._say("")
        self._show_detail()

    @staticmethod
    def _row(macro: MacroChoice) -> Text:
        # Option prompts are Text: a str would be parsed as markup, and names and bodies
        # are the seller's own text, which may well contain "[b]".
        row = Text.assemble(
            safe_line(macro.name, "bold"),
            " ",
            safe_line(f";{macro.shortcut}" if macro.shortcut else "", "cyan"),
            " ",
            safe_line(first_line(macro.body), "dim", limit=FIRST_LINE_WIDTH),
        )
        row.no_wrap, row.overflow = True, "ellipsis"  # one row per macro, however long
        return row

    def _current(self) -> MacroChoice | None:
        index = self.query_one(OptionList).highlighted
        return self.shown[index] if index is not None and index < len(self.shown) else None

    def _show_detail(self) -> None:
        macro = self._current()
        text = Text()
        if macro is not None:
            text.append_text(safe_line(macro.name, "bold"))
            if macro.shortcut:
                text.append("  ")
                text.append_text(safe_line(f";{macro.shortcut}", "cyan"))
            actions = describe_actions(macro.actions)
            if actions:
                text.append("\nactions: ", "dim")
                text.append_text(safe_line(actions))
            if macro.intents:
                text.append("\nsuggested first for: ", "dim")
                text.append_text(safe_line(" ".join(macro.intents)))
            text.append("\n\n")
            text.append_text(safe_text(macro.body))  # as written: variables unrendered
        self.query_one("#manager-text", Static).update(text)

    def _say(self, line: str) -> None:
        self.query_one("#manager-status", Static).update(safe_line(line))

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter as the agent types."""
        self._refilter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter: back to the list."""
        self.action_list()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """The detail follows the highlight."""
        self._show_detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a macro: edit it."""
        self.action_edit()

    def action_move(self, delta: int) -> None:
        """j/k in the list."""
        options = self.query_one(OptionList)
        if self.shown:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.shown) - 1, current + delta))

    def action_list(self) -> None:
        """Move the keys back to the list."""
        self.query_one(OptionList).focus()

    def action_filter(self) -> None:
        """Type to filter the list."""
        self.query_one(Input).focus()

    def action_new(self) -> None:
        """Write a new macro."""
        self.app.push_screen(MacroEditor(None, self.variables, self.macros, self.about))

    def action_edit(self) -> None:
        """Edit the highlighted macro."""
        macro = self._current()
        if macro is None:
            self._say("No macro selected: n creates one")
            return
        others = [m for m in self.macros if m is not macro]
        self.app.push_screen(MacroEditor(macro, self.variables, others, self.about))

    def action_delete(self) -> None:
        """Delete the highlighted macro, once the agent confirms."""
        macro = self._current()
        if macro is None:
            return
        name = macro.name

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(self.Delete(name))

        question = Text("Delete the macro ")
        question.append_text(safe_line(name, "bold"))
        question.append("? It cannot be undone (export first: deskterm macros export).")
        self.app.push_screen(ConfirmScreen(question), answered)

    def action_close(self) -> None:
        """Escape: leave the filter, or else close."""
        if self.focused is self.query_one(Input):
            self.action_list()
        else:
            self.dismiss(None)

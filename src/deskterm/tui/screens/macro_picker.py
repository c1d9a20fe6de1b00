"""The macro picker: fuzzy search by name or shortcut, preview rendered for THIS ticket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from deskterm.automation.macros import MacroActions, Rendered, render_macro
from deskterm.tui.render import safe_line, safe_text


@dataclass(frozen=True)
class MacroChoice:
    """A macro as the picker needs it (loaded by the app)."""

    name: str
    shortcut: str
    body: str
    actions: dict[str, Any]


@dataclass(frozen=True)
class PickedMacro:
    """What the agent chose: the rendered text and the actions to apply on send."""

    name: str
    rendered: Rendered
    actions: MacroActions


def fuzzy_score(query: str, choice: MacroChoice) -> int | None:
    """Lower is better; None when the letters of ``query`` do not appear in order."""
    query = query.casefold().lstrip(";")
    if not query:
        return 0
    if choice.shortcut.casefold() == query:
        return -1000  # an exact shortcut wins
    haystack = f"{choice.shortcut} {choice.name}".casefold()
    position, gaps = -1, 0
    for ch in query:
        found = haystack.find(ch, position + 1)
        if found < 0:
            return None
        gaps += found - position - 1
        position = found
    return gaps


def pick(choice: MacroChoice, variables: dict[str, Any]) -> PickedMacro:
    """``choice`` rendered for the ticket whose ``variables`` are given."""
    rendered = render_macro(choice.body, variables)
    return PickedMacro(choice.name, rendered, MacroActions.from_dict(choice.actions))


def preview(rendered: Rendered) -> Text:
    """The rendered macro, with a warning for every variable that came out empty."""
    text = Text()
    if rendered.error:
        text.append(f"{rendered.error}\n\n", "bold red")
    for name in rendered.empty:
        text.append("empty: ", "bold red")
        text.append_text(safe_line("{{" + name + "}}", "red"))
        text.append("\n")
    if rendered.empty:
        text.append("\n")
    text.append_text(safe_text(rendered.text))
    return text


class MacroPicker(ModalScreen[PickedMacro | None]):
    """Type to filter, up/down to choose, enter to insert, escape to cancel."""

    CSS_PATH = "macro_picker.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, macros: list[MacroChoice], variables: dict[str, Any]) -> None:
        super().__init__()
        self.macros = macros
        self.variables = variables
        self.shown: list[MacroChoice] = list(macros)

    def compose(self) -> ComposeResult:
        """Filter, list, preview."""
        with Vertical(id="picker-box"):
            yield Static(Text("Insert macro — type to search, enter to insert", "bold"))
            yield Input(placeholder="name or ;shortcut", id="picker-filter")
            with Horizontal(id="picker-body"):
                yield OptionList(id="picker-list")
                with VerticalScroll(id="picker-preview"):
                    yield Static(id="picker-text")

    def on_mount(self) -> None:
        """Fill the list; typing goes to the filter."""
        self._refilter("")
        self.query_one(Input).focus()

    def _refilter(self, query: str) -> None:
        scored = [(fuzzy_score(query, m), m.name.casefold(), m) for m in self.macros]
        self.shown = [
            m
            for score, _, m in sorted(
                (s for s in scored if s[0] is not None), key=lambda s: (s[0], s[1])
            )
        ]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(
                Text.assemble(
                    safe_line(m.name, "bold"),
                    " ",
                    safe_line(f";{m.shortcut}" if m.shortcut else "", "dim"),
                )
            )
            for m in self.shown
        )
        if self.shown:
            options.highlighted = 0
        self._show_preview()

    def _current(self) -> MacroChoice | None:
        index = self.query_one(OptionList).highlighted
        return self.shown[index] if index is not None and index < len(self.shown) else None

    def _show_preview(self) -> None:
        choice = self._current()
        text = (
            Text("No macro matches", "dim")
            if choice is None
            else preview(render_macro(choice.body, self.variables))
        )
        self.query_one("#picker-text", Static).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter as the agent types."""
        self._refilter(event.value)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Preview follows the highlight."""
        self._show_preview()

    def action_move(self, delta: int) -> None:
        """Up/down move in the list while typing in the filter."""
        options = self.query_one(OptionList)
        if self.shown:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.shown) - 1, current + delta))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: insert the highlighted macro."""
        self._pick()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or click in the list."""
        self._pick()

    def _pick(self) -> None:
        choice = self._current()
        if choice is None:
            return
        self.dismiss(pick(choice, self.variables))

    def action_cancel(self) -> None:
        """Leave without inserting."""
        self.dismiss(None)

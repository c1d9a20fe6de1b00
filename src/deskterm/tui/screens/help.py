"""The ``?`` overlay: every key binding, from the bindings themselves (never out of date)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from deskterm.tui.keys import key_places, key_rows
from deskterm.tui.screens.modal import Modal

GETTING_STARTED = (
    "Getting started: j/k pick a ticket (from any pane) · J/K or space/b scroll its "
    "conversation · escape comes back to the list · m picks a macro (type to search, enter) "
    "and opens the reply with it · check the text · ctrl+s sends · q quits · ctrl+p finds any "
    'command, view, macro or ticket (#42). Rebind any key in config: [ui.keys] id = "key".'
)


class HelpScreen(Modal[None]):
    """A table of keys with their ids (for [ui.keys]); escape, q or ? closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        """The table, built from the app's, the panes' and the composer's BINDINGS."""
        table = Table(expand=True, box=None)
        table.add_column("where", style="dim")
        table.add_column("key", style="bold")
        table.add_column("does")
        table.add_column("id", style="dim")
        for row in key_rows(key_places(type(self.app)), self.keymap):
            table.add_row(row.where, row.keys, row.description, row.id)
        with VerticalScroll(id="help-scroll"):
            yield Static(Text("deskterm keys", "bold"), id="help-title")
            yield Static(Text(GETTING_STARTED), id="help-start")
            yield Static(table, id="help")

    def action_scroll(self, lines: int) -> None:
        """Scroll the table (it is longer than a small terminal)."""
        self.query_one("#help-scroll", VerticalScroll).scroll_relative(y=lines, animate=False)

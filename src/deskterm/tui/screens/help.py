"""The ``?`` overlay: every key binding, from the bindings themselves (never out of date)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList


def _rows(owner: str, bindings: list[BindingType]) -> list[tuple[str, str, str]]:
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding):
            rows.append(
                (owner, binding.key.replace(",", " / "), binding.description or binding.action)
            )
    return rows


class HelpScreen(ModalScreen[None]):
    """A table of keys; any of escape, q or ? closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        """The table, built from the app's and the widgets' BINDINGS."""
        table = Table(title="deskterm keys", expand=True, box=None)
        table.add_column("where", style="dim")
        table.add_column("key", style="bold")
        table.add_column("does")
        rows = _rows("everywhere", list(self.app.BINDINGS))
        rows += _rows("ticket list", list(TicketList.BINDINGS))
        rows += _rows("conversation", list(ConversationView.BINDINGS))
        rows += _rows("views", list(ViewsList.BINDINGS))
        for row in rows:
            table.add_row(*row)
        yield Static(table, id="help")

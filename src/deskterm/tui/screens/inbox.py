"""The inbox screen: views sidebar, ticket list and conversation, side by side."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Static

from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList

NARROW_WIDTH = 100  # below this the sidebar hides and the panes stack


class InboxScreen(Screen[None]):
    """Three panes; the app fills them through workers."""

    CSS_PATH = "inbox.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Next pane", show=False, id="inbox.focus_next"),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous pane",
            show=False,
            id="inbox.focus_previous",
        ),
    ]

    def compose(self) -> ComposeResult:
        """Sidebar, list, conversation, status line, footer."""
        with Horizontal(id="panes"):
            yield ViewsList(id="sidebar")
            yield TicketList(id="tickets")
            yield ConversationView(id="conversation")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Start in the ticket list."""
        self.query_one(TicketList).focus()

    def on_resize(self, event: Resize) -> None:
        """Collapse to stacked panes on narrow terminals."""
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")

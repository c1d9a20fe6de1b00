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
from deskterm.tui.widgets.conversation.customer_panel import CustomerPanel
from deskterm.tui.widgets.conversation.welcome import WelcomeFacts, WelcomePane
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList

NARROW_WIDTH = 100  # below this the sidebar hides and the panes stack
CUSTOMER_WIDTH = 180  # from this width on the customer panel shows by default


class InboxScreen(Screen[None]):
    """Three panes; the app fills them through workers."""

    CSS_PATH = "inbox.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Next pane", show=False, id="inbox.focus_next"),
        Binding("i", "toggle_customer", "Customer panel", id="inbox.toggle_customer"),
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
            with Horizontal(id="conversation-area"):
                yield ConversationView(id="conversation")
                yield CustomerPanel(id="customer")
                yield WelcomePane(id="welcome")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Start in the ticket list."""
        self.query_one(TicketList).focus()

    def __init__(self) -> None:
        super().__init__()
        self.customer_wanted: bool | None = None  # None: follow the terminal's width

    def show_welcome(self, facts: WelcomeFacts | None) -> None:
        """A first start (no channel, no ticket): the welcome pane takes the list's and the
        conversation's place; None puts them back (the first ticket arrived)."""
        shown = self.has_class("-welcome")
        if facts is not None:
            self.query_one(WelcomePane).show(facts)
        self.set_class(facts is not None, "-welcome")
        if facts is not None and not shown:
            self.query_one(WelcomePane).focus()
        elif facts is None and shown:
            self.query_one(TicketList).focus()

    def on_resize(self, event: Resize) -> None:
        """Collapse to stacked panes on narrow terminals; show the customer where it fits."""
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")
        self._show_customer(event.size.width)

    def _show_customer(self, width: int) -> None:
        wanted = self.customer_wanted
        self.set_class(not (width >= CUSTOMER_WIDTH if wanted is None else wanted), "-no-customer")

    def action_toggle_customer(self) -> None:
        """Show or hide the customer panel (identities, other tickets, orders)."""
        self.customer_wanted = self.has_class("-no-customer")
        self._show_customer(self.size.width)

"""The inbox screen: views sidebar, ticket list and conversation, side by side."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Footer, Static

from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.conversation.customer_panel import CustomerPanel
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList

NARROW_WIDTH = 100  # below this the sidebar hides and the panes stack
CUSTOMER_WIDTH = 180  # from this width on the customer panel shows by default
COMPOSER_MIN_ROWS = 9  # border, title, three lines of text, the macro line, a two-line hint
CONVERSATION_MIN_ROWS = 6  # above the composer: the customer's message, at least its start


def composer_rows(height: int) -> int:
    """Rows the composer takes of a conversation pane ``height`` rows tall: about half, at
    least COMPOSER_MIN_ROWS, leaving CONVERSATION_MIN_ROWS of conversation above it."""
    rows = min(max(height // 2, COMPOSER_MIN_ROWS), height - CONVERSATION_MIN_ROWS)
    return max(rows, min(COMPOSER_MIN_ROWS, height))


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
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Start in the ticket list."""
        self.query_one(TicketList).focus()

    def __init__(self) -> None:
        super().__init__()
        self.customer_wanted: bool | None = None  # None: follow the terminal's width

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

    # --- room for the composer --------------------------------------------------------

    def open_composer_room(self) -> None:
        """A reply is being written: the list steps aside on a narrow terminal, and the
        conversation keeps the customer's last message in view above the composer."""
        self.add_class("-composing")
        conversation = self.query_one(ConversationView)
        conversation.pin_last_inbound = True
        conversation.show_last_inbound()

    def composer_room(self) -> Region:
        """Where the composer sits: the lower part of the conversation pane.

        The rows are taken from the conversation (a bottom margin), so it scrolls within
        what stays visible and the customer's message is not hidden under the composer.
        """
        area = self.query_one("#conversation-area").region
        conversation = self.query_one(ConversationView)
        rows = composer_rows(area.height)
        if conversation.styles.margin.bottom != rows:
            conversation.styles.margin = (0, 0, rows, 0)
            conversation.call_after_refresh(conversation.show_last_inbound)
        return Region(conversation.region.x, area.bottom - rows, conversation.region.width, rows)

    def conversation(self) -> ConversationView:
        """The conversation pane (the composer scrolls it with the mouse wheel)."""
        return self.query_one(ConversationView)

    def close_composer_room(self) -> None:
        """The composer closed: the conversation takes its whole pane again."""
        self.remove_class("-composing")
        conversation = self.query_one(ConversationView)
        conversation.pin_last_inbound = False
        conversation.styles.margin = (0, 0, 0, 0)

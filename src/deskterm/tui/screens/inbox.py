"""The inbox screen: views sidebar, ticket list and conversation, side by side.

`j`/`k` always move between tickets (the list is their home; from the conversation too),
`J`/`K` and space/`b` scroll the conversation wherever the focus is, as in mutt's and
aerc's pager, and escape brings the focus back to the list.
"""

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
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList

NARROW_WIDTH = 100  # below this the sidebar hides and the panes stack
COMPACT_SIDEBAR_WIDTH = 120  # from here the sidebar shows, narrowed (hidden below)
SIDEBAR_WIDTH = 160  # from here the sidebar has its full width
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
        Binding("escape", "focus_list", "Back to the list", show=False, id="inbox.focus_list"),
        # The list binds the same ids; these serve the other panes (the conversation).
        Binding("j", "step(1)", "Next ticket", show=False, id="list.cursor_down"),
        Binding("k", "step(-1)", "Previous ticket", show=False, id="list.cursor_up"),
        Binding(
            "J",
            "scroll_conversation(1)",
            "Scroll conversation down",
            show=False,
            id="conversation.scroll_down",
        ),
        Binding(
            "K",
            "scroll_conversation(-1)",
            "Scroll conversation up",
            show=False,
            id="conversation.scroll_up",
        ),
        Binding(
            "space",
            "page_conversation(1)",
            "Page conversation down",
            show=False,
            id="conversation.page_down",
        ),
        Binding(
            "b,shift+space",
            "page_conversation(-1)",
            "Page conversation up",
            show=False,
            id="conversation.page_up",
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
        """Give the ticket list room first: stacked panes on narrow terminals, the sidebar
        hidden or narrowed up to wide ones; show the customer where it fits."""
        width = event.size.width
        self.set_class(width < NARROW_WIDTH, "-narrow")
        self.set_class(NARROW_WIDTH <= width < COMPACT_SIDEBAR_WIDTH, "-no-sidebar")
        self.set_class(COMPACT_SIDEBAR_WIDTH <= width < SIDEBAR_WIDTH, "-compact-sidebar")
        self._show_customer(width)

    def _show_customer(self, width: int) -> None:
        wanted = self.customer_wanted
        shown = width >= CUSTOMER_WIDTH if wanted is None else wanted
        self.set_class(not shown, "-no-customer")
        self.set_class(shown, "-with-customer")

    def action_focus_list(self) -> None:
        """Escape: back to the ticket list from the conversation or the sidebar."""
        self.query_one(TicketList).focus()

    def action_step(self, delta: int) -> None:
        """j/k outside the list: the next or previous ticket, shown in the conversation."""
        tickets = self.query_one(TicketList)
        tickets.action_cursor_down() if delta > 0 else tickets.action_cursor_up()

    def action_scroll_conversation(self, lines: int) -> None:
        """J/K: the conversation a line down or up, wherever the focus is."""
        self.query_one(ConversationView).scroll_relative(y=lines, animate=False)

    def action_page_conversation(self, pages: int) -> None:
        """Space/b: the conversation a page down or up, wherever the focus is."""
        conversation = self.query_one(ConversationView)
        if pages > 0:
            conversation.scroll_page_down(animate=False)
        else:
            conversation.scroll_page_up(animate=False)

    def action_toggle_customer(self) -> None:
        """Show or hide the customer panel (identities, other tickets, orders)."""
        self.customer_wanted = self.has_class("-no-customer")
        self._show_customer(self.size.width)

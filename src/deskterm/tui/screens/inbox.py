"""The inbox screen: views sidebar, ticket list and conversation, side by side.

`j`/`k` always move between tickets (the list is their home; from the conversation too),
`J`/`K` and space/`b` scroll the conversation wherever the focus is, as in mutt's and
aerc's pager, and escape brings the focus back to the list.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Static

from deskterm.tui.screens.modal import not_closed
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.conversation.customer_panel import CustomerPanel
from deskterm.tui.widgets.conversation.welcome import WelcomeFacts, WelcomePane
from deskterm.tui.widgets.footer import KeyFooter
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList

NARROW_WIDTH = 100  # below this the sidebar hides and the panes stack
COMPACT_SIDEBAR_WIDTH = 120  # from here the sidebar shows, narrowed (hidden below)
SIDEBAR_WIDTH = 160  # from here the sidebar has its full width
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
    # The list has the focus from the first frame: Textual's default (the first focusable
    # widget, the sidebar) painted the sidebar focused, then again without (issue 11 item 1).
    AUTO_FOCUS = "#tickets"
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
                yield WelcomePane(id="welcome")
        yield Static(id="status")
        yield KeyFooter()

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
            pane = self.query_one(WelcomePane)
            pane.focus()
            # Until the class above is applied the pane is hidden and cannot take the focus
            # (the list, AUTO_FOCUS, keeps it): focus it again once it shows.
            self.call_after_refresh(self._focus_welcome)
        elif facts is None and shown:
            self.query_one(TicketList).focus()

    def _focus_welcome(self) -> None:
        if self.has_class("-welcome"):
            self.query_one(WelcomePane).focus()

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

    def dismiss(self, result: None = None) -> AwaitComplete:
        """The inbox is the app's ground: nothing dismisses it (a late key meant for a
        dialog that already closed would otherwise leave a blank terminal)."""
        return not_closed()

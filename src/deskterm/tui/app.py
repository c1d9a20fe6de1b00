"""The Textual inbox app: workers load data through UI-free readers and fill the panes."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from deskterm.domain.errors import DesktermError
from deskterm.domain.query import parse_query
from deskterm.store import reader
from deskterm.store.query_sql import SqlFragment
from deskterm.store.readdb import ReadDb, open_read
from deskterm.store.views import all_views, view_query
from deskterm.tui.render import safe_line
from deskterm.tui.screens.help import HelpScreen
from deskterm.tui.screens.inbox import InboxScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import PAGE_SIZE, TicketList

CHANGE_POLL_SECONDS = 0.5  # how often other processes' writes are looked for


class DesktermApp(App[None]):
    """The inbox. All I/O runs in thread workers calling deskterm.store.reader."""

    TITLE = "deskterm"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self, *, store_url: str, me_email: str) -> None:
        super().__init__()
        self.store_url = store_url
        self.me_email = me_email
        self.db: ReadDb | None = None
        self.view = "Inbox"
        self.where: SqlFragment | None = None
        self._data_version: Any = None
        self._shown_ticket: int | None = None
        self.inbox = InboxScreen()  # panes are always looked up here, even under a modal

    # --- lifecycle ----------------------------------------------------------------------

    async def on_mount(self) -> None:
        """Open the store, show the inbox, start watching for changes."""
        self.db = open_read(self.store_url)
        await self.push_screen(self.inbox)  # mounted before any worker reports back
        self.load_view(self.view)
        self.load_counts()
        self.set_interval(CHANGE_POLL_SECONDS, self.watch_store)

    def on_unmount(self) -> None:
        """Close the store connection."""
        if self.db is not None:
            self.db.close()

    def _db(self) -> ReadDb:
        assert self.db is not None
        return self.db

    # --- workers (UI-free calls; results come back on the UI thread) --------------------

    @work(thread=True, exclusive=True, group="view")
    def load_view(self, name: str) -> None:
        """Compile the view's query and count its tickets."""
        db = self._db()
        if self._data_version is None and db.dialect == "sqlite":
            # The baseline is taken BEFORE reading, so a write in between is not missed.
            self._data_version = db.all("PRAGMA data_version")[0][0]
        where = reader.compile_query(
            db,
            parse_query(view_query(db, name)),
            me_agent_id=reader.agent_id_for(db, self.me_email),
        )
        total = reader.count_tickets(db, where)
        self.call_from_thread(self._view_loaded, name, where, total)

    def _view_loaded(self, name: str, where: SqlFragment, total: int) -> None:
        self.view, self.where = name, where
        tickets = self.inbox.query_one(TicketList)
        tickets.cursor = 0
        tickets.reset(total)
        tickets.row(0)  # ask for the first page
        self._status(f"{name}: {total} tickets")

    @work(thread=True, group="pages")
    def load_page(self, page: int) -> None:
        """One page of the current view."""
        where = self.where
        if where is None:
            return
        rows = reader.list_tickets(self._db(), where, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        self.call_from_thread(self._page_loaded, where, page, rows)

    def _page_loaded(self, where: SqlFragment, page: int, rows: list[dict[str, Any]]) -> None:
        if where is self.where:  # a page of a view we already left is dropped
            self.inbox.query_one(TicketList).set_page(page, rows)

    @work(thread=True, exclusive=True, group="ticket")
    def load_ticket(self, ticket_id: int) -> None:
        """One ticket with its conversation."""
        ticket = reader.get_ticket(self._db(), ticket_id)
        self.call_from_thread(self.inbox.query_one(ConversationView).show_ticket, ticket)

    @work(thread=True, exclusive=True, group="counts")
    def load_counts(self) -> None:
        """Live counts for every view in the sidebar."""
        db = self._db()
        me = reader.agent_id_for(db, self.me_email)
        views: list[tuple[str, int | None]] = []
        for name, query, _system in all_views(db):
            try:
                count: int | None = reader.count_tickets(
                    db, reader.compile_query(db, parse_query(query), me_agent_id=me)
                )
            except DesktermError:
                count = None
            views.append((name, count))
        self.call_from_thread(self.inbox.query_one(ViewsList).show_views, views, self.view)

    @work(thread=True, exclusive=True, group="watch")
    def watch_store(self) -> None:
        """Another process wrote (sync, another terminal): refresh without moving the cursor."""
        db = self._db()
        if db.dialect != "sqlite":
            return
        version = db.all("PRAGMA data_version")[0][0]
        if self._data_version is not None and version != self._data_version:
            self.call_from_thread(self._store_changed)
        self._data_version = version

    def _store_changed(self) -> None:
        self.load_counts()
        self.reload_current_view()
        if self._shown_ticket is not None:
            self.load_ticket(self._shown_ticket)

    @work(thread=True, exclusive=True, group="view")
    def reload_current_view(self) -> None:
        """Recount the current view and reload its pages in place."""
        where = self.where
        if where is None:
            return
        total = reader.count_tickets(self._db(), where)
        self.call_from_thread(self._view_reloaded, where, total)

    def _view_reloaded(self, where: SqlFragment, total: int) -> None:
        if where is self.where:
            tickets = self.inbox.query_one(TicketList)
            tickets.reset(total)
            tickets.row(tickets.cursor)

    # --- messages from widgets ----------------------------------------------------------

    def on_ticket_list_page_wanted(self, message: TicketList.PageWanted) -> None:
        """The list scrolled onto rows it does not have."""
        self.load_page(message.page)

    def on_ticket_list_highlighted(self, message: TicketList.Highlighted) -> None:
        """Show the highlighted ticket's conversation."""
        self._shown_ticket = message.ticket_id
        self.load_ticket(message.ticket_id)

    def on_ticket_list_opened(self, message: TicketList.Opened) -> None:
        """Enter: show the conversation and move there."""
        self._shown_ticket = message.ticket_id
        self.load_ticket(message.ticket_id)
        self.inbox.query_one(ConversationView).focus()

    def on_views_list_view_chosen(self, message: ViewsList.ViewChosen) -> None:
        """A view was chosen in the sidebar."""
        self.load_view(message.name)
        self.inbox.query_one(TicketList).focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place turns worker failures into a visible, plain-words error."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            text = (
                str(error)
                if isinstance(error, DesktermError)
                else f"{error.__class__.__name__}: {error}"
            )
            self.notify(text, title="error", severity="error", markup=False)

    # --- actions ------------------------------------------------------------------------

    def action_help(self) -> None:
        """Show every key binding."""
        self.push_screen(HelpScreen())

    def _status(self, text: str) -> None:
        self.inbox.query_one("#status", Static).update(safe_line(text))


def run_app(store_url: str, me_email: str) -> None:
    """Run the inbox until the user quits."""
    DesktermApp(store_url=store_url, me_email=me_email).run()

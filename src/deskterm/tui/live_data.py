"""Live data: workers that load views, pages, tickets and counts, and repaint on store changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.worker import get_current_worker

from deskterm.config import ShopifyStore
from deskterm.domain.errors import DesktermError
from deskterm.domain.query import parse_query
from deskterm.domain.sla import SlaTargets
from deskterm.store import reader
from deskterm.store.customer_reader import customer_context_for_ticket
from deskterm.store.query_sql import SqlFragment
from deskterm.store.views import all_views, view_query
from deskterm.sync.status import read_status, status_line
from deskterm.tui.base import DesktermBase
from deskterm.tui.lazy import lazy_module
from deskterm.tui.screens.macro_picker import MacroChoice
from deskterm.tui.widgets.conversation.conversation_view import (
    SHOWN_AT_FIRST,
    WIDGETS_UP_TO,
    ConversationView,
    fold_message,
)
from deskterm.tui.widgets.conversation.customer_panel import CustomerPanel, panel_text
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import PAGE_SIZE, TicketList

if TYPE_CHECKING:
    from deskterm.services import macros as macros_svc
    from deskterm.services import read_state
else:
    macros_svc = lazy_module("deskterm.services.macros")
    read_state = lazy_module("deskterm.services.read_state")

READ_AFTER_SECONDS = 1.0  # a ticket shown this long counts as read
PG_CHANGE_PROBE = (
    "SELECT (SELECT max(id) FROM message), (SELECT max(id) FROM event),"
    " (SELECT max(updated_at) FROM outbox)"
)


class LiveData(DesktermBase):
    """All reads run in thread workers calling deskterm.store.reader; results come back here."""

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def load_view(self, name: str, query: str | None = None) -> None:
        """Compile the view's (or a search's) query and count its tickets."""
        db = self._db()
        if self._data_version is None and db.dialect == "sqlite":
            # The baseline is taken BEFORE reading, so a write in between is not missed.
            self._data_version = db.all("PRAGMA data_version")[0][0]
        text = query if query is not None else view_query(db, name)
        self.me_agent_id = reader.agent_id_for(db, self.me_email)
        if self.me_agent_id is None and self.me_email:
            # A first start: the agent row makes unread marks and drafts this agent's own.
            _store, actor = self._write_store()
            self.me_agent_id = actor.agent_id
        where = reader.compile_query(
            db, parse_query(text), me_agent_id=self.me_agent_id, sla_targets=self._sla_targets()
        )
        total = reader.count_tickets(db, where)
        self.call_from_thread(self._view_loaded, name, where, total)

    def _sla_targets(self) -> dict[str, SlaTargets]:
        """The config's SLA targets by channel, for ``sla:`` terms in views and searches."""
        return self.config.sla_targets() if self.config is not None else {}

    def first_paint_done(self) -> None:
        """Called once the first rows are on screen (the app starts its later work here)."""

    def _view_loaded(self, name: str, where: SqlFragment, total: int) -> None:
        self.view, self.where = name, where
        self._opened_elsewhere = False  # a view picked: its top ticket is shown
        tickets = self.inbox.query_one(TicketList)
        tickets.marked.clear()  # marks of a view left behind must not take over `c`
        tickets.reset(total)  # first: with its rows gone, moving the cursor announces nothing
        tickets.to_top()
        if total == 0:
            self._shown_ticket = None  # nothing to act on: the pane must not keep a stale one
            self.inbox.query_one(ConversationView).show_ticket(None)
        tickets.row(0)  # ask for the first page
        if total == 0 and not self._painted:
            self._painted = True  # an empty inbox is painted as soon as it is counted
            self.call_after_refresh(self.first_paint_done)
        if total == 0 and self.focus_list_when_loaded:
            self.focus_list_when_loaded = False  # no page will come to wait for
            tickets.focus()
        self._status(f"{name}: {total} tickets")

    @work(thread=True, group="pages", exit_on_error=False)
    def load_page(self, page: int) -> None:
        """One page of the current view."""
        where = self.where
        if where is None:
            return
        rows = reader.list_tickets(
            self._db(), where, limit=PAGE_SIZE, offset=page * PAGE_SIZE, agent_id=self.me_agent_id
        )
        self.call_from_thread(self._page_loaded, where, page, rows)

    def _page_loaded(self, where: SqlFragment, page: int, rows: list[dict[str, Any]]) -> None:
        if where is self.where:  # a page of a view we already left is dropped
            tickets = self.inbox.query_one(TicketList)
            tickets.set_page(page, rows)
            if not self._painted:
                self._painted = True
                self.call_after_refresh(self.first_paint_done)
            if self.focus_list_when_loaded:
                # Moving the focus restyles the panes and rebuilds the footer: after the
                # rows are painted, so a view switch shows its tickets first.
                self.focus_list_when_loaded = False
                self.call_after_refresh(tickets.focus)

    @work(thread=True, exclusive=True, group="ticket", exit_on_error=False)
    def load_ticket(self, ticket_id: int) -> None:
        """One ticket with its conversation."""
        db = self._db()
        revenue = self.config.revenue.rules() if self.config is not None else None
        ticket = reader.get_ticket(db, ticket_id, agent_id=self.me_agent_id, revenue=revenue)
        customer = customer_context_for_ticket(db, ticket_id)
        # Built here: the first amount formatted loads Babel and its locale data (~50 ms).
        panel = panel_text(customer)
        self.call_from_thread(self._ticket_loaded, ticket, customer, panel)
        # A long thread's history is folded now, while the agent reads its newest messages,
        # so that `o` (show all) only counts rows. Stops when another ticket is opened.
        worker = get_current_worker()
        messages = ticket["messages"]
        earlier = (
            messages[:-SHOWN_AT_FIRST] if len(messages) > SHOWN_AT_FIRST + WIDGETS_UP_TO else []
        )
        for message in earlier:
            if worker.is_cancelled or ticket_id != self._shown_ticket:
                break
            fold_message(message)

    def _ticket_loaded(
        self, ticket: dict[str, Any], customer: dict[str, Any] | None, panel: Text | None = None
    ) -> None:
        if ticket["id"] != self._shown_ticket:
            return  # a slower load of a ticket the agent already moved past
        self.inbox.query_one(ConversationView).show_ticket(ticket)
        self.inbox.query_one(CustomerPanel).show_customer(customer, panel)
        shop = self._shop_for(str(ticket["channel"]))
        # Shopify finds orders by email: a chat buyer without one has none to fetch (each
        # open built a Shopify client for nothing, ~30 ms of the open in bench/orders.py).
        if shop is not None and ticket["customer"].get("id") and ticket["customer"].get("email"):
            self.refresh_orders(shop, int(ticket["customer"]["id"]))
        buyer = self._buyer_for(ticket)
        if buyer is not None:
            self.refresh_buyer_orders(*buyer)
        if ticket.get("unread"):
            # Read once it stayed on screen a moment: skimming with j/k marks nothing.
            tid = int(ticket["id"])
            self.set_timer(READ_AFTER_SECONDS, lambda: self._still_shown_read(tid))

    @work(thread=True, exclusive=True, group="buyer-orders", exit_on_error=False)
    def refresh_buyer_orders(self, channel: Any, buyer_id: str) -> None:
        """A marketplace buyer's orders when the channel's cache is old; offline, keep it."""
        from deskterm.sync.orders.marketplace import refresh_buyer_if_stale  # httpx: later
        from deskterm.sync.runner import channel_id_for

        store, _actor = self._write_store()
        try:
            refresh_buyer_if_stale(store, channel, channel_id_for(store, channel), buyer_id)
        except DesktermError as exc:  # offline or refused: the cached orders stay, aged
            self.log.warning(f"orders not refreshed: {exc}")

    @work(thread=True, exclusive=True, group="orders", exit_on_error=False)
    def refresh_orders(self, shop: ShopifyStore, customer_id: int) -> None:
        """Fetch this customer's orders when the cache is missing or old; offline, keep it.

        A refresh writes the store, and the watcher then repaints the panel with it.
        """
        from deskterm.sync.orders.shopify import refresh_if_stale  # httpx: not before the paint

        store, _actor = self._write_store()
        try:
            refresh_if_stale(store, shop, customer_id)
        except DesktermError as exc:  # offline or refused: the cached orders stay, aged
            self.log.warning(f"orders not refreshed: {exc}")

    def _still_shown_read(self, ticket_id: int) -> None:
        if self._shown_ticket == ticket_id:
            self.run_change("", lambda st, ac: read_state.mark_read(st, ticket_id, ac))

    @work(thread=True, exclusive=True, group="counts", exit_on_error=False)
    def load_counts(self, *, reload: bool = False) -> None:
        """Live counts for every view in the sidebar; with ``reload`` the list of the
        current view is reloaded in place too (its count is one of those just taken)."""
        where = self.where
        db = self._db()
        me = reader.agent_id_for(db, self.me_email)
        views: list[tuple[str, int | None]] = []
        for name, query, _system in all_views(db, sla=bool(self._sla_targets())):
            try:
                where_view = reader.compile_query(
                    db, parse_query(query), me_agent_id=me, sla_targets=self._sla_targets()
                )
                count: int | None = reader.count_tickets(db, where_view)
            except DesktermError:
                count = None
            views.append((name, count))
        self.call_from_thread(self._counts_loaded, views)
        if reload and where is not None:
            # Counted with the list's own compiled query: the sidebar's count of the same
            # name may come from an edited query or a later "now" for relative dates.
            total = reader.count_tickets(db, where)
            self.call_from_thread(self._view_reloaded, where, total)

    def _counts_loaded(self, views: list[tuple[str, int | None]]) -> None:
        self.view_names = [name for name, _count in views]
        self.inbox.query_one(ViewsList).show_views(views, self.view)

    def open_ticket(self, ticket_id: int) -> None:
        """Show ticket ``ticket_id`` (from the palette) and move to its conversation."""
        self._opened_elsewhere = True  # until the agent moves in the list or picks a view
        self._shown_ticket = ticket_id
        self.load_ticket(ticket_id)
        self.inbox.query_one(ConversationView).focus()

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def watch_store(self) -> None:
        """Another process wrote (sync, another terminal): refresh without moving the cursor."""
        db = self._db()
        if db.dialect == "sqlite":
            version: Any = db.all("PRAGMA data_version")[0][0]
        else:
            # PostgreSQL has no data_version: every change appends a message or an event,
            # or moves an outbox row, and these three maxima are index lookups.
            version = tuple(db.all(PG_CHANGE_PROBE)[0])
        if self._data_version is not None and version != self._data_version:
            self.call_from_thread(self._store_changed)
        self._data_version = version
        if self.data_dir is not None:
            line = status_line(read_status(self.data_dir))
            if line != self._sync_line:
                self.call_from_thread(self._sync_status, line)

    def _sync_status(self, line: str) -> None:
        self._sync_line = line
        self._status(self._view_line)

    @work(thread=True, exclusive=True, group="macros", exit_on_error=False)
    def load_macros(self) -> None:
        """Macros for the picker (reloaded when the store changes)."""
        store, _actor = self._write_store()
        choices = [
            MacroChoice(m.name, m.shortcut or "", m.body, dict(m.actions), tuple(m.intents.split()))
            for m in macros_svc.list_macros(store)
        ]
        self.call_from_thread(setattr, self, "macros", choices)

    def _store_changed(self) -> None:
        self.load_counts(reload=True)
        self.load_macros()
        if self._shown_ticket is not None:
            self.load_ticket(self._shown_ticket)

    def _view_reloaded(self, where: SqlFragment, total: int) -> None:
        if where is self.where:
            tickets = self.inbox.query_one(TicketList)
            current = tickets.current
            tickets.reset(total, follow=current["id"] if current else None, keep_rows=True)
            tickets.row(tickets.cursor)
            self._status(f"{self.view}: {total} tickets")

    def action_search(self) -> None:
        """Search with the query language; results replace the list."""

        def problem(text: str) -> str | None:
            parse_query(text)  # a QueryError (with its column) shows under the field
            return None

        def apply(text: str) -> None:
            self.load_view(f"Search: {text}", text)

        self._ask(
            "Search",
            'words, "phrases", from: subject: tag: status: date:2d.. AND OR NOT -x',
            apply,
            validate=problem,
        )

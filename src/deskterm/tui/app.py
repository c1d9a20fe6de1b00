"""The Textual inbox app: workers load data through UI-free readers and fill the panes."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from deskterm.automation.macros import MacroActions, ticket_variables
from deskterm.config import Config, EmailChannel
from deskterm.domain.errors import DesktermError
from deskterm.domain.query import parse_query
from deskterm.domain.when import FORMS, parse_when
from deskterm.services import macros as macros_svc
from deskterm.services import replies
from deskterm.services import tickets as tickets_svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.store import reader
from deskterm.store.engine import Store
from deskterm.store.query_sql import SqlFragment
from deskterm.store.readdb import ReadDb, open_read
from deskterm.store.views import all_views, view_query
from deskterm.tui.render import safe_line
from deskterm.tui.screens.composer import Composed, ComposerScreen
from deskterm.tui.screens.help import HelpScreen
from deskterm.tui.screens.inbox import InboxScreen
from deskterm.tui.screens.macro_picker import MacroChoice, MacroPicker, PickedMacro
from deskterm.tui.screens.prompt import PromptScreen
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
        Binding("slash", "search", "Search"),
        Binding("r", "reply", "Reply"),
        Binding("m", "macro", "Macro"),
        Binding("n", "note", "Note"),
        Binding("t", "tag", "Tag"),
        Binding("a", "assign", "Assign"),
        Binding("c", "close_reopen", "Close/reopen"),
        Binding("s", "snooze", "Snooze"),
        Binding("exclamation_mark", "spam", "Spam", show=False),
        Binding("M", "merge", "Merge", show=False),
        Binding("vertical_line", "pipe", "Pipe", show=False),
    ]

    def __init__(
        self, *, store_url: str, me_email: str, me_name: str = "", config: Config | None = None
    ) -> None:
        super().__init__()
        self.store_url = store_url
        self.me_email = me_email
        self.me_name = me_name
        self.config = config
        self._store: Store | None = None
        self._actor: Actor | None = None
        self._write_lock = threading.Lock()
        self.db: ReadDb | None = None
        self.view = "Inbox"
        self.where: SqlFragment | None = None
        self._data_version: Any = None
        self._shown_ticket: int | None = None
        self.inbox = InboxScreen()  # panes are always looked up here, even under a modal
        self.macros: list[MacroChoice] = []

    # --- lifecycle ----------------------------------------------------------------------

    async def on_mount(self) -> None:
        """Open the store, show the inbox, start watching for changes."""
        self.db = open_read(self.store_url)
        await self.push_screen(self.inbox)  # mounted before any worker reports back
        self.load_view(self.view)
        self.load_counts()
        self.load_macros()
        self.set_interval(CHANGE_POLL_SECONDS, self.watch_store)

    def on_unmount(self) -> None:
        """Close the store connection."""
        if self.db is not None:
            self.db.close()

    def _db(self) -> ReadDb:
        assert self.db is not None
        return self.db

    # --- workers (UI-free calls; results come back on the UI thread) --------------------

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def load_view(self, name: str, query: str | None = None) -> None:
        """Compile the view's (or a search's) query and count its tickets."""
        db = self._db()
        if self._data_version is None and db.dialect == "sqlite":
            # The baseline is taken BEFORE reading, so a write in between is not missed.
            self._data_version = db.all("PRAGMA data_version")[0][0]
        text = query if query is not None else view_query(db, name)
        where = reader.compile_query(
            db, parse_query(text), me_agent_id=reader.agent_id_for(db, self.me_email)
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

    @work(thread=True, group="pages", exit_on_error=False)
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

    @work(thread=True, exclusive=True, group="ticket", exit_on_error=False)
    def load_ticket(self, ticket_id: int) -> None:
        """One ticket with its conversation."""
        ticket = reader.get_ticket(self._db(), ticket_id)
        self.call_from_thread(self.inbox.query_one(ConversationView).show_ticket, ticket)

    @work(thread=True, exclusive=True, group="counts", exit_on_error=False)
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

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
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
        self.load_macros()
        self.reload_current_view()
        if self._shown_ticket is not None:
            self.load_ticket(self._shown_ticket)

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
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
            current = tickets.current
            tickets.reset(total, follow=current["id"] if current else None)
            tickets.row(tickets.cursor)
            self._status(f"{self.view}: {total} tickets")

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

    # --- writing: services in a worker, the store watcher repaints ----------------------

    def _write_store(self) -> tuple[Store, Actor]:
        """The read/write store and the local agent, opened on first use (in a worker)."""
        with self._write_lock:
            if self._store is None:
                from deskterm.store.engine import open_store

                self._store = open_store(self.store_url)
            if self._actor is None:
                with self._store.write() as session:
                    self._actor = agent_actor(session, email=self.me_email, name=self.me_name)
            return self._store, self._actor

    @work(thread=True, group="write", exit_on_error=False)
    def run_change(self, done: str, change: Callable[[Store, Actor], object]) -> None:
        """Apply one change through the services layer and say what happened."""
        store, actor = self._write_store()
        change(store, actor)
        self.call_from_thread(self.notify, done, markup=False)

    def _ticket(self) -> dict[str, Any] | None:
        """The ticket the agent is looking at."""
        shown = self.inbox.query_one(ConversationView).ticket
        if shown is not None:
            return shown
        return self.inbox.query_one(TicketList).current

    def _with_ticket(self) -> dict[str, Any] | None:
        ticket = self._ticket()
        if ticket is None:
            self.notify("No ticket selected", severity="warning")
        return ticket

    def _targets(self) -> list[int]:
        """Marked tickets (bulk action) or else the one being looked at."""
        marked = sorted(self.inbox.query_one(TicketList).marked)
        if marked:
            return marked
        ticket = self._with_ticket()
        return [int(ticket["id"])] if ticket is not None else []

    def _each(
        self, ids: list[int], done: str, change: Callable[[Store, Actor, int], object]
    ) -> None:
        """Apply ``change`` to every target in one worker, then clear the marks."""
        label = f"#{ids[0]} {done}" if len(ids) == 1 else f"{len(ids)} tickets {done}"
        self.run_change(label, lambda st, ac: [change(st, ac, tid) for tid in ids])
        tickets = self.inbox.query_one(TicketList)
        tickets.marked.clear()
        tickets.refresh()

    def action_close_reopen(self) -> None:
        """Close open tickets, reopen a closed one (marked tickets: close them all)."""
        ids = self._targets()
        ticket = self._ticket()
        if not ids:
            return
        if (
            len(ids) == 1
            and ticket is not None
            and ticket["id"] == ids[0]
            and ticket["status"] != "open"
        ):
            self._each(ids, "reopened", lambda st, ac, tid: tickets_svc.reopen(st, tid, ac))
        else:
            self._each(ids, "closed", lambda st, ac, tid: tickets_svc.close(st, tid, ac))

    def action_spam(self) -> None:
        """Mark as spam (a single spam ticket: unmark it)."""
        ids = self._targets()
        ticket = self._ticket()
        if not ids:
            return
        spam = not (
            len(ids) == 1 and ticket is not None and ticket["id"] == ids[0] and ticket["spam"]
        )
        self._each(
            ids,
            "marked as spam" if spam else "no longer spam",
            lambda st, ac, tid: tickets_svc.set_spam(st, tid, spam, ac),
        )

    def action_merge(self) -> None:
        """Merge this ticket with another (by id); the older one survives."""
        ticket = self._with_ticket()
        if ticket is None:
            return
        tid = int(ticket["id"])

        def apply(text: str) -> None:
            other = text.strip().lstrip("#")
            if not other.isdigit():
                self.notify(f"not a ticket id: {text!r}", severity="error", markup=False)
                return
            self.run_change(
                f"#{tid} and #{other} merged",
                lambda st, ac: tickets_svc.merge(st, tid, int(other), ac),
            )

        self._ask("Merge with ticket #", "the other ticket's id; the older ticket survives", apply)

    def action_pipe(self) -> None:
        """Pipe the conversation to a shell command (output shown, then back to the inbox)."""
        ticket = self._with_ticket()
        if ticket is None:
            return

        def run(command: str) -> None:
            text = "\n\n".join(
                f"{m['sent_at']} {m['direction']} {m['author'] or m['author_handle']}\n"
                + m["body_text"]
                for m in ticket["messages"]
            )
            with self.suspend():
                subprocess.run(command, shell=True, input=text.encode(), check=False)  # noqa: S602  (the agent's own command)
                input("\n[press Enter to return to deskterm]")

        self._ask("Pipe to command", "e.g. less, grep -i refund, wc -w", run)

    def _ask(self, question: str, hint: str, then: Callable[[str], None], value: str = "") -> None:
        def answered(text: str | None) -> None:
            if text:
                then(text)

        self.push_screen(PromptScreen(question, hint, value), answered)

    def action_tag(self) -> None:
        """Add tags (``-tag`` removes), on the marked tickets or this one."""
        ids = self._targets()
        if not ids:
            return

        def apply(text: str) -> None:
            words = text.replace(",", " ").split()
            add = [w for w in words if not w.startswith("-")]
            remove = [w[1:] for w in words if w.startswith("-") and len(w) > 1]

            def change(st: Store, ac: Actor, tid: int) -> None:
                if add:
                    tickets_svc.add_tags(st, tid, add, ac)
                if remove:
                    tickets_svc.remove_tags(st, tid, remove, ac)

            self._each(ids, "tags updated", change)

        self._ask("Tags", "words to add; -word removes", apply)

    def action_assign(self) -> None:
        """Assign to an agent (email), ``me`` or ``none``; marked tickets or this one."""
        ids = self._targets()
        if not ids:
            return

        def apply(text: str) -> None:
            who = {"me": self.me_email, "none": None}.get(text.lower(), text)
            self._each(
                ids,
                f"assigned to {who or 'nobody'}",
                lambda st, ac, tid: tickets_svc.assign(st, tid, who, ac),
            )

        self._ask("Assign to", "an agent's email, me, or none", apply, "me")

    def action_snooze(self) -> None:
        """Snooze until a time (2d, 3h, tomorrow, mon 9:00, 2026-12-01 08:30)."""
        ticket = self._with_ticket()
        if ticket is None:
            return
        tid = int(ticket["id"])

        def apply(text: str) -> None:
            try:
                until = parse_when(text)
            except DesktermError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            local = until.astimezone()
            self.run_change(
                f"#{tid} snoozed until {local:%a %d %b %H:%M}",
                lambda st, ac: tickets_svc.snooze(st, tid, until, ac),
            )

        self._ask("Snooze until", FORMS, apply, "1d")

    def action_search(self) -> None:
        """Search with the query language; results replace the list."""

        def apply(text: str) -> None:
            try:
                parse_query(text)
            except DesktermError as exc:
                self.notify(str(exc), title="query", severity="error", markup=False)
                return
            self.load_view(f"Search: {text}", text)

        self._ask(
            "Search", 'words, "phrases", from: subject: tag: status: date:2d.. AND OR NOT -x', apply
        )

    def action_note(self) -> None:
        """Write an internal note."""
        self._compose(note=True)

    def action_reply(self) -> None:
        """Write a reply to the customer."""
        self._compose(note=False)

    def _compose(self, *, note: bool, picked: PickedMacro | None = None) -> None:
        ticket = self._with_ticket()
        if ticket is None:
            return
        tid = int(ticket["id"])
        customer = ticket["customer"]["email"] or ticket["customer"]["name"] or "?"

        def send(composed: Composed | None) -> None:
            if composed is None:
                return
            text = composed.text
            if note:
                self.run_change(
                    f"#{tid} note added", lambda st, ac: tickets_svc.add_note(st, tid, text, ac)
                )
            else:
                self.send_reply(tid, text, composed.actions)

        screen = ComposerScreen(
            note=note,
            to=customer,
            subject=str(ticket["subject"]),
            macros=self.macros,
            variables=self._variables(ticket),
            picked=picked,
        )
        self.push_screen(screen, send)

    def _variables(self, ticket: dict[str, Any]) -> dict[str, Any]:
        return ticket_variables(ticket, agent_name=self.me_name, agent_email=self.me_email)

    def action_macro(self) -> None:
        """Pick a macro for this ticket; it opens the reply composer with the text in place."""
        ticket = self._with_ticket()
        if ticket is None:
            return
        if not self.macros:
            self.notify("No macros yet: deskterm macros import FILE", severity="warning")
            return

        def picked(choice: PickedMacro | None) -> None:
            if choice is not None:
                self._compose(note=False, picked=choice)

        self.push_screen(MacroPicker(self.macros, self._variables(ticket)), picked)

    @work(thread=True, exclusive=True, group="macros", exit_on_error=False)
    def load_macros(self) -> None:
        """Macros for the picker (reloaded when the store changes)."""
        store, _actor = self._write_store()
        choices = [
            MacroChoice(m.name, m.shortcut or "", m.body, dict(m.actions))
            for m in macros_svc.list_macros(store)
        ]
        self.call_from_thread(setattr, self, "macros", choices)

    @work(thread=True, group="write", exit_on_error=False)
    def send_reply(
        self, ticket_id: int, text: str, actions: list[MacroActions] | None = None
    ) -> None:
        """Queue the reply, apply its macros' actions, deliver now unless a sync process will."""
        store, actor = self._write_store()
        queued = replies.queue_reply(store, ticket_id, text, actor)
        for action in actions or []:
            macros_svc.apply_actions(store, ticket_id, action, actor, me_email=self.me_email)
        self.call_from_thread(self.notify, f"reply to {queued.to} queued", markup=False)
        channel = self._email_channel(ticket_id)
        if channel is None:
            return
        from deskterm.sync.runner import deliver_unless_synced

        summary = deliver_unless_synced(store, channel)
        if summary is None:
            return  # the running sync delivers it within seconds
        for problem in summary.problems:
            self.call_from_thread(self.notify, problem, severity="error", markup=False)
        if summary.sent:
            self.call_from_thread(self.notify, "reply sent", markup=False)

    def _email_channel(self, ticket_id: int) -> EmailChannel | None:
        if self.config is None:
            return None
        name = reader.get_ticket(self._db(), ticket_id)["channel"]
        return self.config.email_channel(name)

    # --- actions ------------------------------------------------------------------------

    def action_help(self) -> None:
        """Show every key binding."""
        self.push_screen(HelpScreen())

    def _status(self, text: str) -> None:
        self.inbox.query_one("#status", Static).update(safe_line(text))


def log_to_file(path: Path) -> None:
    """Send log records to ``path``: a stray stderr line would tear the full-screen display."""
    import logging

    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def run_app(config: Config, me_email: str, me_name: str = "") -> None:
    """Run the inbox until the user quits; sync runs inside unless another process syncs."""
    from deskterm.paths import log_dir

    log_to_file(log_dir() / "deskterm.log")
    from deskterm.store.engine import open_store
    from deskterm.sync.lock import SyncLock, SyncLockedError
    from deskterm.sync.runner import Daemon

    daemon: Daemon | None = None
    lock: SyncLock | None = None
    sync: threading.Thread | None = None
    if config.channels:
        store = open_store(config.store_url(), data_dir=config.store_path().parent)
        lock = SyncLock(store.data_dir)
        try:
            lock.acquire()
        except SyncLockedError:
            lock = None  # a `deskterm sync` (or another TUI) already keeps the store fresh
        else:
            daemon = Daemon(config, store)
            sync = threading.Thread(target=daemon.run, name="sync", daemon=True)
            sync.start()
    try:
        DesktermApp(
            store_url=config.store_url(), me_email=me_email, me_name=me_name, config=config
        ).run()
    finally:
        if daemon is not None and sync is not None:
            daemon.stop.set()
            sync.join(timeout=30)
        if lock is not None:
            lock.release()

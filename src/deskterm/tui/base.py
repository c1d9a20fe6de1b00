"""The app's shared state: the read connection, the write store, the ticket in view, prompts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App
from textual.css.query import NoMatches
from textual.driver import Driver
from textual.screen import Screen
from textual.widgets import Static

from deskterm.config import Config, ShopifyStore
from deskterm.domain.errors import DesktermError
from deskterm.store.query_sql import SqlFragment
from deskterm.store.readdb import ReadDb
from deskterm.tui.render import safe_line
from deskterm.tui.screens.inbox import InboxScreen
from deskterm.tui.screens.macro_picker import MacroChoice
from deskterm.tui.screens.prompt import PromptScreen, Validator
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList

log = logging.getLogger(__name__)
ScreenT = TypeVar("ScreenT", bound=Screen[Any])

if TYPE_CHECKING:
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store


class DesktermBase(App[None]):
    """State and helpers every part of the app uses; the action mixins build on it."""

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
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deskterm-write")
        self._writes_closed = False
        self.db: ReadDb | None = None
        self.view = "Inbox"
        self.where: SqlFragment | None = None
        self._data_version: Any = None
        self._shown_ticket: int | None = None
        # A ticket opened from the palette (not the list's row): rows arriving do not
        # replace it, only the agent moving in the list or picking a view does.
        self._opened_elsewhere = False
        self.inbox = InboxScreen()  # panes are always looked up here, even under a modal
        self.macros: list[MacroChoice] = []
        self.view_names: list[str] = []
        self.after_first_paint: list[Callable[[], None]] = []  # run once the list shows
        self._painted = False
        self.focus_list_when_loaded = False  # a sidebar choice moves to the list after paint
        self.me_agent_id: int | None = None  # this agent's row, for unread marks and drafts
        self.last_folder = "~/Downloads"  # where attachments were saved last
        self._view_line = ""
        self._sync_line = ""
        # Where the syncing process reports its channels (sync/status.py).
        self.data_dir: Path | None = config.store_path().parent if config is not None else None
        self.keymap: dict[str, str] = dict(config.ui.keys) if config is not None else {}

    def get_driver_class(self) -> type[Driver]:
        """Textual's Linux driver made thrifty (tui/driver.py, issue 11 item 1); any other
        (Windows, a driver named in $TEXTUAL_DRIVER such as textual-serve's) as it is."""
        chosen = super().get_driver_class()
        if chosen.__name__ == "LinuxDriver":  # not imported here: it needs termios (POSIX)
            from deskterm.tui.driver import TerminalDriver

            return TerminalDriver
        return chosen

    def _open_screen(self, kind: type[ScreenT]) -> ScreenT | None:
        """The open screen of ``kind``, if the agent has one on the stack."""
        return next((s for s in reversed(self.screen_stack) if isinstance(s, kind)), None)

    def _db(self) -> ReadDb:
        assert self.db is not None
        return self.db

    def _write_store(self) -> tuple[Store, Actor]:
        """The read/write store and the local agent, opened on first use (in a worker)."""
        with self._write_lock:
            if self._store is None:
                from deskterm.store.engine import open_store  # on first write: see tui/lazy.py

                self._store = open_store(self.store_url, data_dir=self.data_dir)
            if self._actor is None:
                from deskterm.services.actor import agent_actor

                with self._store.write() as session:
                    self._actor = agent_actor(session, email=self.me_email, name=self.me_name)
            return self._store, self._actor

    def run_change(self, done: str, change: Callable[[Store, Actor], object]) -> None:
        """Apply one change through the services layer and say what happened.

        Changes run on ONE writer thread in the order the agent made them, so a draft
        saved a moment before "send" can never land after the send discarded it.
        """

        def apply() -> None:
            store, actor = self._write_store()
            change(store, actor)
            if done:
                self.post_to_ui(self.notify, done, markup=False)

        if self._writes_closed:
            return  # the app is closing; what was queued before still completes
        self._writer.submit(self._reporting(apply))

    def post_to_ui(self, callback: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        """Run ``callback`` on the UI thread soon, WITHOUT waiting for it.

        The writer thread must never block on the UI thread: at quit the UI thread waits
        for the writer to finish (``finish_writes``), and a blocking ``call_from_thread``
        from the writer would then deadlock.
        """
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(partial(callback, *args, **kwargs))
        except RuntimeError:  # the loop closed meanwhile: the app is gone
            log.info("ui gone; dropped %s", getattr(callback, "__name__", callback))

    def _reporting(self, job: Callable[[], None]) -> Callable[[], None]:
        """``job`` with its failure shown as a notification (what worker errors get)."""

        def run() -> None:
            try:
                job()
            except Exception as exc:  # a failed change is reported, never lost silently
                log.warning("change failed: %s: %s", exc.__class__.__name__, exc)
                self.post_to_ui(self.show_error, exc)

        return run

    def show_error(self, error: BaseException) -> None:
        """One plain-words notification for a failure in a worker or the writer."""
        text = (
            str(error)
            if isinstance(error, DesktermError)
            else f"{error.__class__.__name__}: {error}"
        )
        self.notify(text, title="error", severity="error", markup=False)

    def finish_writes(self) -> None:
        """Wait for queued changes (drafts included) before the app goes away."""
        self._writes_closed = True
        self._writer.shutdown(wait=True)

    def _ticket(self) -> dict[str, Any] | None:
        """The ticket the agent is looking at (the list's row while its conversation loads).

        The panes are looked up on the inbox whatever screen is on top; before the inbox
        is composed (or after it went, at quit) there is no ticket.
        """
        try:
            shown = self.inbox.query_one(ConversationView).ticket
            current = self.inbox.query_one(TicketList).current
        except NoMatches:
            return None
        if shown is not None and shown["id"] == self._shown_ticket:
            return shown
        return current if current is not None else shown

    def _with_ticket(self) -> dict[str, Any] | None:
        ticket = self._ticket()
        if ticket is None:
            self.notify("No ticket selected", severity="warning")
        return ticket

    def _targets(self) -> list[int]:
        """Marked tickets (bulk action) or else the one being looked at."""
        try:
            marked = sorted(self.inbox.query_one(TicketList).marked)
        except NoMatches:  # the inbox is not composed (yet, or any more): nothing to act on
            return []
        if marked:
            return marked
        ticket = self._with_ticket()
        return [int(ticket["id"])] if ticket is not None else []

    def _shop_for(self, channel_name: str) -> ShopifyStore | None:
        """The shop whose orders belong to this channel's customers (the only one if unnamed)."""
        if self.config is None or not self.config.stores:
            return None
        channel = self.config.find_channel(channel_name)
        wanted = channel.store if channel is not None else None
        if wanted is None:
            return self.config.stores[0] if len(self.config.stores) == 1 else None
        return next((s for s in self.config.stores if s.name == wanted), None)

    def _buyer_for(self, ticket: dict[str, Any]) -> tuple[Any, str] | None:
        """(marketplace channel, buyer id) when the ticket is a chat whose buyer's orders
        are fetched (orders_refresh_minutes > 0)."""
        if self.config is None:
            return None
        channel = self.config.find_channel(str(ticket["channel"]))
        minutes = getattr(channel, "orders_refresh_minutes", 0)
        if channel is None or not minutes:
            return None
        prefix = f"{channel.type}:"
        handles = ticket.get("customer", {}).get("handles") or []
        buyer = next((h[len(prefix) :] for h in handles if str(h).startswith(prefix)), None)
        return (channel, buyer) if buyer else None

    def _ask(
        self,
        question: str,
        hint: str,
        then: Callable[[str], None],
        value: str = "",
        validate: Validator | None = None,
    ) -> None:
        """Ask one question; ``then`` gets the answer. With ``validate``, a refused answer
        keeps the dialog open with the error under the field (prompt.py)."""

        def answered(text: str | None) -> None:
            if text:
                try:
                    then(text)
                except DesktermError as exc:  # e.g. a time that passed since it was checked
                    self.notify(str(exc), severity="error", markup=False)

        self.push_screen(PromptScreen(question, hint, value, validate), answered)

    def _status(self, text: str) -> None:
        """The status line: the view on the left, every channel's sync state after it."""
        self._view_line = text
        line = safe_line(text)
        if self._sync_line:
            line.append("   │ sync: ", "dim")
            line.append_text(safe_line(self._sync_line, "dim"))
        try:
            status = self.inbox.query_one("#status", Static)
        except NoMatches:  # a worker reporting after the inbox went (quitting)
            return
        if status.content != line:  # the same words again repaint nothing (issue 11 item 1)
            status.update(line)

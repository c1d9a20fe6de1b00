"""The Textual inbox app: the panes, the live data and every action, put together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.widgets import TextArea
from textual.worker import Worker, WorkerState

from deskterm.config import Config
from deskterm.domain.errors import ConfigError, DesktermError
from deskterm.services import drafts
from deskterm.store.readdb import open_read
from deskterm.tui.actions.attachment_actions import AttachmentActions
from deskterm.tui.actions.compose_actions import ComposeActions, draft_kind
from deskterm.tui.actions.customer_actions import CustomerActions
from deskterm.tui.actions.manage_actions import ManageActions
from deskterm.tui.actions.ticket_actions import TicketActions
from deskterm.tui.commands import DesktermCommands
from deskterm.tui.keys import check_keymap, key_places
from deskterm.tui.live_data import LiveData
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.screens.help import HelpScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList

CHANGE_POLL_SECONDS = 0.5  # how often other processes' writes are looked for


class DesktermApp(
    CustomerActions, ManageActions, AttachmentActions, ComposeActions, TicketActions, LiveData
):
    """The inbox. All I/O runs in thread workers calling UI-free code."""

    TITLE = "deskterm"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        *LiveData.COMMANDS,
        DesktermCommands,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("slash", "search", "Search", id="search"),
    ]

    # --- lifecycle ----------------------------------------------------------------------

    def __init__(
        self, *, store_url: str, me_email: str, me_name: str = "", config: Config | None = None
    ) -> None:
        super().__init__(store_url=store_url, me_email=me_email, me_name=me_name, config=config)
        check_keymap(self.keymap, key_places(type(self)))  # a typo fails before the screen opens
        self.set_keymap(self.keymap)
        if config is not None and config.ui.theme:
            if config.ui.theme not in self.available_themes:
                raise ConfigError(
                    f"ui.theme: no theme {config.ui.theme!r} "
                    f"(one of: {', '.join(sorted(self.available_themes))})"
                )
            self.theme = config.ui.theme

    async def on_mount(self) -> None:
        """Open the store, show the inbox, start watching for changes."""
        self.db = open_read(self.store_url)
        await self.push_screen(self.inbox)  # mounted before any worker reports back
        if self.config is not None:
            self.inbox.query_one(TicketList).sla_targets = self.config.sla_targets()
        self.load_view(self.view)
        self.load_counts()
        self.load_macros()
        self.set_interval(CHANGE_POLL_SECONDS, self.watch_store)

    def on_unmount(self) -> None:
        """Finish queued changes, close the store connection."""
        self.finish_writes()
        if self.db is not None:
            self.db.close()

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
            self.show_error(event.worker.error)

    async def action_quit(self) -> None:
        """Quit; a reply or note being written is kept as the ticket's draft first."""
        screen = self.screen
        if isinstance(screen, ComposerScreen) and screen.ticket_id is not None:
            text = screen.query_one(TextArea).text
            store, actor = self._write_store()
            try:
                drafts.save_draft(store, screen.ticket_id, draft_kind(screen.note), text, actor)
            except DesktermError as exc:  # a draft that cannot be kept must not trap the user
                self.log.warning(f"draft not saved: {exc}")
        self.exit()

    def action_help(self) -> None:
        """Show every key binding."""
        self.push_screen(HelpScreen(self.keymap))


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

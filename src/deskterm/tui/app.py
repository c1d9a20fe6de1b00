"""The Textual inbox app: the panes, the live data and every action, put together."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import events, work
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.css.query import NoMatches
from textual.widgets import Input, TextArea
from textual.worker import Worker, WorkerState

from deskterm.config import Config
from deskterm.config.sections import UiConfig
from deskterm.domain.errors import ConfigError
from deskterm.domain.themes import theme_problem
from deskterm.store.readdb import open_read
from deskterm.tui.actions.attachment_actions import AttachmentActions
from deskterm.tui.actions.compose_actions import ComposeActions
from deskterm.tui.actions.customer_actions import CustomerActions
from deskterm.tui.actions.label_actions import LabelActions
from deskterm.tui.actions.manage_actions import ManageActions
from deskterm.tui.actions.order_actions import OrderActions
from deskterm.tui.actions.stats_actions import StatsActions
from deskterm.tui.actions.ticket_actions import TicketActions
from deskterm.tui.commands import DesktermCommands, Palette
from deskterm.tui.keys import check_keymap, key_places
from deskterm.tui.live_data import LiveData
from deskterm.tui.presence import Presence
from deskterm.tui.safety import Safety
from deskterm.tui.screens.help import HelpScreen
from deskterm.tui.welcome import Welcoming
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList

CHANGE_POLL_SECONDS = 0.5  # how often other processes' writes are looked for
NOTICE_SECONDS = 30.0  # long enough to read and copy a command from it
WARM_UP = (  # loaded lazily (tui/lazy.py) and imported here, in one thread, after the paint
    "deskterm.services.tickets",
    "deskterm.services.undo",
    "deskterm.services.drafts",
    "deskterm.services.replies",
    "deskterm.services.macros",
    "deskterm.services.views",
    "deskterm.services.customers",
    "deskterm.services.read_state",
    "deskterm.services.labels",
    "deskterm.services.suggestions",
)


class DesktermApp(
    Safety,
    CustomerActions,
    StatsActions,
    ManageActions,
    AttachmentActions,
    ComposeActions,
    TicketActions,
    Welcoming,
    Presence,
    LiveData,
    OrderActions,
    # Last: its bindings come after the others in the palette's list (a palette opened
    # and confirmed in one burst of keys picks that list's first entry).
    LabelActions,
):
    """The inbox. All I/O runs in thread workers calling UI-free code."""

    TITLE = "deskterm"
    # Without effects (over ssh), a dialog or the palette leaves the screen behind it as it
    # is: dimming it rewrites every cell, 10-12 KB at 120x40 to open and again to close.
    CSS = """
    App.-no-effects ModalScreen, App.-no-effects CommandPalette { background: transparent; }
    """
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
        self,
        *,
        store_url: str,
        me_email: str,
        me_name: str = "",
        config: Config | None = None,
        notice: str = "",
    ) -> None:
        super().__init__(store_url=store_url, me_email=me_email, me_name=me_name, config=config)
        self.notice = notice  # shown once the inbox is up (the demo: how to reach its data)
        check_keymap(self.keymap, key_places(type(self)))  # a typo fails before the screen opens
        self.set_keymap(self.keymap)
        ui = config.ui if config is not None else UiConfig()
        # Over ssh every animation frame and every cursor blink is a write over the link
        # (issue 11 item 1): both follow [ui] animations / cursor_blink, off there by default.
        if not ui.animations_on(os.environ):
            self.animation_level = "none"
            self.add_class("-no-effects")  # no dimmed screen behind dialogs: see CSS
        self.blink_cursor = ui.cursor_blinks(os.environ)
        if config is not None and config.ui.theme:
            problem = theme_problem(config.ui.theme, self.available_themes)
            if problem is not None:
                raise ConfigError(f"ui.theme: {problem}")
            self.theme = config.ui.theme

    async def on_mount(self) -> None:
        """Open the store, show the inbox, start watching for changes."""
        self.db = open_read(self.store_url)
        await self.push_screen(self.inbox)  # mounted before any worker reports back
        if self.notice:
            self.notify(self.notice, timeout=NOTICE_SECONDS, markup=False)
        if self.config is not None:
            tickets = self.inbox.query_one(TicketList)
            tickets.sla_targets = self.config.sla_targets()
            tickets.show_store = len(self.config.stores) > 1  # one shop: the column says nothing
        self.load_view(self.view)
        self.load_counts()
        self.check_welcome()
        self.set_interval(CHANGE_POLL_SECONDS, self.watch_store)
        self.watch_resume()

    def first_paint_done(self) -> None:
        """The list is on screen: now load what only later keys need, and start sync."""
        self.warm_up()
        self.start_presence()

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """Import the lazily loaded services, then load the macros and start sync."""
        try:
            for name in WARM_UP:
                importlib.import_module(name)
            self._write_store()
            self.post_to_ui(self.load_macros)
        finally:
            for start in self.after_first_paint:  # sync starts even if a step above failed
                start()

    def on_unmount(self) -> None:
        """Finish queued changes, close the store connection."""
        self.end_presence()
        self.finish_writes()
        if self.db is not None:
            self.db.close()

    async def on_event(self, event: events.Event) -> None:
        """The agent's first key or click ends the list's "stay on the newest" start."""
        if isinstance(event, events.Key | events.MouseDown) and not event.is_forwarded:
            with contextlib.suppress(NoMatches):  # before the inbox is composed
                self.inbox.query_one(TicketList).pin_top = False
        await super().on_event(event)

    # --- messages from widgets ----------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A text field (composer, prompt, palette) blinks its cursor only when wanted."""
        if not self.blink_cursor and isinstance(event.widget, Input | TextArea):
            event.widget.cursor_blink = False

    def on_ticket_list_page_wanted(self, message: TicketList.PageWanted) -> None:
        """The list scrolled onto rows it does not have."""
        self.load_page(message.page)

    def on_ticket_list_highlighted(self, message: TicketList.Highlighted) -> None:
        """Show the highlighted ticket's conversation."""
        if message.by_data and self._opened_elsewhere:
            return  # new mail moved the list, not the agent: the palette's ticket stays
        self._opened_elsewhere = False
        self._shown_ticket = message.ticket_id
        self.load_ticket(message.ticket_id)

    def on_ticket_list_opened(self, message: TicketList.Opened) -> None:
        """Enter: show the conversation and move there."""
        self._shown_ticket = message.ticket_id
        self.load_ticket(message.ticket_id)
        self.inbox.query_one(ConversationView).focus()

    def on_views_list_view_chosen(self, message: ViewsList.ViewChosen) -> None:
        """A view was chosen in the sidebar; the list takes the focus once its rows show."""
        self.focus_list_when_loaded = True
        self.load_view(message.name)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place turns worker failures into a visible, plain-words error."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error)

    async def action_quit(self) -> None:
        """Quit; a reply or note being written is kept as the ticket's draft first."""
        self.keep_open_drafts()
        self.exit()

    def action_command_palette(self) -> None:
        """ctrl+p: the command palette (ours: safe against keys arriving together)."""
        if self.use_command_palette and not isinstance(self.screen, Palette):
            self.push_screen(Palette(id="--command-palette"))

    def action_help(self) -> None:
        """Show every key binding."""
        self.push_screen(HelpScreen(self.keymap))


def log_to_file(path: Path) -> None:
    """Send log records to ``path`` only (rotated, private, secrets masked): a stray stderr
    line would tear the full-screen display."""
    from deskterm.domain.logsetup import setup_logging

    setup_logging(path, exclusive=True)


class SyncStarter:
    """Starts the sync daemon inside the TUI after the first paint (unless another process
    syncs this store), and stops it when the TUI quits.

    While another process holds the store's sync lock, the lock is tried again every
    ``retry_seconds``: a `deskterm reply` delivering for a moment, or a `deskterm sync`
    that stops, must not leave this TUI without sync for the rest of the session.
    """

    def __init__(self, config: Config, *, retry_seconds: float = 30.0) -> None:
        self.config = config
        self.retry_seconds = retry_seconds
        self._guard = threading.Lock()
        self._stopped = threading.Event()
        self._daemon: Any = None
        self._thread: threading.Thread | None = None
        self._waiter: threading.Thread | None = None
        self._lock: Any = None

    @property
    def running(self) -> bool:
        """Whether this TUI's own sync daemon runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Take the sync lock and run the daemon, or keep trying in the background."""
        if not self.config.channels or self._try_start():
            return
        self._waiter = threading.Thread(target=self._wait_for_lock, name="sync-wait", daemon=True)
        self._waiter.start()

    def _wait_for_lock(self) -> None:
        while not self._stopped.wait(self.retry_seconds):
            if self._try_start():
                return

    def _try_start(self) -> bool:
        """True when sync now runs here (or the TUI is closing: nothing more to do)."""
        from deskterm.services.rule_engine import after_pass
        from deskterm.store.engine import open_store
        from deskterm.sync.lock import SyncLock, SyncLockedError
        from deskterm.sync.runner import Daemon

        with self._guard:
            if self._stopped.is_set():
                return True
            store = open_store(self.config.store_url(), data_dir=self.config.store_path().parent)
            lock = SyncLock(store.data_dir)
            try:
                lock.acquire()
            except SyncLockedError:
                return False  # another process keeps the store fresh for now
            rules = after_pass(self.config)  # the rules run where the sync runs
            self._lock, self._daemon = lock, Daemon(self.config, store, after_pass=rules)
            self._thread = threading.Thread(target=self._daemon.run, name="sync", daemon=True)
            self._thread.start()
            return True

    def stop(self) -> None:
        """Stop the daemon (if it ever started) and release the lock."""
        self._stopped.set()
        with self._guard:
            if self._daemon is not None and self._thread is not None:
                self._daemon.stop.set()
                self._thread.join(timeout=30)
            if self._lock is not None:
                self._lock.release()


def run_app(config: Config, me_email: str, me_name: str = "") -> int:
    """Run the inbox until the user quits; sync runs inside unless another process syncs.

    Returns the exit status: 0 after ``q``, 128 + N after signal N (SIGTERM, SIGHUP,
    SIGQUIT), safety.EXIT_CRASHED (70) after an unexpected error.
    """
    from deskterm.paths import LOG_FILE_NAME, log_dir
    from deskterm.tui.signals import SignalEnding

    log_path = log_dir() / LOG_FILE_NAME
    log_to_file(log_path)
    starter = SyncStarter(config)
    app = DesktermApp(
        store_url=config.store_url(), me_email=me_email, me_name=me_name, config=config
    )
    app.log_path = log_path
    # After the first paint: importing and starting sync first would slow the cold start.
    app.after_first_paint.append(starter.start)
    try:
        with SignalEnding(app) as ending:
            app.run()
    finally:
        starter.stop()
    if ending.signum:
        return 128 + ending.signum
    if app.crash_line:
        with contextlib.suppress(OSError):  # the terminal may be gone
            sys.stderr.write(app.crash_line + "\n")
    return app.return_code or 0

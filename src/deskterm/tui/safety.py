"""Nothing lost, nothing broken: keys typed ahead, signals, ctrl+z and unexpected errors.

- Keys that arrive in one read reach the screen they were typed for (see ``on_event``).
- SIGTERM, SIGHUP and SIGQUIT end the app as ``q`` does (tui/signals.py installs them).
- ctrl+z suspends to the shell; ``fg`` redraws everything.
- An unexpected exception is logged with its traceback, open drafts are saved, Textual's
  exit restores the terminal, and the exit status is EXIT_CRASHED.
"""

from __future__ import annotations

import logging
import weakref
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import TextArea
from textual.worker import WorkerFailed

from deskterm.config import Config
from deskterm.tui.actions.compose_actions import draft_kind
from deskterm.tui.base import DesktermBase
from deskterm.tui.lazy import lazy_module
from deskterm.tui.screens.composer import ComposerScreen

if TYPE_CHECKING:
    from deskterm.services import drafts
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store
else:
    drafts = lazy_module("deskterm.services.drafts")

log = logging.getLogger(__name__)

EXIT_CRASHED = 70  # EX_SOFTWARE (sysexits.h): an internal error; the traceback is in the log


class Safety(DesktermBase):
    """The app's ending paths and its handling of keys that arrive together."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: it also works with a dialog on top; in a text area it stays undo.
        Binding("ctrl+z", "suspend", "Suspend", show=False, priority=True, id="suspend"),
    ]

    def __init__(
        self, *, store_url: str, me_email: str, me_name: str = "", config: Config | None = None
    ) -> None:
        super().__init__(store_url=store_url, me_email=me_email, me_name=me_name, config=config)
        self.log_path: Path | None = None  # where a crash's traceback goes (run_app sets it)
        self.crashed: BaseException | None = None
        self.crash_line = ""  # the one line run_app prints after a crash
        # The screen each key was handed to (weak: a key a widget keeps is just forgotten).
        self._key_screens: weakref.WeakKeyDictionary[events.Key, Screen[Any]] = (
            weakref.WeakKeyDictionary()
        )

    # --- keys typed ahead ---------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Keys typed ahead of a dialog reach the dialog."""
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                self._key_screens[event] = self.screen
            elif self._typed_ahead(event):
                return
        await super().on_event(event)

    def _typed_ahead(self, key: events.Key) -> bool:
        """Deliver again a key that came back from a screen that is no longer on top.

        Keys read in one go (``t`` ``vip`` Enter over ssh) are all handed to the focused
        widget before the first one's binding opens its dialog; they come back up to the
        app only after that, and would be lost (or act on the wrong screen). Posted anew,
        in the order typed, they reach the dialog's field as if typed there.
        """
        screen = self._key_screens.pop(key, None)
        if screen is None or screen is self.screen:
            return False
        self.post_message(events.Key(key.key, key.character))
        return True

    # --- ending -------------------------------------------------------------------------

    def keep_open_drafts(self) -> None:
        """Queue every open reply or note as its ticket's draft (quit, a signal, a crash)."""
        for screen in self.screen_stack:
            # The composer may sit under a picker, a prompt or the palette.
            if isinstance(screen, ComposerScreen) and screen.ticket_id is not None:
                tid, kind = screen.ticket_id, draft_kind(screen.note)
                try:
                    text = screen.query_one(TextArea).text
                except NoMatches:  # not composed yet: nothing typed there
                    continue
                screen.closing = True
                # Queued after any autosave still waiting, and flushed by finish_writes.
                self.run_change("", partial(_keep_draft, tid, kind, text))

    def end_on_signal(self, signum: int) -> None:
        """SIGTERM, SIGHUP, SIGQUIT: end as ``q`` does (drafts kept, the terminal restored
        by Textual's own exit path), with the exit status 128 + the signal's number."""
        self.keep_open_drafts()
        self.exit(return_code=128 + signum)

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected exception: the traceback to the log (not over the screen), open
        drafts saved, the terminal restored by Textual's exit, exit status EXIT_CRASHED."""
        cause = error.error if isinstance(error, WorkerFailed) else error  # a worker's own
        self.crashed = cause
        log.error("unexpected error, deskterm stops", exc_info=cause)
        try:
            self.keep_open_drafts()
        except Exception:  # the crash may have left a screen half-built: save what can be
            log.exception("saving open drafts after the crash failed")
        super()._handle_exception(error)
        self._return_code = EXIT_CRASHED
        where = f"the traceback is in {self.log_path}" if self.log_path else "see the log"
        self._exit_renderables.clear()  # no Rich traceback over the restored terminal
        self.crash_line = f"deskterm: unexpected error ({cause.__class__.__name__}); {where}"

    # --- job control --------------------------------------------------------------------

    def watch_resume(self) -> None:
        """Redraw everything when the app comes back from ctrl+z (or from $EDITOR)."""
        self.app_resume_signal.subscribe(self, self._resumed)

    def action_suspend(self) -> None:
        """ctrl+z: back to the shell (job control), ``fg`` brings the inbox back repainted.
        In a text area (the composer, the macro editor) ctrl+z stays undo."""
        focused = self.focused
        if isinstance(focused, TextArea):
            focused.action_undo()
            return
        self.action_suspend_process()

    def _resumed(self, _app: object) -> None:
        """Back from ctrl+z: the terminal showed other things meanwhile, draw everything."""
        self.refresh(repaint=True, layout=True)


def _keep_draft(ticket_id: int, kind: str, text: str, store: Store, actor: Actor) -> None:
    drafts.save_draft(store, ticket_id, kind, text, actor)

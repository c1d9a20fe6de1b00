"""The agent's session in the inbox: opened after the first paint, a heartbeat every five
minutes, closed at quit (agent activity in stats counts the time online from it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deskterm.tui.base import DesktermBase
from deskterm.tui.lazy import lazy_module

if TYPE_CHECKING:
    from deskterm.services import agent_sessions
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store
else:
    agent_sessions = lazy_module("deskterm.services.agent_sessions")

# Each beat is a write every open inbox notices (and reloads its list for): often enough
# that a crashed session loses at most five minutes of time online, rarely enough to cost
# nothing.
HEARTBEAT_SECONDS = 300.0


class Presence(DesktermBase):
    """Opens, keeps and closes this agent's session row; every write on the writer thread."""

    session_id: int | None = None

    def start_presence(self) -> None:
        """Open the session (from the warm-up, once the inbox shows) and start the beat."""

        def start(store: Store, actor: Actor) -> None:
            screen = agent_sessions.where_from()
            self.session_id = agent_sessions.open_session(store, actor, screen)

        self.run_change("", start)
        self.set_interval(HEARTBEAT_SECONDS, self._beat)

    def _beat(self) -> None:
        self.run_change("", self._touch)

    def _touch(self, store: Store, _actor: Actor) -> None:
        # On the writer thread, after the start queued before it: the id is known by now.
        if self.session_id is not None:
            agent_sessions.touch_session(store, self.session_id)

    def end_presence(self) -> None:
        """Close the session (the app is closing; queued before the writer finishes)."""
        self.run_change("", self._close)

    def _close(self, store: Store, _actor: Actor) -> None:
        if self.session_id is not None:
            agent_sessions.close_session(store, self.session_id)
            self.session_id = None

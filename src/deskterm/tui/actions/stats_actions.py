"""The stats screen (F5) of the inbox: figures computed in a worker, breaches as a list."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches

from deskterm.config import Config
from deskterm.domain.errors import DesktermError
from deskterm.domain.text import one_line
from deskterm.tui.lazy import lazy_module
from deskterm.tui.live_data import LiveData
from deskterm.tui.screens.stats import StatsScreen

if TYPE_CHECKING:
    from deskterm.services import stats as stats_svc
else:
    stats_svc = lazy_module("deskterm.services.stats")

BREACHED = "sla:breached"


def stats_now() -> datetime:
    """The moment the figures end at (tests fix it)."""
    return datetime.now(UTC)


class StatsActions(LiveData):
    """F5: the period's figures and charts; `s` there lists the SLA breaches."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "stats", "Stats", id="stats"),
    ]

    def action_stats(self) -> None:
        """Open the stats screen (once: F5 there again does nothing)."""
        if self._open_screen(StatsScreen) is not None:
            return
        hours = self.config is not None and self.config.business_hours is not None
        self.push_screen(StatsScreen(has_hours=hours))

    def on_stats_screen_wanted(self, message: Any) -> None:
        """The screen wants a period's figures."""
        self.compute_stats(message.days, message.by, message.business)

    def on_stats_screen_breached(self, _message: Any) -> None:
        """`s` on the stats screen: the open tickets past their SLA, in the inbox."""
        screen = self.screen
        if isinstance(screen, StatsScreen):
            self.pop_screen()
        self.load_view(f"Search: {BREACHED}", BREACHED)

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def compute_stats(self, days: int, by: str, business: bool) -> None:
        """The last ``days`` days by ``by``, for the stats screen."""
        from deskterm.config.read_settings import ReadSettings

        settings = ReadSettings.of(self.config if self.config is not None else Config())
        try:
            result = stats_svc.last_days(
                self._db(), settings, days, by=by, business_hours=business, now=stats_now()
            )
        except DesktermError as exc:
            self.post_to_ui(self._stats_problem, str(exc))
            return
        self.post_to_ui(self._stats_computed, result, days, business, by)

    def _stats_computed(self, result: dict[str, Any], days: int, business: bool, by: str) -> None:
        screen = self._open_screen(StatsScreen)
        with contextlib.suppress(NoMatches):  # closed meanwhile
            if screen is not None and screen.is_attached:
                screen.show_stats(result, days=days, business=business, by=by)

    def _stats_problem(self, text: str) -> None:
        screen = self._open_screen(StatsScreen)
        with contextlib.suppress(NoMatches):
            if screen is not None and screen.is_attached:
                screen.say(one_line(text, 200))

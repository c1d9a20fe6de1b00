"""The first-start welcome: shown while no channel is configured and the store is empty."""

from __future__ import annotations

from textual import work

from deskterm.config import Config, config_places
from deskterm.store import reader
from deskterm.tui.live_data import LiveData
from deskterm.tui.widgets.conversation.welcome import WelcomeFacts


def welcome_facts(config: Config) -> WelcomeFacts:
    """Where the config was looked for and what was there (``config_places``, the loader's
    own list), and where to write one."""
    places: list[tuple[str, str]] = []
    target = config.source
    for place in config_places():
        if place.path is None:
            found = "not set" if place.name.startswith("$") else "not given"
            places.append((place.name, found))
            continue
        exists = place.path.exists()
        target = target or place.path
        places.append((str(place.path), "found: start deskterm again" if exists else "not there"))
    assert target is not None  # the default place always has a path
    return WelcomeFacts(config.source, tuple(places), target)


class Welcoming(LiveData):
    """Shows the welcome pane on a first start, and takes it away when tickets arrive."""

    welcome_shown = False

    @work(thread=True, exclusive=True, group="welcome", exit_on_error=False)
    def check_welcome(self) -> None:
        """Welcome when no channel is configured (no config file, or one without channels)
        and the store holds no ticket; an import or a sync that brings one ends it."""
        config = self.config
        facts = None
        if config is not None and not config.channels and not reader.has_tickets(self._db()):
            facts = welcome_facts(config)
        self.call_from_thread(self._welcome_checked, facts)

    def _welcome_checked(self, facts: WelcomeFacts | None) -> None:
        if facts is None and not self.welcome_shown:
            return
        self.welcome_shown = facts is not None
        self.inbox.show_welcome(facts)

    def _store_changed(self) -> None:
        super()._store_changed()
        if self.welcome_shown:
            self.check_welcome()

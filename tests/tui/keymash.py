"""Key mashing for TUI tests: every key the app binds, and keys sent in one burst."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.keys import _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot

from deskterm.tui.app import DesktermApp
from deskterm.tui.keys import key_places
from deskterm.tui.screens.confirm import ConfirmScreen
from deskterm.tui.screens.help import HelpScreen
from deskterm.tui.screens.macro_picker import MacroPicker
from deskterm.tui.screens.prompt import PromptScreen

QUITS = frozenset({"q", "ctrl+q"})  # they end the app on purpose: the test quits last
EXTRA = (  # what an agent also presses: answers, moves, and text typed into fields
    "enter",
    "escape",
    "tab",
    "shift+tab",
    "pageup",
    "pagedown",
    "up",
    "down",
    "home",
    "end",
    "space",
    "backspace",
    "ctrl+p",
    "ctrl+c",
    "ctrl+z",
    "v",
    "i",
    "p",
    "1",
    "#",
)


def bound_keys() -> list[str]:
    """Every key of every binding of the app, its panes and its dialogs (quit aside)."""
    keys: set[str] = set(EXTRA)
    classes = [cls for _, cls in key_places(DesktermApp)]
    classes += [HelpScreen, ConfirmScreen, PromptScreen, MacroPicker]
    for cls in classes:
        for klass in cls.__mro__:
            for binding in klass.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding):
                    keys.update(key.strip() for key in binding.key.split(","))
    return sorted(keys - QUITS)


def key_event(key: str) -> events.Key:
    """The Key event a terminal driver would post for ``key`` (as Pilot builds it)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def burst(app: App[object], pilot: Pilot[object], keys: Iterable[str]) -> None:
    """Post ``keys`` all at once, as one read from a slow link delivers them, then let the
    app handle them: no key waits for the previous one to be dealt with."""
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        app.post_message(event)
    await pilot.pause()
    await pilot.pause()

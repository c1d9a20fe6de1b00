"""The key footer, without Textual 8.2's leak of one set of key widgets per focus change."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer, dropping the data bindings of the key widgets it replaced.

    Footer recomposes on every change of the active bindings (every focus change) and binds
    each new FooterKey's ``compact`` to its own. Textual keeps such a watcher until the
    watched value changes, and the Footer's ``compact`` never does: every FooterKey ever
    shown stayed alive with its styles (~0.3 MB per focus change, issue 11). Forgetting
    the watchers of keys no longer in the DOM before composing new ones bounds it.
    """

    _shown: tuple[Any, ...] | None = None  # the keys on show, as compose would draw them

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Recompose only when the keys to show changed: most focus moves inside a pane
        keep them, and each recompose mounts a widget per key (time, bytes, memory)."""
        shown = self._keys_shown(screen)
        if shown == self._shown and self.children:
            return
        self._shown = shown
        super().bindings_changed(screen)

    def _keys_shown(self, screen: Screen[Any]) -> tuple[Any, ...]:
        keys = [
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        ]
        return (*keys, self.app.app_focus)

    def compose(self) -> ComposeResult:
        """The keys of the active bindings (Footer's own), after pruning stale watchers."""
        watchers: dict[str, list[tuple[object, object]]] = getattr(self, "__watchers", {})
        for watched in watchers.values():
            watched[:] = [
                (node, callback) for node, callback in watched if getattr(node, "is_attached", True)
            ]
        yield from super().compose()

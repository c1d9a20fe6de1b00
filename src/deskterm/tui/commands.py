"""The ctrl+p command palette: every action, every view, every macro, and tickets by id."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Protocol, cast

from textual import on
from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets import Button, Input
from textual.worker import Worker, WorkerState

from deskterm.tui.keys import own_bindings, shown_keys
from deskterm.tui.render import safe_line
from deskterm.tui.screens.macro_picker import MacroChoice
from deskterm.tui.screens.modal import not_closed, on_top

TICKET_ID = re.compile(r"^#?\s*(\d{1,12})$")


class PaletteHost(Protocol):
    """What the palette needs of the app; a protocol so this module never imports tui.app."""

    keymap: Mapping[str, str]
    view_names: list[str]
    macros: Sequence[MacroChoice]

    def run_action(self, action: str) -> Any: ...
    def load_view(self, name: str) -> Any: ...
    def reply_with_macro(self, name: str) -> Any: ...
    def open_ticket(self, ticket_id: int) -> Any: ...


class DesktermCommands(Provider):
    """Fuzzy-matched commands built from the app's live state (views, macros, bindings)."""

    @property
    def _app(self) -> PaletteHost:
        return cast(PaletteHost, self.app)

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(title, help, callback) for every command the palette offers."""
        app = self._app
        out: list[tuple[str, str, Callable[[], object]]] = []
        for binding in own_bindings(type(self.app)):
            assert binding.id is not None
            keys = shown_keys(app.keymap.get(binding.id, binding.key))
            out.append(
                (
                    binding.description or binding.action,
                    f"key {keys}",
                    partial(app.run_action, binding.action),
                )
            )
        for name in app.view_names:
            out.append((f"View: {name}", "show this view", partial(app.load_view, name)))
        for macro in app.macros:
            shortcut = f" ;{macro.shortcut}" if macro.shortcut else ""
            out.append(
                (
                    f"Macro: {macro.name}{shortcut}",
                    "reply to this ticket with this macro",
                    partial(app.reply_with_macro, macro.name),
                )
            )
        return out

    async def discover(self) -> Hits:
        """With nothing typed: every command, actions first."""
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(safe_line(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy match; a number (``#123``) offers to open that ticket."""
        wanted = TICKET_ID.match(query.strip())
        if wanted:
            ticket_id = int(wanted.group(1))
            yield Hit(
                1.0,
                f"Open ticket #{ticket_id}",
                partial(self._app.open_ticket, ticket_id),
                help="show this ticket's conversation",
            )
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)


class Palette(CommandPalette):
    """Textual's command palette, made safe against keys that arrive together.

    Workaround for a Textual 8.2.8 bug (CommandPalette / OptionList): PageDown or PageUp
    pressed while the command list has options but no laid-out lines yet (the palette
    has just opened, ctrl+p and PageDown in one read) raises ``KeyError: 0`` in
    ``OptionList._move_page`` (``self._index_to_line[self.highlighted or 0]``: the line
    cache is only filled once the list has a size), which ended the app. Remove this
    when Textual pages an unsized list safely.
    """

    PAGING = frozenset({"page_down", "page_up"})

    def _action_command_list(self, action: str) -> None:
        if action in self.PAGING:
            commands = self.query_one(CommandList)
            if commands.option_count and not commands.scrollable_content_region:
                return  # nothing laid out to page through yet: the key does nothing
            with contextlib.suppress(KeyError):  # the same bug by another road: stay put
                super()._action_command_list(action)
            return
        super()._action_command_list(action)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Enters typed ahead of the search of what was typed (one read over a slow link:
        # ctrl+p, "help", Enter): each is replayed once that search is done, so Enter acts
        # on the matches of the text typed, as it does for a slow typist, not on whatever
        # list was shown before (the commands of an earlier letter, or every command).
        self._enters_waiting = 0

    def _searching(self) -> bool:
        """A search of the typed text is still gathering its matches."""
        return any(
            worker.node is self
            and worker.group == self._GATHER_COMMANDS_GROUP
            and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
            and not worker.is_cancelled
            for worker in self.app.workers
        )

    def _select_or_command(self, event: Input.Submitted | Button.Pressed | None = None) -> None:
        """Run the chosen command once: an Enter that arrived with the first one selects
        again after the palette closed, and must not run it a second time."""
        if on_top(self):
            super()._select_or_command(event)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A search finished: the Enters that waited for it act now, in order."""
        if event.worker.group != self._GATHER_COMMANDS_GROUP:
            return
        if event.state != WorkerState.SUCCESS or self._searching():
            return  # cancelled by a newer letter, or a newer search still runs
        waiting, self._enters_waiting = self._enters_waiting, 0
        for _ in range(waiting):
            self._select_or_command(None)

    @on(Input.Submitted)
    def _late_enter(self, event: Input.Submitted) -> None:
        """A second Enter in the same burst must not run the chosen command twice, and
        an Enter typed ahead of the search waits for its matches."""
        if not on_top(self):
            event.stop()
            event.prevent_default()  # Textual's own handler (run the command) is skipped
        elif self._enters_waiting or self._searching():
            event.stop()
            event.prevent_default()
            self._enters_waiting += 1

    def dismiss(self, result: None = None) -> AwaitComplete:
        """Close the palette, never the screen under it (see screens/modal.py)."""
        if not on_top(self):
            return not_closed()
        return super().dismiss(result)

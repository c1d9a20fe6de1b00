"""The views sidebar: system and saved views with live counts."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from deskterm.tui.render import safe_line

NAME_WIDTH = 16  # at the sidebar's full width; a narrowed sidebar cuts names shorter
COUNT_WIDTH = 5
FRAME = 4  # a border on both sides and the padding


class ViewsList(OptionList):
    """One option per view; choosing one shows its tickets."""

    DEFAULT_CSS = """
    ViewsList { width: 100%; height: 1fr; border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="views.cursor_down"),
        Binding("k", "cursor_up", "Up", show=False, id="views.cursor_up"),
    ]

    class ViewChosen(Message):
        """The user chose the view ``name``."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._names: list[str] = []
        self._views: list[tuple[str, int | None]] = []
        self._name_width = NAME_WIDTH

    def show_views(self, views: list[tuple[str, int | None]], current: str) -> None:
        """Replace the options with ``(name, count)`` pairs, keeping the highlight."""
        if list(views) == self._views and self.option_count == len(views):
            # Counts reloaded after every store write, mostly unchanged: replacing the
            # options anyway lays the sidebar out and repaints it (issue 11 item 1).
            self._follow(current)
            return
        if [name for name, _ in views] == self._names and self.option_count == len(views):
            for index, (name, count) in enumerate(views):  # the same views, new counts
                if self._views[index][1] != count:
                    label = self._label(name, count, self._name_width)
                    self.replace_option_prompt_at_index(index, label)
            self._views = list(views)
            self._follow(current)
            return
        chosen = self.highlighted
        if self.has_focus and chosen is not None and chosen < len(self._names):
            current = self._names[chosen]  # the agent is choosing: keep their highlight
        self._views = list(views)
        self._names = [name for name, _ in views]
        self.clear_options()
        # Option prompts are Text, never str: a str prompt would be parsed as markup.
        self.add_options(
            Option(self._label(name, count, self._name_width), id=f"view-{n}")
            for n, (name, count) in enumerate(views)
        )
        if current in self._names:
            self.highlighted = self._names.index(current)

    def _follow(self, current: str) -> None:
        """Highlight the view on screen, unless the agent is moving through the list: a
        count reload (after any store write) must not pull their highlight back, or enter
        would open the view they came from."""
        if self.has_focus or current not in self._names:
            return
        if self.highlighted != self._names.index(current):
            self.highlighted = self._names.index(current)

    def on_resize(self, event: events.Resize) -> None:
        """A narrowed sidebar (120-159 columns) cuts the names, never the counts."""
        # The outer width less borders and padding as they are with the focus (the widest).
        width = max(4, min(NAME_WIDTH, event.size.width - FRAME - COUNT_WIDTH))
        if width != self._name_width:
            self._name_width = width
            index = self.highlighted
            current = self._names[index] if index is not None and index < len(self._names) else ""
            views, self._views, self._names = self._views, [], []  # redrawn at the new width
            self.show_views(views, current)

    @staticmethod
    def _label(name: str, count: int | None, width: int = NAME_WIDTH) -> Text:
        label = safe_line(name, limit=width)
        label.truncate(width, pad=True)
        shown = str(count) if count is not None else "?"
        label.append(shown.rjust(COUNT_WIDTH), "dim")
        return label

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a view."""
        event.stop()
        self.post_message(self.ViewChosen(self._names[event.option_index]))

"""The views sidebar: system and saved views with live counts."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from deskterm.tui.render import safe_line

NAME_WIDTH = 16


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

    def show_views(self, views: list[tuple[str, int | None]], current: str) -> None:
        """Replace the options with ``(name, count)`` pairs, keeping the highlight."""
        self._names = [name for name, _ in views]
        self.clear_options()
        # Option prompts are Text, never str: a str prompt would be parsed as markup.
        self.add_options(
            Option(self._label(name, count), id=f"view-{n}")
            for n, (name, count) in enumerate(views)
        )
        if current in self._names:
            self.highlighted = self._names.index(current)

    @staticmethod
    def _label(name: str, count: int | None) -> Text:
        label = safe_line(name, limit=NAME_WIDTH)
        label.truncate(NAME_WIDTH, pad=True)
        label.append(f"{count:>6}" if count is not None else "     ?", "dim")
        return label

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a view."""
        event.stop()
        self.post_message(self.ViewChosen(self._names[event.option_index]))

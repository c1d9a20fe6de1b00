"""The views manager: system views (read-only) and saved views with their queries."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from deskterm.tui.render import safe_line
from deskterm.tui.screens.confirm import ConfirmScreen
from deskterm.tui.screens.modal import Modal
from deskterm.tui.screens.view_editor import ViewEditor

NAME_WIDTH = 22


class ViewsManager(Modal[None]):
    """Lists every view; n new, e/enter edit, d delete, escape close.

    No I/O here: the app fills the list (``show_views``) from a worker, the editor posts
    ``ViewEditor.Save`` and this screen posts ``Delete``; both bubble to the app.
    """

    CSS_PATH = "views_manager.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="views_manager.new"),
        Binding("e", "edit", "Edit", id="views_manager.edit"),
        Binding("d", "delete", "Delete", id="views_manager.delete"),
        Binding("escape", "close", "Close", id="views_manager.close"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]

    class Delete(Message):
        """The agent confirmed deleting the saved view ``name``."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self) -> None:
        super().__init__()
        self.views: list[tuple[str, str, bool]] = []  # (name, query, is_system)

    def compose(self) -> ComposeResult:
        """Title, list, status line."""
        with Vertical(id="views-box"):
            yield Static(Text("Views — n new · e/enter edit · d delete · escape close", "bold"))
            yield OptionList(id="views-table")
            yield Static(Text("loading…", "dim"), id="views-status")

    def on_mount(self) -> None:
        """Keys act on the list at once."""
        self.query_one(OptionList).focus()

    def show_views(self, views: list[tuple[str, str, bool]], select: str | None = None) -> None:
        """The app's answer: every view as (name, query, is_system), ``select`` highlighted."""
        options = self.query_one(OptionList)
        previous = self._current()
        self.views = views
        options.clear_options()
        options.add_options(Option(self._row(*view)) for view in views)
        names = [name.casefold() for name, _, _ in views]
        wanted = (select or (previous[0] if previous else "")).casefold()
        if views:
            options.highlighted = names.index(wanted) if wanted in names else 0
        self._say("")

    @staticmethod
    def _row(name: str, query: str, system: bool) -> Text:
        label = safe_line(name, "dim" if system else "bold", limit=NAME_WIDTH)
        label.truncate(NAME_WIDTH, pad=True)
        label.append(" ")
        label.append_text(safe_line(query, "dim" if system else ""))
        if system:
            label.append("  (system)", "dim italic")
        return label

    def _current(self) -> tuple[str, str, bool] | None:
        index = self.query_one(OptionList).highlighted
        return self.views[index] if index is not None and index < len(self.views) else None

    def _say(self, line: str) -> None:
        self.query_one("#views-status", Static).update(safe_line(line))

    def _others(self, name: str | None) -> list[str]:
        return [view for view, _, _ in self.views if view != name]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a view: edit it."""
        self.action_edit()

    def action_move(self, delta: int) -> None:
        """j/k in the list."""
        options = self.query_one(OptionList)
        if self.views:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.views) - 1, current + delta))

    def action_new(self) -> None:
        """A new view, starting from the highlighted view's query (often a small change)."""
        current = self._current()
        self.app.push_screen(ViewEditor(None, current[1] if current else "", self._others(None)))

    def action_edit(self) -> None:
        """Edit the highlighted saved view's name and query."""
        current = self._current()
        if current is None:
            return
        name, query, system = current
        if system:
            self._say(f"{name} is a system view and cannot be changed; n makes a new one")
            return
        self.app.push_screen(ViewEditor(name, query, self._others(name)))

    def action_delete(self) -> None:
        """Delete the highlighted saved view, once the agent confirms."""
        current = self._current()
        if current is None:
            return
        name, _query, system = current
        if system:
            self._say(f"{name} is a system view and cannot be deleted")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(self.Delete(name))

        question = Text("Delete the view ")
        question.append_text(safe_line(name, "bold"))
        question.append("? Its tickets stay as they are.")
        self.app.push_screen(ConfirmScreen(question), answered)

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)

"""The view editor: a saved view's name and query, the query checked as it is typed."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from deskterm.domain.errors import DesktermError, QueryError, UsageError
from deskterm.domain.query import parse_query
from deskterm.tui.render import safe_line, safe_text
from deskterm.tui.screens.modal import Modal

QUERY_HINT = 'words, "phrases", from: subject: tag: status: assignee:me date:2d.. AND OR NOT -x'


def query_problem(query: str) -> Text | None:
    """None for a good query; else the error and the query with a caret under the fault."""
    try:
        parse_query(query)
    except QueryError as exc:
        return Text.assemble(safe_line(str(exc), "bold red"), "\n", safe_text(exc.pointer(), "red"))
    return None


class ViewEditor(Modal[None]):
    """Edits one saved view (or a new one). Enter in the query or ctrl+s checks it here and
    posts ``Save``; the app writes it in a worker and calls ``saved`` or ``show_error``.
    """

    CSS_PATH = "view_editor.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="view_editor.save"),
        Binding("escape", "cancel", "Cancel", id="view_editor.cancel"),
    ]

    class Save(Message):
        """Save the view once called ``original`` (None: a new one) as ``name`` with ``query``."""

        def __init__(self, editor: ViewEditor, original: str | None, name: str, query: str) -> None:
            super().__init__()
            self.editor = editor
            self.original = original
            self.name = name
            self.query = query

    def __init__(self, original: str | None, query: str, taken: list[str]) -> None:
        """``taken``: the names of every other view, so a clash is caught at once."""
        super().__init__()
        self.original = original
        self.query_text = query
        self.taken = taken
        self.saving = False

    def compose(self) -> ComposeResult:
        """Name, query, what is wrong with it, the keys."""
        title = Text("New view", "bold") if self.original is None else Text("Edit view ", "bold")
        if self.original is not None:
            title.append_text(safe_line(self.original, "bold"))
        with Vertical(id="view-editor-box"):
            yield Static(title)
            yield Input(self.original or "", placeholder="name", id="view-name")
            yield Input(self.query_text, placeholder="query", id="view-query")
            yield Static(Text(QUERY_HINT), id="view-query-hint")
            yield Static(id="view-error")
            yield Static(
                Text("enter / ctrl+s save · tab next field · escape cancel"), id="view-keys"
            )

    def on_mount(self) -> None:
        """Name first for a new view, else the query (what is usually changed)."""
        self.query_one("#view-name" if self.original is None else "#view-query").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """The query is checked as it is typed; a fix clears the error."""
        if event.input.id == "view-query":
            problem = query_problem(event.value) if event.value.strip() else None
            self.query_one("#view-error", Static).update(problem or "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the name moves on; enter in the query saves."""
        if event.input.id == "view-name":
            self.query_one("#view-query").focus()
        else:
            self.action_save()

    def show_error(self, error: DesktermError | str) -> None:
        """Why the view was not saved: one line, plus a caret under a query fault."""
        self.saving = False
        if not self.is_attached:  # the answer may come after the agent left
            return
        shown: Text | str
        if isinstance(error, QueryError):
            shown = query_problem(error.query) or safe_line(str(error), "bold red")
        else:
            shown = safe_line(str(error), "bold red") if str(error) else ""
        self.query_one("#view-error", Static).update(shown)

    def saved(self) -> None:
        """The app wrote the view: close."""
        if self.is_attached:
            self.dismiss(None)

    def action_save(self) -> None:
        """Check name and query; when they are fine, ask the app to save them."""
        if self.saving:
            return
        query = self.query_one("#view-query", Input).value.strip()
        try:
            if not query:
                raise UsageError("a view needs a query (* shows everything)")
            from deskterm.services.views import check_view  # SQLAlchemy on first use

            name = check_view(self.query_one("#view-name", Input).value, query)
            clash = next((t for t in self.taken if t.casefold() == name.casefold()), None)
            if clash is not None:
                raise UsageError(f"a view named {clash!r} already exists; choose another name")
        except DesktermError as exc:
            self.show_error(exc)
            return
        self.show_error("")
        self.saving = True
        self.post_message(self.Save(self, self.original, name, query))

    def action_cancel(self) -> None:
        """Leave without saving."""
        self.dismiss(None)

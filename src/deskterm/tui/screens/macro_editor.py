"""The macro editor: name, shortcut, body, intents, actions; a live preview for THIS ticket.

The preview renders in a thread worker, one render at a time (the newest text wins), so
typing a macro that hits the render limit never stalls the editor.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Select, Static, TextArea
from textual.worker import Worker

from deskterm.automation.macros import Rendered, render_macro
from deskterm.domain.errors import DesktermError
from deskterm.tui.render import safe_line, safe_text
from deskterm.tui.screens.macro_picker import MacroChoice, finished_worker
from deskterm.tui.screens.modal import Modal

_VARIABLE = re.compile(r"{{\s*(.*?)\s*}}")
# Private-use code points bracket an empty variable through rendering (see preview_text).
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKED = re.compile(f"({_OPEN}[^{_CLOSE}]*{_CLOSE})")
_PREVIEW_GROUP = "macro-editor-preview"


def _render(body: str, variables: dict[str, Any]) -> Rendered:
    try:
        return render_macro(body, variables)
    except Exception as exc:  # half-typed text like {{ 1/0 }} must not end the app
        return Rendered(body, [], error=f"template error: {exc}")


def preview_text(body: str, variables: dict[str, Any]) -> Text:
    """``body`` rendered with ``variables``; every variable that came out empty is shown
    in place, highlighted, so the seller sees WHERE the blank would be, not only which.
    """
    rendered = _render(body, variables)
    if rendered.error:
        return Text.assemble(safe_line(rendered.error, "bold red"), "\n\n", safe_text(body))
    if not rendered.empty:
        return safe_text(rendered.text)
    empty = set(rendered.empty)
    # An empty {{ x }} becomes a marker that renders as itself; jinja passes it through.
    marked = _VARIABLE.sub(
        lambda m: f"{_OPEN}{m.group(1)}{_CLOSE}" if m.group(1) in empty else m.group(0), body
    )
    again = _render(marked, variables)
    names = ", ".join("{{" + name + "}}" for name in rendered.empty)
    out = Text.assemble(("empty for this ticket: ", "bold red"), safe_line(names, "red"), "\n\n")
    if again.error:  # a marker landed somewhere jinja reads as code: show the plain render
        out.append_text(safe_text(rendered.text))
        return out
    for piece in _MARKED.split(again.text):
        if piece.startswith(_OPEN) and piece.endswith(_CLOSE):
            out.append_text(safe_line("{{" + piece[1:-1] + "}}", "bold white on red"))
        else:
            out.append_text(safe_text(piece))
    return out


_TITLES = {
    "#macro-name": "name",
    "#macro-shortcut": "shortcut",
    "#macro-body": "text ({{ticket.customer.firstname}} …)",
    "#macro-add-tags": "add tags",
    "#macro-remove-tags": "remove tags",
    "#macro-snooze": "snooze",
    "#macro-assign": "assign",
    "#macro-intents": "suggested first for intents",
}


def _words(text: str) -> list[str]:
    return text.replace(",", " ").split()


class MacroEditor(Modal[None]):
    """Edits one macro (or a new one). ctrl+s checks it here, without I/O, and posts ``Save``;
    the app writes it in a worker and calls ``saved`` or ``show_error``. Until then nothing
    typed is lost: a refused save only shows one line of why.
    """

    CSS_PATH = "macro_editor.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="macro_editor.save"),
        Binding("escape", "cancel", "Cancel", id="macro_editor.cancel"),
    ]

    class Save(Message):
        """Save ``entry`` (already checked) as the macro once called ``original`` (None: new)."""

        def __init__(
            self, editor: MacroEditor, entry: dict[str, Any], original: str | None
        ) -> None:
            super().__init__()
            self.editor = editor
            self.entry = entry
            self.original = original

    def __init__(
        self,
        macro: MacroChoice | None,
        variables: dict[str, Any],
        others: list[MacroChoice],
        about: Text | None = None,
    ) -> None:
        """``others``: every other macro, so a taken name or shortcut is caught at once."""
        super().__init__()
        self.macro = macro
        self.original = macro.name if macro else None
        self.variables = variables
        self.others = others
        self.about = about
        self.saving = False
        self._discard_armed = False
        self._initial: dict[str, Any] | None = None
        self._previewing: str | None = None  # the text being rendered in the worker

    def compose(self) -> ComposeResult:
        """The form on the left, the preview on the right, one error line, the keys."""
        macro = self.macro
        actions = macro.actions if macro else {}
        title = Text("New macro", "bold") if macro is None else Text("Edit macro ", "bold")
        if macro is not None:
            title.append_text(safe_line(macro.name, "bold"))
        status = actions.get("status")
        with Vertical(id="editor-box"):
            yield Static(title, id="editor-title")
            with Horizontal(id="editor-main"):
                with Vertical(id="editor-form"):
                    with Horizontal(classes="editor-row"):
                        yield Input(
                            macro.name if macro else "",
                            placeholder="Refund approved",
                            id="macro-name",
                        )
                        yield Input(
                            f";{macro.shortcut}" if macro and macro.shortcut else "",
                            placeholder=";refund",
                            id="macro-shortcut",
                        )
                    yield TextArea(macro.body if macro else "", id="macro-body", soft_wrap=True)
                    yield Static(Text("when the macro is sent:", "dim"), classes="editor-label")
                    with Horizontal(classes="editor-row"):
                        yield Input(
                            " ".join(actions.get("add_tags", [])),
                            placeholder="refund vip",
                            id="macro-add-tags",
                        )
                        yield Input(
                            " ".join(actions.get("remove_tags", [])),
                            placeholder="new",
                            id="macro-remove-tags",
                        )
                    with Horizontal(classes="editor-row"):
                        yield Select(
                            [("status: open", "open"), ("status: closed", "closed")],
                            prompt="status: keep",
                            value=status if status in ("open", "closed") else Select.NULL,
                            id="macro-status",
                        )
                        yield Input(
                            str(actions.get("snooze") or ""),
                            placeholder="2d, mon 9:00",
                            id="macro-snooze",
                        )
                        yield Input(
                            str(actions.get("assign") or ""),
                            placeholder="email, me, none",
                            id="macro-assign",
                        )
                    # Last, so the fields above keep their tab order.
                    yield Input(
                        " ".join(macro.intents) if macro else "",
                        placeholder="shipping/status shipping/delivery-issue",
                        id="macro-intents",
                    )
                with Vertical(id="editor-preview-box"):
                    heading = Text("Preview", "bold")
                    if self.about is not None:
                        heading.append(" for ", "bold")
                        heading.append_text(self.about)
                    yield Static(heading, id="editor-preview-title")
                    with VerticalScroll(id="editor-preview-scroll"):
                        yield Static(id="editor-preview")
            yield Static(id="editor-error")
            yield Static(Text("ctrl+s save · tab next field · escape cancel"), id="editor-hint")

    def on_mount(self) -> None:
        """Preview at once; type the name first (a new macro) or the text (an edit)."""
        # Titles in the borders keep saying what a field is once it is filled in.
        for field, title in _TITLES.items():
            self.query_one(field).border_title = title
        self._initial = self.entry()
        self._preview()
        self.query_one("#macro-name" if self.macro is None else "#macro-body").focus()

    def entry(self) -> dict[str, Any]:
        """What is typed, as the table ``services.macros`` saves."""
        actions: dict[str, Any] = {}
        for key, field in (("add_tags", "#macro-add-tags"), ("remove_tags", "#macro-remove-tags")):
            tags = _words(self.query_one(field, Input).value)
            if tags:
                actions[key] = tags
        status = self.query_one("#macro-status", Select).value
        if isinstance(status, str):
            actions["status"] = status
        for key in ("snooze", "assign"):
            value = self.query_one(f"#macro-{key}", Input).value.strip()
            if value:
                actions[key] = value
        entry: dict[str, Any] = {
            "name": self.query_one("#macro-name", Input).value.strip(),
            "body": self.query_one("#macro-body", TextArea).text,
            "shortcut": self.query_one("#macro-shortcut", Input).value.strip(),
        }
        if actions:
            entry["actions"] = actions
        intents = _words(self.query_one("#macro-intents", Input).value)
        if intents:
            entry["intents"] = intents
        return entry

    def _preview(self) -> None:
        """Render the text in a worker; while one runs, the next starts when it is done."""
        if self._previewing is not None:
            return
        body = self.query_one("#macro-body", TextArea).text
        self._previewing = body
        self.run_worker(
            partial(preview_text, body, self.variables),
            group=_PREVIEW_GROUP,
            thread=True,
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Show the rendered preview; render again if the text changed meanwhile."""
        worker = finished_worker(event, _PREVIEW_GROUP)
        if worker is None:
            return
        rendered = self._previewing
        self._previewing = None
        shown = worker.result
        if not isinstance(shown, Text):  # a bug in rendering: one line, not a crash
            shown = safe_line(f"{worker.error.__class__.__name__}: {worker.error}", "bold red")
        self.query_one("#editor-preview", Static).update(shown)
        if self.query_one("#macro-body", TextArea).text != rendered:
            self._preview()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """The preview follows the text."""
        self._discard_armed = False
        self._preview()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Typing again disarms "escape again to discard"."""
        self._discard_armed = False

    def show_error(self, message: str) -> None:
        """One plain line saying why the macro was not saved ("" clears it)."""
        self.saving = False
        if self.is_attached:  # the answer may come after the agent left
            self.query_one("#editor-error", Static).update(safe_line(message, "bold red"))

    def saved(self) -> None:
        """The app wrote the macro: close."""
        if self.is_attached:
            self.dismiss(None)

    def action_save(self) -> None:
        """Check what is typed; when it is fine, ask the app to save it."""
        if self.saving:
            return  # one save at a time: a second ctrl+s would race the first
        entry = self.entry()
        try:
            from deskterm.services.macros import (  # SQLAlchemy on first use
                check_macro,
                check_unique,
            )

            check_macro(entry)
            check_unique(entry, [(m.name, m.shortcut or None) for m in self.others])
        except DesktermError as exc:
            self.show_error(str(exc))
            return
        self.show_error("")
        self.saving = True
        self.post_message(self.Save(self, entry, self.original))

    def action_cancel(self) -> None:
        """Leave; with unsaved changes, only on a second escape."""
        if self.entry() != self._initial and not self._discard_armed:
            self._discard_armed = True
            self.show_error("Unsaved changes: escape again to discard them, ctrl+s to save")
            return
        self.dismiss(None)

"""A one-line prompt (tag, assign, snooze, search): Enter answers, Escape cancels.

With a ``validate`` callback, Enter first checks the text: a mistake shows as one line
under the field, and the text, the cursor and the focus stay as they were — only a valid
answer closes the dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from deskterm.domain.errors import DesktermError
from deskterm.tui.render import safe_line
from deskterm.tui.screens.modal import Modal

Validator = Callable[[str], str | None]
"""Checks an answer: an error in one line, or None when it is fine. It may instead raise
a DesktermError, whose message is shown."""


class PromptScreen(Modal[str | None]):
    """Asks one question; dismisses with the text typed, or None when cancelled."""

    CSS_PATH = "prompt.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        question: str,
        hint: str = "",
        value: str = "",
        validate: Validator | None = None,
    ) -> None:
        super().__init__()
        self.question = question
        self.hint = hint
        self.value = value
        self.validate = validate
        self.error = ""  # the error under the field, "" when there is none

    def compose(self) -> ComposeResult:
        """Question, input, the error (when there is one), hint."""
        with Vertical(id="prompt-box"):
            yield Static(Text(self.question, "bold"), id="prompt-question")
            yield Input(value=self.value, id="prompt-input")
            yield Label(id="prompt-error")
            if self.hint:
                yield Static(Text(self.hint), id="prompt-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: answer, unless the answer is refused (then say why and keep it)."""
        event.stop()
        text = event.value.strip()
        if not text:
            self.dismiss(None)
            return
        problem = self._problem(text)
        if problem:
            self.show_error(problem)
            return
        self.dismiss(text)

    def _problem(self, text: str) -> str | None:
        if self.validate is None:
            return None
        try:
            return self.validate(text)
        except DesktermError as exc:
            return str(exc)

    def show_error(self, problem: str) -> None:
        """Show ``problem`` under the field; the text and the focus stay where they are."""
        self.error = problem
        self.query_one("#prompt-error", Label).update(safe_line(problem))
        self.query_one("#prompt-input", Input).add_class("-invalid")
        self.set_class(True, "-error")

    def on_input_changed(self, event: Input.Changed) -> None:
        """Editing the text clears the error it earned."""
        if self.error:
            self.error = ""
            self.query_one("#prompt-error", Label).update("")
            event.input.remove_class("-invalid")
            self.set_class(False, "-error")

    def action_cancel(self) -> None:
        """Escape: no answer."""
        self.dismiss(None)

"""A one-line prompt (tag, assign, snooze, search): Enter answers, Escape cancels."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class PromptScreen(ModalScreen[str | None]):
    """Asks one question; dismisses with the text typed, or None when cancelled."""

    CSS_PATH = "prompt.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, hint: str = "", value: str = "") -> None:
        super().__init__()
        self.question = question
        self.hint = hint
        self.value = value

    def compose(self) -> ComposeResult:
        """Question, input, hint."""
        with Vertical(id="prompt-box"):
            yield Static(Text(self.question, "bold"))
            yield Input(value=self.value, id="prompt-input")
            if self.hint:
                yield Static(Text(self.hint), id="prompt-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: answer."""
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        """Escape: no answer."""
        self.dismiss(None)

"""A yes/no question (deleting a macro or a view): y confirms, n or escape cancels."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from deskterm.tui.screens.modal import Modal


class ConfirmScreen(Modal[bool]):
    """Dismisses with True only when the agent presses y: a stray key never deletes."""

    CSS_PATH = "confirm.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: Text) -> None:
        """``question`` is already inert Text (it may quote a seller-written name)."""
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        """The question and the keys."""
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question")
            yield Static(Text("y yes · n / escape no"), id="confirm-hint")

    def action_answer(self, yes: bool) -> None:
        """Answer and close."""
        self.dismiss(yes)

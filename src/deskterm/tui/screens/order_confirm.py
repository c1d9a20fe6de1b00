"""The confirmation of an order action: exactly what will be sent, then y or n."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from deskterm.tui.render import safe_line
from deskterm.tui.screens.modal import Modal


class OrderConfirmScreen(Modal[bool]):
    """Dismisses with True only on y: the amount, the items, restock and notification are
    on screen before anything is sent, and a stray key never acts."""

    CSS_PATH = "order_confirm.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Go ahead", id="order_confirm.yes"),
        Binding("n,escape", "answer(False)", "Back", id="order_confirm.no"),
    ]

    def __init__(self, title: str, steps: tuple[str, ...], heading: str = "This will:") -> None:
        super().__init__()
        self.title_text = title
        self.steps = steps
        self.heading = heading

    def compose(self) -> ComposeResult:
        """Title, what will happen, the keys."""
        text = Text()
        text.append_text(safe_line(self.heading, "bold"))
        for step in self.steps:
            text.append("\n • ")
            text.append_text(safe_line(step))
        with Vertical(id="order-confirm-box"):
            yield Static(safe_line(self.title_text, "bold"), id="order-confirm-title")
            yield Static(text, id="order-confirm-steps")
            yield Static(Text("y go ahead · n / escape back"), id="order-confirm-hint")

    def action_answer(self, yes: bool) -> None:
        """Answer and close."""
        self.dismiss(yes)

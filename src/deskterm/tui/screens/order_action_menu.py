"""The action menu of one order: what its platform allows now (cancel, refund, ...)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from deskterm.domain.order_text import ACTION_WORDS
from deskterm.tui.render import safe_line
from deskterm.tui.screens.modal import Modal


class OrderActionMenu(Modal[str | None]):
    """Up/down and enter pick an action; escape goes back. Dismisses with its kind."""

    CSS_PATH = "order_action_menu.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Back")]

    def __init__(self, title: str, kinds: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.kinds = kinds

    def compose(self) -> ComposeResult:
        """Title, the actions."""
        with Vertical(id="order-menu-box"):
            yield Static(safe_line(self.title_text, "bold"), id="order-menu-title")
            yield OptionList(
                *(Option(Text(ACTION_WORDS.get(kind, kind))) for kind in self.kinds),
                id="order-menu-list",
            )

    def on_mount(self) -> None:
        """The first action is highlighted."""
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter: this action."""
        event.stop()
        self.dismiss(self.kinds[event.option_index])

    def action_cancel(self) -> None:
        """Back to the orders."""
        self.dismiss(None)

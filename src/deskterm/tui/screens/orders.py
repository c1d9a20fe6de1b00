"""The customer's orders (`O`): every platform's orders, one in full, its actions."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from deskterm.domain.order_text import order_line, order_lines
from deskterm.tui.render import safe_line
from deskterm.tui.screens.modal import Modal

HINT = "enter / a act on the order · r fetch again · escape close"


def order_key(order: dict[str, Any]) -> tuple[str, str]:
    """What names an order across reloads: its store and its platform id."""
    return str(order["store"]), str(order["id"])


class OrdersScreen(Modal[None]):
    """The orders of one ticket's customer, newest first; the app loads them and acts."""

    CSS_PATH = "orders.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="orders.close"),
        Binding("a", "act", "Act on the order", id="orders.act"),
        Binding("r", "refresh", "Fetch again", id="orders.refresh"),
    ]

    class ActionWanted(Message):
        """The agent wants to act on ``order`` (enter or `a`)."""

        def __init__(self, ticket_id: int, order: dict[str, Any]) -> None:
            super().__init__()
            self.ticket_id = ticket_id
            self.order = order

    class RefreshWanted(Message):
        """The agent asked for the orders to be fetched from the platforms again."""

        def __init__(self, ticket_id: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    def __init__(self, ticket_id: int, title: str, orders: list[dict[str, Any]]) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.title_text = title
        self.orders = orders

    def compose(self) -> ComposeResult:
        """Title, the list beside the highlighted order, the keys."""
        with Vertical(id="orders-box"):
            yield Static(safe_line(self.title_text, "bold"), id="orders-title")
            with Horizontal(id="orders-panes"):
                yield OptionList(id="orders-list")
                with VerticalScroll(id="order-detail-scroll"):
                    yield Static(id="order-detail")
            yield Static(Text(HINT), id="orders-hint")

    def on_mount(self) -> None:
        """Fill the list; the first order is shown in full."""
        self.show_orders(self.orders)
        self.query_one(OptionList).focus()

    def show_orders(self, orders: list[dict[str, Any]]) -> None:
        """Show ``orders`` (a reload keeps the highlighted order highlighted)."""
        options = self.query_one(OptionList)
        current = self.current()
        self.orders = orders
        options.clear_options()
        options.add_options(Option(safe_line(order_line(order))) for order in orders)
        keys = [order_key(order) for order in orders]
        if orders:
            wanted = order_key(current) if current is not None else None
            options.highlighted = keys.index(wanted) if wanted in keys else 0
        self._show_detail()

    def current(self) -> dict[str, Any] | None:
        """The highlighted order."""
        try:
            index = self.query_one(OptionList).highlighted
        except Exception:  # not composed yet
            return None
        if index is None or not 0 <= index < len(self.orders):
            return None
        return self.orders[index]

    def _show_detail(self) -> None:
        order = self.current()
        detail = self.query_one("#order-detail", Static)
        if order is None:
            detail.update(Text("No orders known for this customer.", "dim"))
            return
        # order_lines made every value terminal-safe and one line already; Text is inert,
        # and keeping the text as it is keeps the labels' column.
        text = Text()
        for number, line in enumerate(order_lines(order)):
            text.append("\n" if number else "")
            text.append(line, "bold" if number == 0 else "")
        detail.update(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Moving in the list shows that order in full."""
        self._show_detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter: act on the order."""
        event.stop()
        self.action_act()

    def action_act(self) -> None:
        """Ask the app for the order's action menu."""
        order = self.current()
        if order is not None:
            self.post_message(self.ActionWanted(self.ticket_id, order))

    def action_refresh(self) -> None:
        """Ask the app to fetch the orders again."""
        self.post_message(self.RefreshWanted(self.ticket_id))

    def action_close(self) -> None:
        """Back to the inbox."""
        self.dismiss(None)

"""Linking customers from the keyboard: ``L`` joins the shown ticket's customer with a handle."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

from deskterm.tui.base import DesktermBase
from deskterm.tui.lazy import lazy_module

if TYPE_CHECKING:
    from deskterm.services import customers as customers_svc
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store
else:
    customers_svc = lazy_module("deskterm.services.customers")


class CustomerActions(DesktermBase):
    """Customer actions on the ticket in view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("L", "link_customer", "Link customer", id="link_customer"),
    ]

    def action_link_customer(self) -> None:
        """Link this ticket's customer with the one a handle names (merging the two)."""
        ticket = self._with_ticket()
        if ticket is None:
            return
        tid = int(ticket["id"])

        def problem(text: str) -> str | None:
            customers_svc.parse_handle(text)  # a typo is told at once, under the field
            return None

        def apply(text: str) -> None:
            def change(store: Store, actor: Actor) -> None:
                result = customers_svc.link_ticket_customer(store, tid, text, actor)
                # The panel refreshes when the store watcher sees the write.
                self.post_to_ui(self.notify, result.describe(), markup=False)

            self.run_change("", change)

        self._ask(
            "Link customer with",
            "email:…, phone:+…, shopee:…, tiktokshop:…, lazada:… or #customer-id",
            apply,
            validate=problem,
        )

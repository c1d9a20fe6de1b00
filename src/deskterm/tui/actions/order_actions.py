"""The customer's orders from the keyboard (`O`): the list, an order's actions, a
confirmation of exactly what will be sent, then the action done once (services)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType

from deskterm.domain import orders as o
from deskterm.domain.errors import DesktermError
from deskterm.domain.order_text import ACTION_TITLES
from deskterm.domain.timefmt import compact_age
from deskterm.tui.base import DesktermBase
from deskterm.tui.screens.order_action_menu import OrderActionMenu
from deskterm.tui.screens.order_confirm import OrderConfirmScreen
from deskterm.tui.screens.order_form import OrderForm
from deskterm.tui.screens.orders import OrdersScreen

if TYPE_CHECKING:
    from deskterm.config import ShopifyStore
    from deskterm.sync.orders.open_actor import PlatformActor

FORM_KINDS = (o.CANCEL, o.REFUND, o.ADDRESS)  # the ones that ask for something first


class OrderActions(DesktermBase):
    """`O` opens the orders of the ticket's customer; enter on one offers its actions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("O", "orders", "Orders", id="orders"),
    ]

    def action_orders(self) -> None:
        """Open the orders of the customer of the ticket in view."""
        ticket = self._with_ticket()
        if ticket is not None:
            self.load_orders(int(ticket["id"]), push=True)

    @work(thread=True, exclusive=True, group="orders-screen", exit_on_error=False)
    def load_orders(self, ticket_id: int, *, push: bool) -> None:
        """Read the cached orders (the panel's freshness rules keep them current)."""
        from deskterm.store.order_lookup import ticket_orders

        orders = ticket_orders(self._db(), ticket_id)
        self.call_from_thread(self._orders_loaded, ticket_id, orders, push)

    def _orders_loaded(self, ticket_id: int, orders: list[dict[str, Any]], push: bool) -> None:
        screen = self._orders_screen()
        if screen is not None and screen.ticket_id == ticket_id:
            screen.show_orders(orders)
        elif push:
            count = f"{len(orders)} order{'s' if len(orders) != 1 else ''}"
            title = f"Orders of ticket #{ticket_id}'s customer — {count}, newest first"
            fetched = [str(order["fetched_at"]) for order in orders if order.get("fetched_at")]
            if fetched:  # offline, the cache is what shows: say how old it is
                age = compact_age(min(fetched))
                title += f" · fetched {'just now' if age == 'now' else age + ' ago'}"
            self.push_screen(OrdersScreen(ticket_id, title, orders))

    def _orders_screen(self) -> OrdersScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, OrdersScreen)), None)

    def on_orders_screen_refresh_wanted(self, message: OrdersScreen.RefreshWanted) -> None:
        """`r`: fetch the customer's orders from their platforms now, then reload."""
        ticket = self._ticket()
        if ticket is None or int(ticket["id"]) != message.ticket_id:
            self.load_orders(message.ticket_id, push=False)
            return
        shop = self._shop_for(str(ticket["channel"]))
        customer = ticket.get("customer", {}).get("id")
        self.notify("Fetching the orders again…", timeout=2)
        self.fetch_orders_again(
            message.ticket_id,
            shop if customer else None,
            int(customer) if customer else None,
            self._buyer_for(ticket),
        )

    @work(thread=True, exclusive=True, group="orders-fetch", exit_on_error=False)
    def fetch_orders_again(
        self,
        ticket_id: int,
        shop: ShopifyStore | None,
        customer_id: int | None,
        buyer: tuple[Any, str] | None,
    ) -> None:
        """What opening the ticket refreshes, now whatever the cache's age."""
        from deskterm.sync.orders.marketplace import refresh_buyer_if_stale
        from deskterm.sync.orders.shopify import refresh_if_stale
        from deskterm.sync.runner import channel_id_for

        store, _actor = self._write_store()
        try:
            if shop is not None and customer_id is not None:
                refresh_if_stale(store, shop, customer_id, force=True)
            if buyer is not None:
                channel, buyer_id = buyer
                channel_id = channel_id_for(store, channel)
                refresh_buyer_if_stale(store, channel, channel_id, buyer_id, force=True)
        except DesktermError as exc:  # offline: the cached orders stay, with their age
            self.call_from_thread(
                self.notify, f"orders not fetched: {exc}", severity="warning", markup=False
            )
        self.call_from_thread(self.load_orders, ticket_id, push=False)

    def on_orders_screen_action_wanted(self, message: OrdersScreen.ActionWanted) -> None:
        """Enter on an order: the actions its platform allows now."""
        from deskterm.sync.orders.actors import PLATFORM_NAMES, SUPPORTED

        order = message.order
        platform = str(order.get("platform") or "")
        offered = SUPPORTED.get(platform, ())
        kinds = [kind for kind in order.get("actions", []) if kind in offered]
        name = order.get("name") or order.get("id")
        if not kinds:
            where = PLATFORM_NAMES.get(platform, platform)
            self.notify(
                f"Order {name} ({order.get('status')}): {where} allows no action on it now",
                severity="warning",
                markup=False,
            )
            return
        picked = partial(self._action_picked, message.ticket_id, order)
        self.push_screen(OrderActionMenu(f"Order {name} — what to do?", kinds), picked)

    def _action_picked(self, ticket_id: int, order: dict[str, Any], kind: str | None) -> None:
        if kind is None:
            return
        if kind in FORM_KINDS:

            def filled(request: o.ActionRequest | None) -> None:
                if request is not None:
                    self.plan_order_action(ticket_id, order, request)

            self.push_screen(OrderForm(kind, order), filled)
            return
        self.plan_order_action(ticket_id, order, o.ActionRequest(kind))

    @work(thread=True, exclusive=True, group="order-action", exit_on_error=False)
    def plan_order_action(
        self, ticket_id: int, order: dict[str, Any], request: o.ActionRequest
    ) -> None:
        """Read the order from its platform and plan the action; then ask."""
        from deskterm.services.order_actions import prepare
        from deskterm.sync.orders.open_actor import open_actor

        if self.config is None:
            self.call_from_thread(self.notify, "Order actions need a config", severity="error")
            return
        store, _actor = self._write_store()
        try:
            actor_for = open_actor(store, self.config, str(order["store"]))
        except DesktermError as exc:
            self.call_from_thread(self.show_error, exc)
            return
        try:
            prepared = prepare(store, actor_for, str(order["store"]), str(order["id"]), request)
        except DesktermError as exc:
            actor_for.close()
            self.call_from_thread(self.show_error, exc)
            return
        head, *steps = prepared.lines()
        self.call_from_thread(
            self._confirm_plan,
            ticket_id,
            actor_for,
            prepared.plan,
            head[:1].upper() + head[1:],
            tuple(steps),
        )

    def _confirm_plan(
        self,
        ticket_id: int,
        actor_for: PlatformActor,
        plan: o.ActionPlan,
        heading: str,
        steps: tuple[str, ...],
    ) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.carry_out_order_action(ticket_id, actor_for, plan)
            else:
                actor_for.close()
                self.notify("Nothing was sent", timeout=3)

        title = f"{ACTION_TITLES.get(plan.kind, plan.kind)} — order {plan.order_name}"
        self.push_screen(OrderConfirmScreen(title, steps, heading), answered)

    @work(thread=True, group="order-action-send", exit_on_error=False)
    def carry_out_order_action(
        self, ticket_id: int, actor_for: PlatformActor, plan: o.ActionPlan
    ) -> None:
        """Record the action, send it once, and say how it ended."""
        from deskterm.services.order_actions import DONE, REFUSED, carry_out

        store, actor = self._write_store()
        try:
            outcome = carry_out(store, actor_for, plan, ticket_id=ticket_id, actor=actor)
        except DesktermError as exc:
            self.call_from_thread(self.show_error, exc)
            return
        finally:
            actor_for.close()
        severity = {DONE: "information", REFUSED: "error"}.get(outcome.state, "warning")
        self.call_from_thread(
            self.notify, outcome.message, severity=severity, markup=False, timeout=10
        )
        self.call_from_thread(self.load_orders, ticket_id, push=False)

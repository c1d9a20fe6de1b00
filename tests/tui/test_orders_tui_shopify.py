"""`O` on a Shopify customer's ticket against the Shopify fake over loopback: a partial
refund and an address edit from the keyboard, each confirmed with what will be sent, then
done once and noted on the ticket."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from deskterm.demo.fakes.shopify import FakeOrder
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.order_action_menu import OrderActionMenu
from deskterm.tui.screens.order_confirm import OrderConfirmScreen
from deskterm.tui.screens.order_form import OrderForm
from deskterm.tui.screens.orders import OrdersScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app

EMAIL = "siti.rahma@mail.test"  # ticket 1's customer in the sample store


@pytest.fixture
def shop(
    sample_config: Path, tmp_path: Path
) -> Iterator[tuple[Marketplaces, Path, dict[str, FakeOrder]]]:
    with serve_marketplaces(tmp_path / "secrets", conversations=0) as fakes:
        text = sample_config.read_text(encoding="utf-8")
        sample_config.write_text(text + fakes.config, encoding="utf-8")
        orders = fakes.shopify.seed_every_status(EMAIL, customer_name="Siti Rahma")
        yield fakes, sample_config, orders


async def act_on(app: DesktermApp, pilot: object, order: FakeOrder, kind: str) -> None:
    """Open ticket 1's orders, highlight ``order``, pick ``kind`` in its menu."""
    conversation = app.inbox.query_one(ConversationView)
    await until(lambda: conversation.ticket is not None, pilot)
    app.open_ticket(1)
    await until(lambda: conversation.ticket["id"] == 1, pilot)  # type: ignore[index]
    await pilot.press("O")  # type: ignore[attr-defined]

    def listed() -> bool:
        screen = app.screen
        return isinstance(screen, OrdersScreen) and str(order.id) in {
            o["id"] for o in screen.orders
        }

    # The on-open refresh fetches the customer's Shopify orders; `r` asks again meanwhile.
    for _ in range(20):
        if listed():
            break
        if isinstance(app.screen, OrdersScreen):
            await pilot.press("r")  # type: ignore[attr-defined]
        await pilot.pause(0.5)  # type: ignore[attr-defined]
    assert listed()
    screen = app.screen
    assert isinstance(screen, OrdersScreen)
    index = [o["id"] for o in screen.orders].index(str(order.id))
    screen.query_one(OptionList).highlighted = index
    await pilot.press("a")  # type: ignore[attr-defined]
    await until(lambda: isinstance(app.screen, OrderActionMenu), pilot)
    menu = app.screen
    assert isinstance(menu, OrderActionMenu)
    menu.query_one(OptionList).highlighted = menu.kinds.index(kind)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await until(lambda: isinstance(app.screen, OrderForm), pilot)


def notes_of_ticket_1(app: DesktermApp) -> list[str]:
    ticket = app.inbox.query_one(ConversationView).ticket or {}
    return [m["body_text"] for m in ticket.get("messages", []) if m["direction"] == "note"]


async def test_a_partial_refund_from_the_keyboard(
    shop: tuple[Marketplaces, Path, dict[str, FakeOrder]],
) -> None:
    fakes, config, orders = shop
    order = orders["shipped"]
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await act_on(app, pilot, order, "refund")
        app.screen.query_one("#amount", Input).value = "10000"
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, OrderConfirmScreen), pilot)
        steps = app.screen.steps  # type: ignore[attr-defined]
        assert "give back Rp10.000 to the original payment" in steps
        assert "email the customer" in steps
        assert not order.refunds  # nothing sent before y
        await pilot.press("y")
        await until(lambda: len(order.refunds) == 1, pilot)
        await until(
            lambda: any("refunded Rp10.000" in note for note in notes_of_ticket_1(app)), pilot
        )
    assert [refund.amount for refund in order.refunds] == [Decimal("10000")]
    assert sum(1 for name, _gid in fakes.shopify.mutations.effects if name == "refundCreate") == 1


async def test_an_address_edit_from_the_keyboard(
    shop: tuple[Marketplaces, Path, dict[str, FakeOrder]],
) -> None:
    _fakes, config, orders = shop
    order = orders["to_ship"]
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await act_on(app, pilot, order, "address")
        app.screen.query_one("#field-city", Input).value = "Bandung"
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, OrderConfirmScreen), pilot)
        steps = app.screen.steps  # type: ignore[attr-defined]
        assert any(step.startswith("city: ") and step.endswith("-> Bandung") for step in steps)
        await pilot.press("y")
        await until(lambda: order.address.get("city") == "Bandung", pilot)
        await until(
            lambda: any(
                "shipping address changed: city Bandung" in n for n in notes_of_ticket_1(app)
            ),
            pilot,
        )

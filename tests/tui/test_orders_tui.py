"""`O` in the inbox against the Shopee fake over loopback: the buyer's orders, an order's
action menu (only what Shopee allows now), the form, the confirmation stating what will be
sent, then the action done once — or nothing sent when the agent says no."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from deskterm.cli import main
from deskterm.config import load_config
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.order_action_menu import OrderActionMenu
from deskterm.tui.screens.order_confirm import OrderConfirmScreen
from deskterm.tui.screens.order_form import OrderForm
from deskterm.tui.screens.orders import OrdersScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app
from tests.tui.test_marketplace_tui import tickets_json

BUYER_ID = 730011
READY = ("READY_TO_SHIP", "LOGISTICS_READY", "")
ASKED = ("IN_CANCEL", "LOGISTICS_READY", "")
SHIPPED = ("SHIPPED", "LOGISTICS_PICKUP_DONE", "")


@pytest.fixture
def buyer(
    sample_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Marketplaces, Path, int, dict[str, str]]]:
    """A Shopee buyer with three orders (ready to ship, asked to cancel, shipped), synced:
    (fakes, config, the buyer's ticket, order_sn by kind)."""
    monkeypatch.setenv("DESKTERM_SAMPLE_PASSWORD", "unused")
    with serve_marketplaces(tmp_path / "secrets", conversations=0) as fakes:
        text = sample_config.read_text(encoding="utf-8")
        sample_config.write_text(text + fakes.config, encoding="utf-8")
        cid = fakes.shopee.add_conversation("Dewi Anggraini", buyer_id=BUYER_ID)
        fakes.shopee.add_message(cid, "text", {"text": "Kak, pesanan saya mau dibatalkan"})
        book = fakes.shopee.order_book
        now = int(time.time())
        orders = {
            "ready": book.add_order(BUYER_ID, "Dewi Anggraini", READY, now - 7200),
            "asked": book.add_order(BUYER_ID, "Dewi Anggraini", ASKED, now - 9000),
            "shipped": book.add_order(BUYER_ID, "Dewi Anggraini", SHIPPED, now - 86400),
        }
        assert (
            main(["--config", str(sample_config), "sync", "--once", "--channel", "shopee-id"]) == 0
        )
        tid = next(t["id"] for t in tickets_json(sample_config) if t["channel"] == "shopee-id")
        yield fakes, sample_config, tid, orders


def action_rows(config: Path) -> list[tuple[str, str, str]]:
    path = load_config(config).store_path()
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT order_id, kind, state FROM orderaction ORDER BY id").fetchall()


async def open_orders(app: DesktermApp, tid: int, pilot: object) -> OrdersScreen:
    conversation = app.inbox.query_one(ConversationView)
    await until(lambda: conversation.ticket is not None, pilot)
    app.open_ticket(tid)
    await until(lambda: conversation.ticket["id"] == tid, pilot)  # type: ignore[index]
    await pilot.press("O")  # type: ignore[attr-defined]
    await until(lambda: isinstance(app.screen, OrdersScreen) and len(app.screen.orders) == 3, pilot)
    assert isinstance(app.screen, OrdersScreen)
    return app.screen


async def highlight(screen: OrdersScreen, order_sn: str, pilot: object) -> None:
    index = [order["id"] for order in screen.orders].index(order_sn)
    screen.query_one(OptionList).highlighted = index
    await pilot.pause()  # type: ignore[attr-defined]


async def test_the_buyers_orders_with_items_tracking_and_actions(
    buyer: tuple[Marketplaces, Path, int, dict[str, str]],
) -> None:
    _fakes, config, tid, orders = buyer
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_orders(app, tid, pilot)
        assert {order["id"] for order in screen.orders} == set(orders.values())
        await highlight(screen, orders["shipped"], pilot)
        detail = str(screen.query_one("#order-detail").render())
        assert "status    shipped (SHIPPED)" in detail
        assert "item      " in detail and "tracking  " in detail
        assert "actions   none" in detail
        await pilot.press("enter")  # nothing Shopee allows on a shipped order
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, OrdersScreen), pilot)


async def test_cancel_from_the_keyboard_confirmed_then_done_once_with_a_note(
    buyer: tuple[Marketplaces, Path, int, dict[str, str]],
) -> None:
    fakes, config, tid, orders = buyer
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_orders(app, tid, pilot)
        await highlight(screen, orders["ready"], pilot)
        await pilot.press("a")
        await until(lambda: isinstance(app.screen, OrderActionMenu), pilot)
        assert app.screen.kinds == ["cancel"]  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, OrderForm), pilot)
        await pilot.press("enter")  # no reason yet: refused under the fields
        assert isinstance(app.screen, OrderForm) and app.screen.has_class("-error")
        app.screen.query_one("#reason", Input).value = "out of stock"
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, OrderConfirmScreen), pilot, timeout=30)
        steps = " / ".join(app.screen.steps)  # type: ignore[attr-defined]
        assert f"cancel order {orders['ready']} of shopee-id (Shopee)" in steps
        assert "reason: out of stock" in steps and "Shopee refunds" in steps
        assert fakes.shopee.order_book.status(orders["ready"]) == "READY_TO_SHIP"  # not yet
        await pilot.press("y")
        await until(lambda: action_rows(config) == [(orders["ready"], "cancel", "done")], pilot)
        assert fakes.shopee.order_book.status(orders["ready"]) == "CANCELLED"
        conversation = app.inbox.query_one(ConversationView)
        await until(
            lambda: any(
                f"Order {orders['ready']} cancelled: out of stock" in (m.get("body_text") or "")
                for m in conversation.ticket["messages"]  # type: ignore[index]
            ),
            pilot,
        )
        # The list was reloaded from the refreshed cache.
        await until(
            lambda: any(
                o["id"] == orders["ready"] and o["status"] == "cancelled" for o in screen.orders
            ),
            pilot,
        )


async def test_no_at_the_confirmation_sends_nothing(
    buyer: tuple[Marketplaces, Path, int, dict[str, str]],
) -> None:
    fakes, config, tid, orders = buyer
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_orders(app, tid, pilot)
        await highlight(screen, orders["asked"], pilot)
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, OrderActionMenu), pilot)
        assert app.screen.kinds == ["accept_cancel", "reject_cancel"]  # type: ignore[attr-defined]
        await pilot.press("enter")  # accept: nothing to fill in, straight to the plan
        await until(lambda: isinstance(app.screen, OrderConfirmScreen), pilot, timeout=30)
        assert any("cancels the order" in s for s in app.screen.steps)  # type: ignore[attr-defined]
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, OrdersScreen), pilot)
        await pilot.pause(0.3)
    assert fakes.shopee.order_book.status(orders["asked"]) == "IN_CANCEL"
    assert action_rows(config) == []

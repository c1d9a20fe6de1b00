"""Snapshots of the orders screen (`O`: every platform's orders of the customer, one in
full) and of an order action's confirmation (amount, items, restock, notification), on the
fixed store of test_snapshots.py with orders cached at fixed times.

Update after an intended change: `pytest tests/tui/test_snapshots_orders.py
--snapshot-update`, then look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from deskterm.config import load_config
from deskterm.domain import orders as o
from deskterm.store.engine import open_store
from deskterm.store.order_cache import cache_orders
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.order_confirm import OrderConfirmScreen
from deskterm.tui.screens.orders import OrdersScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from tests.tui.test_snapshots import NOW, Snap, fixed_store, make_app, settled

__all__ = ["fixed_store"]  # the fixture, shared with test_snapshots.py

EMAIL = "siti.rahma@mail.test"  # ticket 1's customer


def cache_siti_orders(config: Path) -> None:
    """A Shopify order and a Shopee order of ticket 1's customer, fetched an hour ago."""
    placed = NOW - timedelta(days=3)
    shopify = o.PlatformOrder(
        platform="shopify",
        id="450789469",
        name="#1042",
        created_at=placed,
        status=o.TO_SHIP,
        platform_status="UNFULFILLED",
        financial_status="paid",
        fulfillment_status="unfulfilled",
        total=Decimal("365000.00"),
        currency="IDR",
        email=EMAIL,
        items=(
            o.OrderItem("Kopi Gayo 1kg", 2, sku="GAYO-1KG", price=Decimal("150000.00")),
            o.OrderItem("V60 paper filters", 1, sku="V60-100", price=Decimal("65000.00")),
        ),
        actions=(o.CANCEL, o.REFUND, o.ADDRESS, o.DUPLICATE),
    )
    shopee = o.PlatformOrder(
        platform="shopee",
        id="2611170QWERTY",
        name="2611170QWERTY",
        created_at=placed - timedelta(days=2),
        status=o.SHIPPED,
        platform_status="SHIPPED",
        total=Decimal("129000.00"),
        currency="IDR",
        email=EMAIL,
        items=(o.OrderItem("Kopi Toraja 250g", 3, sku="TRJ-250", price=Decimal("43000.00")),),
        tracking=(
            o.Parcel(
                "SPXID04412345",
                company="SPX Express",
                status="In transit",
                events=(
                    o.TrackingEvent(NOW - timedelta(hours=5), "Arrived at Jakarta hub"),
                    o.TrackingEvent(NOW - timedelta(days=1), "Parcel picked up"),
                ),
            ),
        ),
    )
    store = open_store(load_config(config).store_url())
    try:
        fetched = NOW - timedelta(hours=1)
        cache_orders(store, "main", [shopify], now=fetched)
        cache_orders(store, "shopee-id", [shopee], now=fetched)
    finally:
        store.close()


def orders_open(app: DesktermApp) -> Callable[[Any], Awaitable[None]]:
    """Open ticket 1, then its customer's orders with `O`."""
    ready = settled(app)

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        app.open_ticket(1)
        for _ in range(200):
            shown = app.inbox.query_one(ConversationView).ticket
            if shown is not None and shown["id"] == 1:
                break
            await pilot.pause(0.05)
        await pilot.press("O")
        for _ in range(200):
            if isinstance(app.screen, OrdersScreen) and app.screen.orders:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.2)

    return run_before


def test_orders_screen(fixed_store: Path, snap_compare: Snap) -> None:
    cache_siti_orders(fixed_store)
    app = make_app(fixed_store)
    assert snap_compare(app, terminal_size=(140, 36), run_before=orders_open(app))


def test_orders_screen_second_order_in_full(fixed_store: Path, snap_compare: Snap) -> None:
    cache_siti_orders(fixed_store)
    app = make_app(fixed_store)
    opened = orders_open(app)

    async def run_before(pilot: Any) -> None:
        await opened(pilot)
        await pilot.press("down")  # the Shopee order: tracking with its events
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(140, 36), run_before=run_before)


def test_order_action_confirmation(fixed_store: Path, snap_compare: Snap) -> None:
    app = make_app(fixed_store)
    ready = settled(app)
    steps = (
        "cancel order #1042 of main (Shopify), now to_ship (UNFULFILLED)",
        "reason: out of stock",
        "refund Rp365.000 to the original payment",
        "restock 3 items",
        "email the customer",
    )

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        app.push_screen(OrderConfirmScreen("Cancel — order #1042", steps))
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)

"""Revenue attribution's rule (domain.revenue) and its ``[revenue]`` settings: last touch,
the window's edges, once per order, sums per currency, the ticket header's line."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from deskterm.config.loading import load_config_text
from deskterm.domain.errors import ConfigError
from deskterm.domain.revenue import (
    PlacedOrder,
    PresaleReply,
    attribute,
    earned_line,
    money,
    totals,
)

DAY = timedelta(days=1)
T0 = datetime(2026, 3, 1, 12, 0)


def order(n: int, when: datetime, customer: int | None = 1, total: str = "10", cur: str = "IDR"):
    return PlacedOrder(n, customer, when, "main", f"#{n}", f"gid/{n}", Decimal(total), cur)


def reply(
    ticket: int, when: datetime, customer: int = 1, agent: str | None = "ana@x"
) -> PresaleReply:
    return PresaleReply(customer, ticket, when, agent)


def test_the_last_reply_before_the_order_takes_it() -> None:
    found = attribute([order(1, T0 + 2 * DAY)], [reply(7, T0), reply(8, T0 + DAY)], 3 * DAY)
    assert [(a.order.id, a.reply.ticket_id) for a in found] == [(1, 8)]


def test_the_window_includes_its_last_moment_only() -> None:
    replies = [reply(7, T0)]
    assert attribute([order(1, T0 + 3 * DAY)], replies, 3 * DAY)
    assert not attribute([order(2, T0 + 3 * DAY + timedelta(seconds=1))], replies, 3 * DAY)
    assert attribute([order(3, T0)], replies, 3 * DAY)  # the same moment counts
    assert not attribute([order(4, T0 - timedelta(seconds=1))], replies, 3 * DAY)


def test_an_order_of_nobody_or_of_someone_else_is_not_attributed() -> None:
    replies = [reply(7, T0, customer=1)]
    assert not attribute([order(1, T0 + DAY, customer=None)], replies, 3 * DAY)
    assert not attribute([order(2, T0 + DAY, customer=2)], replies, 3 * DAY)


def test_every_order_counts_once_and_sums_per_currency() -> None:
    orders = [
        order(1, T0 + DAY, total="150000"),
        order(2, T0 + DAY, total="0.10", cur="USD"),
        order(3, T0 + DAY, total="0.20", cur="USD"),
    ]
    found = attribute(orders, [reply(7, T0), reply(8, T0)], 3 * DAY)
    assert len(found) == 3
    assert totals(found).as_json() == {"orders": 3, "amount": {"IDR": 150000, "USD": 0.3}}


def test_unreadable_totals_count_as_nothing() -> None:
    assert money("") == 0 and money("n/a") == 0 and money("12.50") == Decimal("12.50")


def test_the_header_line_names_orders_amounts_and_agents() -> None:
    entries = [
        {"order": "#1042", "amount": "150000", "currency": "IDR", "agent": "ana@x"},
        {"order": "#1043", "amount": "50000", "currency": "IDR", "agent": None},
    ]
    line = earned_line(entries)
    assert line is not None
    assert line.startswith("Revenue 2 orders: ") and line.endswith("(#1042, #1043) by ana@x")
    assert "200" in line  # IDR 200,000 in the locale's own way
    assert earned_line([]) is None


def test_revenue_settings_are_checked(tmp_path: Path) -> None:
    source = tmp_path / "config.toml"
    config = load_config_text('[revenue]\nwindow_days = 7\ntags = ["PreSale "]\n', source)
    rules = config.revenue.rules()
    assert rules.window == 7 * DAY and rules.tags == ("presale",)
    assert "product/question" in rules.intents
    with pytest.raises(ConfigError) as info:
        load_config_text('[revenue]\nintents = ["buying"]\n', source)
    assert "revenue" in str(info.value) and "buying" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_config_text("[revenue]\nwindow_days = 0\n", source)
    assert "window_days" in str(info.value)

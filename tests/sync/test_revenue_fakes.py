"""Revenue from support end to end on the fakes over loopback HTTP (issue 15 item 3):
an order placed after a pre-sale answer arrives through the sync's own order pass and is
attributed to that ticket and agent, once, in ``stats`` and ``show --json``.

Shopify: a closed ticket's customer is normally no longer refreshed; while a pre-sale
answer's window runs the sync keeps fetching their orders, or the sale could never be
counted. Shopee: the order comes with the channel's order listing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from deskterm.config.loading import load_config_text
from deskterm.demo.fakes.shopify import FakeLine
from deskterm.demo.marketplaces import Marketplaces
from deskterm.domain.metrics import Period
from deskterm.domain.revenue import AttributionRules
from deskterm.services import labels, replies
from deskterm.services import tickets as svc
from deskterm.services.actor import agent_actor
from deskterm.store.engine import Store, open_store
from deskterm.store.readdb import open_read
from deskterm.store.reader import get_ticket
from deskterm.store.stats_reader import StatsRequest, read_stats
from deskterm.store.tables import Order
from deskterm.sync.runner import run_once
from tests.commerce import conftest as commerce_fixtures
from tests.commerce.conftest import TOKEN, VERSION, Shop
from tests.conftest import ingest, msg, support_channel
from tests.sync.conftest import dt, dt_json, marketplace_rig
from tests.sync.test_marketplace_orders_fakes import order_pass

shop = commerce_fixtures.shop


def _config(tmp_path: Path, shop: Shop, extra: str = "") -> str:
    return (
        f'[store]\npath = "{tmp_path / "deskterm.db"}"\n'
        '[[stores]]\nname = "main"\ntype = "shopify"\n'
        f'shop_url = "{shop.url}"\napi_version = "{VERSION}"\n'
        'access_token = { env = "SHOPIFY_TEST_TOKEN" }\n' + extra
    )


@pytest.fixture
def answered(tmp_path: Path, shop: Shop) -> Iterator[tuple[Store, int]]:
    """Alice asked whether a shirt comes in red (product/question); Ana answered an hour
    ago and closed the ticket. (store, ticket id)"""
    store = open_store(f"sqlite:///{tmp_path / 'deskterm.db'}")
    channel = support_channel(store)
    asked = datetime.now(UTC) - timedelta(hours=2)
    question = msg("<q1@example.com>", sender="alice@example.com", name="Alice")
    ticket = ingest(store, channel, dataclasses.replace(question, sent_at=asked)).ticket_id
    with store.write() as session:
        ana = agent_actor(session, email="ana@shop.test", name="Ana")
    labels.set_intent(store, ticket, "product/question", ana)
    with store.write() as session:
        replies.reply_queued(session, ticket, "Yes, it comes in red, size M too.", ana)
    svc.close(store, ticket, ana)
    yield store, ticket
    store.close()


def test_a_shopify_order_after_a_presale_answer_is_revenue(
    tmp_path: Path, shop: Shop, answered: tuple[Store, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ticket = answered
    monkeypatch.setenv("SHOPIFY_TEST_TOKEN", TOKEN)
    time.sleep(1.1)  # Shopify dates orders to the second: clearly after the answer
    bought = datetime.now(UTC)
    shop.fake.add_order(
        "alice@example.com",
        [FakeLine("Kemeja Linen Merah M", 1, Decimal("159000"))],
        created_at=bought,
    )
    # Nothing makes the closed ticket's customer due but the answer's window: with no
    # pre-sale intents or tags the pass leaves Alice alone and the order stays unseen.
    blind = load_config_text(
        _config(tmp_path, shop, "[revenue]\nintents = []\ntags = []\n"), tmp_path / "c.toml"
    )
    run_once(blind, store)
    with store.read() as session:
        assert session.exec(select(Order)).all() == []
    config = load_config_text(_config(tmp_path, shop), tmp_path / "c.toml")
    summaries = run_once(config, store)
    assert any("orders of 1 customer(s) refreshed" in s.note for s in summaries), summaries
    db = open_read(store.url)
    try:
        shown = get_ticket(db, ticket, revenue=config.revenue.rules())
        period = Period(bought - timedelta(days=1), datetime.now(UTC) + timedelta(seconds=1))
        result = read_stats(
            db, StatsRequest(period=period, by="agent", revenue=config.revenue.rules())
        )
    finally:
        db.close()
    (earned,) = shown["revenue"]
    assert (earned["amount"], earned["currency"], earned["agent"]) == (
        159000,
        "IDR",
        "ana@shop.test",
    )
    assert result["metrics"]["revenue"] == {"orders": 1, "amount": {"IDR": 159000}}
    (ana,) = [g for g in result["groups"] if g["key"] == "ana@shop.test"]
    assert ana["metrics"]["revenue"]["orders"] == 1
    # A second pass fetches the order again: still one order, once.
    run_once(config, store)
    db = open_read(store.url)
    try:
        again = read_stats(db, StatsRequest(period=period, revenue=AttributionRules()))
    finally:
        db.close()
    assert again["metrics"]["revenue"]["orders"] == 1


@pytest.fixture
def markets(tmp_path: Path) -> Iterator[tuple[Marketplaces, Path]]:
    with marketplace_rig(tmp_path) as rig:
        yield rig


def test_a_shopee_order_after_a_presale_answer_is_revenue(
    markets: tuple[Marketplaces, Path],
) -> None:
    fakes, config = markets
    buyer = 412_000_777
    chat = fakes.shopee.add_conversation("rina.kusuma", buyer_id=buyer)
    fakes.shopee.add_buyer_message(chat, "Kak, kemeja linen ada warna navy ukuran L?")
    assert dt("--config", str(config), "sync", "--once")[0] == 0
    (ticket,) = [
        t
        for t in dt_json("--config", str(config), "tickets", "--view", "All", "--json")
        if t["channel"] == "shopee-id"
    ]
    number = str(ticket["id"])
    assert dt("--config", str(config), "intent", number, "product/question")[0] == 0
    code, out, err = dt("--config", str(config), "reply", number, "--body", "Ada kak, stok 3.")
    assert code == 0, out + err
    assert dt("--config", str(config), "sync", "--once")[0] == 0  # the answer goes out
    time.sleep(1.1)  # the platform's clock ticks in seconds: the order is clearly later
    order_sn = fakes.shopee.order_book.add_order(
        buyer, "rina.kusuma", ("READY_TO_SHIP", "LOGISTICS_READY", ""), int(time.time())
    )
    order_pass(config)
    shown = dt_json("--config", str(config), "show", number, "--json")
    assert [entry["order"] for entry in shown["revenue"]] == [order_sn]
    (entry,) = shown["revenue"]
    assert entry["store"] == "shopee-id" and entry["agent"] == "dewi@toko.test"
    stats = dt_json("--config", str(config), "stats", "--since", "1d", "--json")
    revenue = stats["metrics"]["revenue"]
    assert revenue["orders"] == 1
    assert revenue["amount"] == {"IDR": entry["amount"]}
    code, out, _err = dt("--config", str(config), "stats", "--since", "1d")
    assert code == 0
    assert [line.split()[:2] for line in out.splitlines() if "revenue" in line] == [
        ["revenue", "orders"],
        ["revenue", "IDR"],
    ]
    code, out, _err = dt("--config", str(config), "show", number)
    assert code == 0 and "Revenue 1 order: " in out and order_sn in out

"""Issue 13 (Performance): an order pass fetches details only for orders that changed.

Over real HTTP against the three fakes: a pass with nothing changed makes one listing call
and no other call per channel, even for orders listed again because they changed within the
clock overlap of the previous pass; a changed order, and a listed order the cache lacks,
are fetched; Lazada never asks GetOrder for an order its listing just returned.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from deskterm.config import load_config
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.store.engine import open_store
from deskterm.sync.chat.adapters import CHAT_TYPES
from deskterm.sync.orders.marketplace import refresh_marketplace_orders
from deskterm.sync.runner import channel_id_for

LISTING = {  # each platform's changed-orders listing
    "tokopedia": "/order/202309/orders/search",
    "shopee-id": "/api/v2/order/get_order_list",
    "lazada-id": "/orders/get",
}
LAZADA_GET_ORDER = "/order/get"


@dataclass
class World:
    """The served fakes, the config that reaches them, one touched order per channel."""

    markets: Marketplaces
    config: Path
    recent: dict[str, str]  # channel -> an order the platform changed a minute ago

    def fake(self, name: str) -> object:
        return {
            "tokopedia": self.markets.tiktokshop,
            "shopee-id": self.markets.shopee,
            "lazada-id": self.markets.lazada,
        }[name]

    def rows(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(channel, order id) -> (status, source_updated_at) of the cached orders."""
        conn = sqlite3.connect(self.config.parent / "store" / "deskterm.db")
        try:
            found = conn.execute(
                "SELECT store, external_id, status, source_updated_at FROM shop_order"
            ).fetchall()
        finally:
            conn.close()
        return {(store, key): (status, str(updated)) for store, key, status, updated in found}

    def forget(self, name: str, order_id: str) -> None:
        """Drop one cached order, as if no pass had ever stored it."""
        conn = sqlite3.connect(self.config.parent / "store" / "deskterm.db")
        try:
            conn.execute(
                "DELETE FROM shop_order WHERE store = ? AND external_id = ?", (name, order_id)
            )
            conn.commit()
        finally:
            conn.close()


def touch(markets: Marketplaces, seconds_ago: int) -> dict[str, str]:
    """One order per platform changed ``seconds_ago`` (status unchanged): inside the clock
    overlap of the next passes, so each of them lists it again."""
    at = int(time.time()) - seconds_ago
    tts = markets.tiktokshop
    with tts.lock:
        tts_id = sorted(tts.order_desk.orders)[0]
        tts.order_desk.orders[tts_id].order["update_time"] = at
    shopee = markets.shopee
    with shopee.lock:
        sn = sorted(shopee.order_book.orders)[0]
        shopee.order_book.orders[sn]["update_time"] = at
    lazada = markets.lazada
    with lazada.lock:
        number = sorted(lazada.orders.orders)[0]
        lazada.orders.orders[number].updated = at * 1000
    return {"tokopedia": tts_id, "shopee-id": sn, "lazada-id": str(number)}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The fakes seeded (3 buyers each), one order per platform touched a minute ago, and a
    first order pass per channel already run (the cache holds every order)."""
    with serve_marketplaces(tmp_path / "secrets", conversations=3, messages=1) as markets:
        config = tmp_path / "config.toml"
        config.write_text(
            '[store]\npath = "store/deskterm.db"\n[classify]\nenabled = false\n' + markets.config,
            encoding="utf-8",
        )
        recent = touch(markets, 60)
        found = World(markets, config, recent)
        first = order_pass(found)
        assert all(calls[LISTING[name]] >= 1 for name, (_, calls) in first.items())
        yield found


def order_pass(world: World) -> dict[str, tuple[str, Counter[str]]]:
    """A forced pass per chat channel: channel -> (its summary note, the fake's calls)."""
    settings = load_config(world.config)
    store = open_store(settings.store_url())
    done: dict[str, tuple[str, Counter[str]]] = {}
    try:
        for channel in settings.channels:
            if not isinstance(channel, CHAT_TYPES):
                continue
            fake = world.fake(channel.name)
            fake.reset_log()  # type: ignore[attr-defined]
            summary = refresh_marketplace_orders(
                store, channel, channel_id_for(store, channel), force=True
            )
            assert summary is not None and not summary.problems, summary
            with fake.lock:  # type: ignore[attr-defined]
                calls = Counter(fake.calls)  # type: ignore[attr-defined]
            # The Lazada fake serves under /rest: keep the API's own path.
            done[channel.name] = (
                summary.note,
                Counter({path.removeprefix("/rest"): n for path, n in calls.items()}),
            )
    finally:
        store.close()
    return done


def split(name: str, calls: Counter[str]) -> tuple[int, int]:
    """(listing calls, every other call) of one pass."""
    listing = calls[LISTING[name]]
    return listing, sum(calls.values()) - listing


def test_an_idle_pass_is_one_listing_call_and_no_detail_call_per_channel(world: World) -> None:
    before = world.rows()
    for name, (note, calls) in order_pass(world).items():
        assert split(name, calls) == (1, 0), (name, calls)
        # The touched order was listed again (inside the overlap) and not fetched.
        listed = int(note.split("orders: ")[1].split()[0])
        assert listed >= 1 and note.endswith(", 0 fetched"), (name, note)
    assert world.rows() == before


def test_a_changed_order_is_fetched_and_only_it(world: World) -> None:
    markets = world.markets
    at = int(time.time())
    with markets.tiktokshop.lock:
        tts_id = next(
            i
            for i, s in sorted(markets.tiktokshop.order_desk.orders.items())
            if s.order["status"] == "UNPAID"
        )
        markets.tiktokshop.order_desk.orders[tts_id].order.update(
            status="CANCELLED", cancellation_initiator="SELLER", cancel_time=at, update_time=at
        )
    book = markets.shopee.order_book
    with markets.shopee.lock:
        sn = book.with_status("UNPAID")[0]
        book.orders[sn].update(order_status="CANCELLED", cancel_by="seller", update_time=at)
    lbook = markets.lazada.orders
    number = next(i for i, o in sorted(lbook.orders.items()) if o.statuses == ["unpaid"])
    lbook.set_status(number, "canceled")
    changed = {"tokopedia": tts_id, "shopee-id": sn, "lazada-id": str(number)}
    before = world.rows()
    passes = order_pass(world)
    after = world.rows()
    for name, (note, calls) in passes.items():
        listing, other = split(name, calls)
        assert listing == 1 and other >= 1, (name, calls)
        assert note.endswith(", 1 fetched"), (name, note)
        key = (name, changed[name])
        assert after[key][0] == "cancelled" and after[key] != before[key]
    assert {k for k in after if after[k] != before[k]} == {(n, i) for n, i in changed.items()}
    assert passes["lazada-id"][1][LAZADA_GET_ORDER] == 0  # the listing's row served


def test_a_listed_order_missing_from_the_cache_is_fetched(world: World) -> None:
    for name, order_id in world.recent.items():
        world.forget(name, order_id)
    for name, (note, calls) in order_pass(world).items():
        listing, other = split(name, calls)
        assert listing == 1 and other >= 1 and note.endswith(", 1 fetched"), (name, note)
    rows = world.rows()
    assert all((name, order_id) in rows for name, order_id in world.recent.items())


def test_lazadas_first_pass_takes_details_from_the_listing(tmp_path: Path) -> None:
    with serve_marketplaces(tmp_path / "secrets", conversations=3, messages=1) as markets:
        config = tmp_path / "config.toml"
        config.write_text(
            '[store]\npath = "store/deskterm.db"\n[classify]\nenabled = false\n' + markets.config,
            encoding="utf-8",
        )
        passes = order_pass(World(markets, config, {}))
        note, calls = passes["lazada-id"]
        assert calls[LAZADA_GET_ORDER] == 0 and calls[LISTING["lazada-id"]] == 1
        fetched = int(note.rsplit(", ", 1)[1].split()[0])
        assert fetched == len(markets.lazada.orders.orders) > 0

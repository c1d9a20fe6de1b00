"""Issue 13 item 1 end to end: a chat buyer on each marketplace shows their orders in
``show --json`` after the channel's order pass, over real HTTP against the fakes; a second
pass fetches nothing: orders listed again (changed within the clock overlap of the first)
are cached as listed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from deskterm.config import load_config
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.domain.orders import STATUSES
from deskterm.store.engine import open_store
from deskterm.sync.chat.adapters import CHAT_TYPES
from deskterm.sync.orders.marketplace import refresh_marketplace_orders
from deskterm.sync.runner import channel_id_for
from tests.sync.conftest import dt

PLATFORM = {"tokopedia": "tiktokshop", "shopee-id": "shopee", "lazada-id": "lazada"}


@pytest.fixture
def synced(tmp_path: Path) -> Iterator[tuple[Marketplaces, Path, str, datetime]]:
    """``sync --once`` against the three fakes: (fakes, config, its output, when it began)."""
    with serve_marketplaces(tmp_path / "secrets", conversations=2, messages=2) as fakes:
        config = tmp_path / "config.toml"
        config.write_text(
            '[store]\npath = "store/deskterm.db"\n[classify]\nenabled = false\n' + fakes.config,
            encoding="utf-8",
        )
        started = datetime.now(UTC)
        code, out, err = dt("--config", str(config), "sync", "--once")
        assert code == 0, out + err
        yield fakes, config, out, started


def order_pass(config: Path) -> dict[str, Any]:
    settings = load_config(config)
    store = open_store(settings.store_url())
    try:
        notes = {}
        for channel in settings.channels:
            if isinstance(channel, CHAT_TYPES):
                summary = refresh_marketplace_orders(
                    store, channel, channel_id_for(store, channel), force=True
                )
                assert summary is not None and not summary.problems
                notes[channel.name] = summary.note
        return notes
    finally:
        store.close()


def test_each_marketplace_buyer_shows_their_orders(
    synced: tuple[Marketplaces, Path, str, datetime],
) -> None:
    _fakes, config, out, _started = synced
    for name in PLATFORM:  # the sync's own pass fetched them
        assert f"{name}: orders: " in out, out
    code, out, err = dt("--config", str(config), "tickets", "--json")
    assert code == 0, err
    seen: dict[str, int] = {}
    for ticket in json.loads(out):
        code, out, err = dt("--config", str(config), "show", str(ticket["id"]), "--json")
        assert code == 0, err
        shown = json.loads(out)
        for order in shown["orders"]:
            assert order["platform"] == PLATFORM[ticket["channel"]]
            assert order["store"] == ticket["channel"]
            assert order["status"] in STATUSES
            assert order["items"] and order["total"] and order["currency"]
            seen[ticket["channel"]] = seen.get(ticket["channel"], 0) + 1
    assert set(seen) == set(PLATFORM), seen  # every marketplace's buyers have orders
    again = order_pass(config)  # forced: nothing has changed since the sync's pass
    assert set(again) == set(PLATFORM)
    for name, note in again.items():
        assert note.endswith(", 0 fetched"), (name, note)

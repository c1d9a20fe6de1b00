"""Issue 13 item 1: under a chat order card, the conversation shows the order it names as
the cache knows it now (status, total, tracking; its age when old), or "not fetched yet"."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Static

from deskterm.cli import main
from deskterm.demo.fakes.shopee_orders import SCENARIOS
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.tui.widgets.conversation.conversation_view import (
    ConversationView,
    message_parts,
    message_text,
)
from deskterm.tui.widgets.conversation.order_line import order_line
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app
from tests.tui.test_marketplace_tui import store_ticket_for

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LINK = {
    "store": "shopee-id",
    "id": "2512010ABCDEF",
    "status": "delivered",
    "fetched_at": "2026-12-07T05:58:00Z",
    "name": "2512010ABCDEF",
    "total": "129000.00",
    "currency": "IDR",
    "tracking_number": "SPXID0123",
}


def test_the_line_says_status_total_tracking_and_an_old_caches_age() -> None:
    line = order_line(LINK, NOW)
    assert line.startswith("status now: delivered · ")
    assert "129" in line and "tracking SPXID0123" in line
    assert line.endswith("cached 3 h ago")
    fresh = dict(LINK, fetched_at="2026-12-07T08:50:00Z", status="to_ship")
    assert order_line(fresh, NOW).startswith("status now: to ship")
    assert "cached" not in order_line(fresh, NOW)
    unknown = dict(LINK, status=None, fetched_at=None, total=None, tracking_number=None)
    assert order_line(unknown, NOW) == "status now: not fetched yet"
    assert order_line(None, NOW) == ""


def test_the_line_is_inert_and_counted_in_the_messages_height() -> None:
    hostile = dict(LINK, tracking_number="[@click=app.quit]X\x1b[2J")
    message = {
        "id": 1,
        "direction": "in",
        "author": "Rina",
        "author_handle": "b-1",
        "body_text": "[Order 2512010ABCDEF] 1 item · shipped",
        "sent_at": "2026-12-07T08:00:00Z",
        "parse_status": "ok",
        "attachments": [],
        "order": hostile,
    }
    drawn = message_text(message, expanded=False)
    assert "[@click=app.quit]" in drawn.plain and "\x1b" not in drawn.plain
    _header, body, _hint = message_parts(message, expanded=False)
    assert body.count("\n") == drawn.plain.count("\n") - 1  # one header line above


@pytest.fixture
def markets(sample_config: Path, tmp_path: Path) -> Iterator[tuple[Marketplaces, Path]]:
    with serve_marketplaces(tmp_path / "secrets", conversations=0) as fakes:
        text = sample_config.read_text(encoding="utf-8")
        sample_config.write_text(text + fakes.config, encoding="utf-8")
        yield fakes, sample_config


def _card_lines(conversation: ConversationView) -> list[str]:
    return [
        line
        for widget in conversation.query(Static)
        for line in str(widget.render()).split("\n")
        if line.startswith("status now:")
    ]


async def test_an_order_card_shows_its_orders_status_and_then_its_age(
    markets: tuple[Marketplaces, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes, config = markets
    monkeypatch.setenv("DESKTERM_SAMPLE_PASSWORD", "unused")
    shopee = fakes.shopee
    cid = shopee.add_conversation("Rina Card")
    buyer = shopee.conversations[int(cid)].buyer_id
    # Older than the order pass's window: only the card brings it into the cache.
    created = int(time.time()) - 100 * 86400
    order_sn = shopee.order_book.add_order(buyer, "Rina Card", SCENARIOS[2], created)  # SHIPPED
    shopee.add_buyer_message(cid, "Kak, pesanan ini sudah dikirim?")
    shopee.add_message(cid, "order", {"order_sn": order_sn, "shop_id": shopee.shop_id})
    shopee.add_message(cid, "order", {"order_sn": "991231NOSUCH01", "shop_id": shopee.shop_id})
    assert main(["--config", str(config), "sync", "--once", "--channel", "shopee-id"]) == 0
    tid = store_ticket_for(config, "shopee-id")
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(tid)
        await until(lambda: conversation.ticket["id"] == tid, pilot)  # type: ignore[index]
        await pilot.pause()
        known, unknown = _card_lines(conversation)
        assert known.startswith("status now: shipped · ") and "cached" not in known
        assert unknown == "status now: not fetched yet"
        # The cache grows old (offline): the line says how old, after a live reload.
        db = sqlite3.connect(config.parent / ".sample-store" / "deskterm.db")
        try:
            old = (datetime.now(UTC) - timedelta(hours=3, minutes=5)).replace(tzinfo=None)
            db.execute("UPDATE shop_order SET fetched_at = ?", (old.isoformat(sep=" "),))
            db.commit()
        finally:
            db.close()
        await until(lambda: any("cached 3 h ago" in s for s in _card_lines(conversation)), pilot)

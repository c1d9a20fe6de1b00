"""Customer insight (issue 15 item 5) on SQLite and PostgreSQL: orders, spending, average
order, first/last order and how often, most bought products, complaint history, past
CSAT and channels, worked out by hand; and `deskterm customer show` prints them.

Alice (email, and later a Shopee chat): four orders in IDR — 1 Mar 100000 (2 shirts, 1
tumbler), 11 Mar 50000 (1 shirt), 21 Mar 150000 refunded (3 hijabs), 31 Mar 30000
cancelled (5 socks); one USD order 5 Mar 12.50 by email, linked to nobody. Spent (not the
refunded, not the cancelled): IDR 150000 over 2 orders, USD 12.50 over 1. Orders: 5.
Placed 1, 5, 11, 21, 31 Mar: 30 days over 4 gaps = 7.5 days between orders.
Tickets: shipping/status twice, refund/request once, one unlabelled; one spam ticket
(refund/request) is not her history. CSAT: answered 4 then 2 (average 3), one survey
never answered.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from deskterm.cli import main
from deskterm.domain.customer_text import insight_lines
from deskterm.ingest.context import ChannelContext
from deskterm.services import labels
from deskterm.services import tickets as svc
from deskterm.services.actor import agent_actor
from deskterm.store.channels import ensure_channel
from deskterm.store.customer_insight import customer_insight
from deskterm.store.engine import Store
from deskterm.store.order_cache import write_order_row
from deskterm.store.readdb import ReadDb
from deskterm.store.tables import CsatSurvey, Ticket
from tests.conftest import ingest, msg
from tests.store.stats_rig import at

ALICE = "alice@example.com"


def _order(
    store: Store, name: str, day: int, total: str, items: list[tuple[str, int]], **kw: Any
) -> None:
    values: dict[str, Any] = {
        "store": "main",
        "external_id": f"gid://shopify/Order/{name}",
        "customer_id": kw.get("customer"),
        "email": kw.get("email", ""),
        "name": name,
        "placed_at": at(day, 12),
        "financial_status": kw.get("financial", "paid"),
        "fulfillment_status": "",
        "total": total,
        "currency": kw.get("currency", "IDR"),
        "status_url": "",
        "data": {"items": [{"title": t, "quantity": q, "sku": "", "price": "1"} for t, q in items]},
        "fetched_at": at(day, 12),
        "buyer_id": "",
        "platform": "shopify",
        "status": kw.get("status", "delivered"),
        "platform_status": "",
        "source_updated_at": None,
    }
    with store.write() as session:
        write_order_row(session, store.dialect, values)


def _ask(store: Store, channel: ChannelContext, mid: str, day: int) -> int:
    base = msg(mid, sender=ALICE, name="Alice", subject=f"Question {mid}")
    return ingest(store, channel, dataclasses.replace(base, sent_at=at(day, 9))).ticket_id


def build(store: Store, channel: ChannelContext) -> int:
    with store.write() as session:
        ana = agent_actor(session, email="ana@shop.test", name="Ana")
    first = _ask(store, channel, "1@x", 2)
    customer = _customer(store, first)
    labels.set_intent(store, first, "shipping/status", ana)
    second = _ask(store, channel, "2@x", 12)
    labels.set_intent(store, second, "shipping/status", ana)
    third = _ask(store, channel, "3@x", 22)
    labels.set_intent(store, third, "refund/request", ana)
    _ask(store, channel, "4@x", 25)  # unlabelled
    spam = _ask(store, channel, "5@x", 26)
    labels.set_intent(store, spam, "refund/request", ana)
    svc.set_spam(store, spam, True, ana)
    for ticket, score, day in ((first, 4, 3), (second, 2, 13), (third, None, 23)):
        with store.write() as session:
            session.add(
                CsatSurvey(
                    ticket_id=ticket,
                    state="answered" if score else "sent",
                    sent_at=at(day, 10),
                    score=score,
                    answered_at=at(day, 11) if score else None,
                )
            )
    _order(store, "1001", 1, "100000", [("Kemeja Linen", 2), ("Tumbler", 1)], customer=customer)
    _order(store, "1002", 11, "50000", [("Kemeja Linen", 1)], customer=customer)
    _order(
        store, "1003", 21, "150000", [("Hijab Voal", 3)], customer=customer, financial="refunded"
    )
    _order(store, "1004", 31, "30000", [("Kaos Kaki", 5)], customer=customer, status="cancelled")
    _order(store, "U-1", 5, "12.50", [("Tumbler", 1)], email=ALICE, currency="USD")
    return customer


def _customer(store: Store, ticket_id: int) -> int:
    with store.read() as session:
        ticket = session.exec(select(Ticket).where(Ticket.id == ticket_id)).one()
        assert ticket.customer_id is not None
        return ticket.customer_id


@pytest.fixture
def alice(any_store: Store, any_channel: ChannelContext) -> int:
    return build(any_store, any_channel)


def test_insight_from_the_whole_history(db: ReadDb, alice: int) -> None:
    insight = customer_insight(db, alice)
    assert insight["orders"] == 5
    assert insight["spent"] == {"IDR": "150000", "USD": "12.50"}
    assert insight["average_order"] == {"IDR": "75000", "USD": "12.50"}
    assert insight["first_order_at"] == "2026-03-01T12:00:00Z"
    assert insight["last_order_at"] == "2026-03-31T12:00:00Z"
    assert insight["days_between_orders"] == 7.5
    # The refunded hijabs were bought; the cancelled socks were not.
    assert insight["top_products"] == [
        {"title": "Hijab Voal", "quantity": 3},
        {"title": "Kemeja Linen", "quantity": 3},
        {"title": "Tumbler", "quantity": 2},
    ]
    assert insight["intents"] == [
        {"intent": "shipping/status", "tickets": 2},
        {"intent": "refund/request", "tickets": 1},
    ]
    assert insight["csat"] == {"responses": 2, "average": 3.0, "scores": [4, 2]}
    assert insight["channels"] == ["support"]


def test_a_new_customer_has_nulls_not_made_up_zeros(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ticket = ingest(any_store, any_channel, msg("n@x", sender="new@example.com")).ticket_id
    insight = customer_insight(db, _customer(any_store, ticket))
    assert insight["orders"] == 0 and insight["spent"] == {} and insight["average_order"] == {}
    assert insight["first_order_at"] is None and insight["days_between_orders"] is None
    assert insight["csat"] == {"responses": 0, "average": None, "scores": []}
    assert insight_lines(insight) == ["channels support"]


def test_channels_used_follow_linked_identities(
    any_store: Store, any_channel: ChannelContext, db: ReadDb, alice: int
) -> None:
    with any_store.write() as session:
        ensure_channel(session, name="shopee-id", type="shopee", address="shop-1")
        session.add(Ticket(channel_id=2, customer_id=alice, subject="chat", created_at=at(28, 9)))
    assert customer_insight(db, alice)["channels"] == ["shopee-id", "support"]


def test_customer_show_prints_the_insight(
    any_store: Store, alice: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if any_store.dialect != "sqlite":
        pytest.skip("the CLI reads the SQLite file of the config")
    config = tmp_path / "cli.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "deskterm.db"}"\n', encoding="utf-8")
    assert main(["--config", str(config), "customer", "show", ALICE, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["insight"]["orders"] == 5
    assert shown["insight"]["top_products"][0] == {"title": "Hijab Voal", "quantity": 3}
    assert main(["--config", str(config), "customer", "show", ALICE]) == 0
    out = capsys.readouterr().out
    assert "every 7.5 days" in out
    assert "first order 2026-03-01, last 2026-03-31" in out
    assert "buys 3× Hijab Voal, 3× Kemeja Linen, 2× Tumbler" in out
    assert "asked about shipping/status 2, refund/request 1" in out
    assert "CSAT 3 (2 answers)" in out


def test_the_customer_panel_shows_the_history(db: ReadDb, alice: int) -> None:
    from deskterm.store.customer_reader import customer_context
    from deskterm.tui.widgets.conversation.customer_panel import panel_text

    text = panel_text(customer_context(db, alice)).plain
    history = text[text.index("History") : text.index("Orders")]
    assert "average order Rp" in history and "every 7.5 days" in history
    assert "buys 3× Hijab Voal, 3× Kemeja Linen" in history  # the panel names two
    assert "asked about shipping/status 2, refund/request 1" in history
    assert "CSAT 3 (2 answers)" in history

"""``deskterm order list|show`` (issue 13 item 3): a chat buyer's marketplace orders by
ticket and by REF, --json in the one order shape, plain errors for a bad or unknown REF."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from deskterm.domain.enums import IdentityKind
from deskterm.domain.messages import InboundMessage, Party
from deskterm.domain.orders import (
    CANCEL,
    OrderItem,
    OrderReturn,
    Parcel,
    PlatformOrder,
    TrackingEvent,
)
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.pipeline import ingest_message
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import open_store
from deskterm.store.order_cache import cache_orders
from tests.cli.test_customer_cli import run

REPO = Path(__file__).resolve().parents[2]
PLACED = datetime(2026, 12, 1, 8, tzinfo=UTC)


@pytest.fixture
def chat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[tuple[str, str], int]:
    """A Shopee chat from buyer ``buyer-77`` whose two orders are cached; (args, ticket)."""
    config = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    args = ("--config", str(config))
    assert run(capsys, *args, "config", "check")[0] == 0
    store = open_store(f"sqlite:///{tmp_path / '.sample-store' / 'deskterm.db'}")
    with store.write() as session:
        row = ensure_channel(session, name="shopee-id", type="shopee", address="2000002")
        assert row.id is not None
        body = "Kak, kopi Gayo saya belum dikirim"
        done = ingest_message(
            session,
            ChannelContext(id=row.id, name="shopee-id", type="shopee"),
            InboundMessage(
                external_id="chat-1",
                content_hash=hashlib.sha256(body.encode()).hexdigest(),
                subject=body,
                sender=Party("siti_r", "buyer-77", IdentityKind.BUYER),
                sent_at=PLACED + timedelta(days=2),
                body_text=body,
            ),
            blob_root=store.attachments_dir(),
            actor="test",
        )
    shipped = PlatformOrder(
        platform="shopee",
        id="2512010ABCDEF",
        name="2512010ABCDEF",
        created_at=PLACED,
        status="shipped",
        platform_status="SHIPPED",
        total=Decimal("129000.00"),
        currency="IDR",
        buyer_id="buyer-77",
        items=(OrderItem("Kopi Gayo 1kg", 2, sku="GY-1", price=Decimal("64500.00")),),
        tracking=(
            Parcel(
                "SPXID0123",
                company="SPX Express",
                status="In transit",
                events=(TrackingEvent(PLACED + timedelta(days=1), "Parcel picked up"),),
            ),
        ),
    )
    unpaid = PlatformOrder(
        platform="shopee",
        id="2512020QWERTY",
        name="2512020QWERTY",
        created_at=PLACED + timedelta(days=1),
        status="unpaid",
        platform_status="UNPAID",
        total=Decimal("45000.00"),
        currency="IDR",
        buyer_id="buyer-77",
        returns=(OrderReturn("R-9", "REQUESTED", "changed mind", Decimal("45000.00")),),
        actions=(CANCEL,),
    )
    cache_orders(store, "shopee-id", [shipped, unpaid], now=PLACED + timedelta(days=2))
    store.close()
    return args, done.ticket_id


def test_order_list_gives_the_buyers_orders_newest_first(
    chat: tuple[tuple[str, str], int], capsys: pytest.CaptureFixture[str]
) -> None:
    args, ticket = chat
    code, out, err = run(capsys, *args, "order", "list", str(ticket), "--json")
    assert code == 0, err
    orders = json.loads(out)
    assert [o["id"] for o in orders] == ["2512020QWERTY", "2512010ABCDEF"]
    shipped = orders[1]
    for key in (
        "platform",
        "store",
        "id",
        "name",
        "created_at",
        "status",
        "platform_status",
        "financial_status",
        "fulfillment_status",
        "total",
        "currency",
        "status_url",
        "tracking",
        "items",
        "returns",
        "actions",
    ):
        assert key in shipped, key
    assert (shipped["platform"], shipped["store"], shipped["status"]) == (
        "shopee",
        "shopee-id",
        "shipped",
    )
    assert shipped["tracking"][0]["events"] == [
        {"at": "2026-12-02T08:00:00Z", "text": "Parcel picked up"}
    ]
    code, out, _ = run(capsys, *args, "order", "list", str(ticket))
    assert code == 0
    assert out.splitlines()[0].startswith("shopee-id:2512020QWERTY  unpaid")


def test_order_show_by_ref_in_full(
    chat: tuple[tuple[str, str], int], capsys: pytest.CaptureFixture[str]
) -> None:
    args, _ticket = chat
    code, out, err = run(capsys, *args, "order", "show", "shopee-id:2512010ABCDEF")
    assert code == 0, err
    assert "status    shipped (SHIPPED)" in out
    assert "item      2 x Kopi Gayo 1kg [GY-1]" in out
    assert "tracking  SPX Express SPXID0123  In transit" in out
    assert "Parcel picked up" in out
    assert "actions   none" in out
    code, out, _ = run(capsys, *args, "order", "show", "shopee-id:2512020QWERTY", "--json")
    shown = json.loads(out)
    assert shown["actions"] == ["cancel"]
    assert shown["returns"] == [
        {"id": "R-9", "status": "REQUESTED", "reason": "changed mind", "amount": "45000.00"}
    ]


@pytest.mark.parametrize(
    ("ref", "code", "message"),
    [
        ("2512010ABCDEF", 2, "is not an order REF; REF is STORE_OR_CHANNEL:ORDER_ID"),
        ("lazada-my:123", 1, "no orders of 'lazada-my' are cached (the cache holds orders of"),
        ("shopee-id:NOPE", 1, "no order 'NOPE' of 'shopee-id' is cached"),
    ],
)
def test_a_bad_or_unknown_ref_is_one_line(
    chat: tuple[tuple[str, str], int],
    capsys: pytest.CaptureFixture[str],
    ref: str,
    code: int,
    message: str,
) -> None:
    args, _ticket = chat
    got, out, err = run(capsys, *args, "order", "show", ref)
    assert got == code and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_order_show_lists_the_actions_recorded_on_the_order(
    chat: tuple[tuple[str, str], int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 13 item 4: every action is recorded; `order show` says what was asked and how
    it ended (here one still pending: recorded, never sent)."""
    from deskterm.services.actor import Actor
    from deskterm.services.order_actions import record

    args, ticket = chat
    store = open_store(f"sqlite:///{tmp_path / '.sample-store' / 'deskterm.db'}")
    try:
        record(
            store,
            store_name="shopee-id",
            order_id="2512020QWERTY",
            order_name="2512020QWERTY",
            kind=CANCEL,
            params={"reason": "out of stock"},
            ticket_id=ticket,
            actor=Actor(label="Dewi", agent_id=None),
        )
    finally:
        store.close()
    code, out, err = run(capsys, *args, "order", "show", "shopee-id:2512020QWERTY")
    assert code == 0, err
    assert "action    cancel pending " in out
    code, out, err = run(capsys, *args, "order", "show", "shopee-id:2512020QWERTY", "--json")
    history = json.loads(out)["history"]
    assert [(h["kind"], h["state"], h["ticket_id"]) for h in history] == [
        ("cancel", "pending", ticket)
    ]

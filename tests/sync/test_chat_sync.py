"""`deskterm sync --once` against the marketplace fakes over loopback HTTP: every conversation
and message exactly once, an idle pass is ONE request per channel, 429 storms and token
expiry survived, replies delivered exactly once (ambiguous sends included), and a sync
killed at every step converges."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.sync.faults import CRASH_ENV
from tests.sync.conftest import dt, dt_json, dt_process, store_signature

CONVERSATIONS, MESSAGES = 5, 4
CHANNELS = ("tokopedia", "shopee-id", "lazada-id")


@pytest.fixture
def markets(tmp_path: Path) -> Iterator[tuple[Marketplaces, Path]]:
    with serve_marketplaces(
        tmp_path / "secrets", conversations=CONVERSATIONS, messages=MESSAGES
    ) as fakes:
        config = tmp_path / "config.toml"
        config.write_text(
            '[store]\npath = "store/deskterm.db"\n[user]\nname = "Dewi"\n'
            'email = "dewi@toko.test"\n' + fakes.config,
            encoding="utf-8",
        )
        yield fakes, config


def fakes_of(markets: Marketplaces) -> dict[str, object]:
    return {
        "tokopedia": markets.tiktokshop,
        "shopee-id": markets.shopee,
        "lazada-id": markets.lazada,
    }


def requests(fake: object) -> int:
    return len(fake.requests)  # type: ignore[attr-defined]


def sync(config: Path) -> str:
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 0, out + err
    return out


def messages_in_store(config: Path) -> dict[str, int]:
    conn = sqlite3.connect(config.parent / "store" / "deskterm.db")
    try:
        rows = conn.execute(
            "SELECT c.name, count(*) FROM message m JOIN channel c ON c.id = m.channel_id"
            " GROUP BY c.name"
        ).fetchall()
    finally:
        conn.close()
    return dict(rows)


def tickets_of(config: Path, channel: str) -> list[dict]:  # type: ignore[type-arg]
    every = dt_json(
        "--config", str(config), "tickets", "--view", "All", "--limit", "1000", "--json"
    )
    return [t for t in every if t["channel"] == channel]


def test_first_sync_ingests_every_conversation_and_message_exactly_once(
    markets: tuple[Marketplaces, Path],
) -> None:
    fakes, config = markets
    out = sync(config)
    for name in CHANNELS:
        assert f"{name}: " in out and "error" not in out
        tickets = tickets_of(config, name)
        assert len(tickets) == CONVERSATIONS, name
        assert all(t["channel_type"] in {"tiktokshop", "shopee", "lazada"} for t in tickets)
        assert all(t["customer"]["handles"] for t in tickets)  # the buyer is the customer
    first = store_signature(config)
    stored = messages_in_store(config)
    assert stored["tokopedia"] == fakes.tiktokshop.visible_count()
    assert min(stored.values()) >= CONVERSATIONS * (MESSAGES - 1)
    sync(config)
    assert store_signature(config) == first  # nothing doubled


def test_idle_pass_costs_one_request_per_channel_and_new_messages_few(
    markets: tuple[Marketplaces, Path],
) -> None:
    fakes, config = markets
    sync(config)
    for fake in fakes_of(fakes).values():
        fake.reset_log()  # type: ignore[attr-defined]
    sync(config)
    assert {name: requests(f) for name, f in fakes_of(fakes).items()} == dict.fromkeys(CHANNELS, 1)

    before = messages_in_store(config)
    for name, fake in fakes_of(fakes).items():
        fake.reset_log()  # type: ignore[attr-defined]
        for cid in fakes.seeded[name][:2]:
            fake.add_buyer_message(cid, f"Kak, pesanan saya sudah dikirim? ({name})")  # type: ignore[attr-defined]
    sync(config)
    after = messages_in_store(config)
    for name, fake in fakes_of(fakes).items():
        assert after[name] == before[name] + 2, name
        assert requests(fake) <= 1 + 2, (name, fake.calls)  # type: ignore[attr-defined]


def test_a_429_storm_and_expired_tokens_are_survived(markets: tuple[Marketplaces, Path]) -> None:
    fakes, config = markets
    sync(config)
    before = messages_in_store(config)
    for name, fake in fakes_of(fakes).items():
        fake.add_buyer_message(fakes.seeded[name][0], "Halo, masih ada stok?")  # type: ignore[attr-defined]
        fake.inject_rate_limits(2, "0")  # type: ignore[attr-defined]
        fake.expire_tokens()  # type: ignore[attr-defined]
    out = sync(config)
    assert "error" not in out
    assert messages_in_store(config) == {name: before[name] + 1 for name in CHANNELS}
    # The rotated tokens were kept: the next pass works without another refresh.
    conn = sqlite3.connect(config.parent / "store" / "deskterm.db")
    try:
        rotated = conn.execute("SELECT count(*) FROM synccursor WHERE scope = 'tokens'").fetchone()
    finally:
        conn.close()
    assert rotated[0] == 3
    assert "error" not in sync(config)


def test_failed_poll_is_reported_in_plain_words_and_moves_no_cursor(
    markets: tuple[Marketplaces, Path],
) -> None:
    fakes, config = markets
    sync(config)
    before = store_signature(config)
    fakes.shopee.expire_tokens()
    fakes.shopee.expire_refresh_token()  # and the refresh token no longer works either
    fakes.shopee.add_buyer_message(fakes.seeded["shopee-id"][0], "Halo?")
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 1
    assert "shopee-id" in out + err and "refresh" in (out + err).lower()
    assert "Traceback" not in out + err
    assert store_signature(config)[0] == before[0]


def reply(config: Path, ticket_id: int, text: str) -> str:
    code, out, err = dt("--config", str(config), "reply", str(ticket_id), "--body", text)
    assert code == 0, out + err
    return out


def seller_texts(fakes: Marketplaces, name: str, conversation_id: str) -> list[str]:
    return fakes_of(fakes)[name].seller_texts(conversation_id)  # type: ignore[attr-defined,no-any-return]


def ticket_conversation(config: Path, ticket_id: int) -> str:
    shown = dt_json("--config", str(config), "show", str(ticket_id), "--json")
    return str(shown["messages"][0]["conversation_id"])


@pytest.mark.parametrize("name", CHANNELS)
def test_reply_reaches_its_conversation_exactly_once(
    markets: tuple[Marketplaces, Path], name: str
) -> None:
    fakes, config = markets
    sync(config)
    ticket = tickets_of(config, name)[0]
    conversation = ticket_conversation(config, ticket["id"])
    text = f"Terima kasih, pesanan #{ticket['id']} dikirim hari ini."
    out = reply(config, ticket["id"], text)
    assert "sent" in out
    assert seller_texts(fakes, name, conversation).count(text) == 1
    count = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")["messages"]
    sync(config)  # the platform's copy of our reply comes back: a duplicate, not a new message
    sync(config)
    again = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")["messages"]
    assert len(again) == len(count)
    assert [m["direction"] for m in again].count("out") >= 1
    assert seller_texts(fakes, name, conversation).count(text) == 1


@pytest.mark.parametrize("name", CHANNELS)
def test_ambiguous_send_is_found_not_resent(markets: tuple[Marketplaces, Path], name: str) -> None:
    fakes, config = markets
    sync(config)
    ticket = tickets_of(config, name)[0]
    conversation = ticket_conversation(config, ticket["id"])
    fakes_of(fakes)[name].drop_after_next_send()  # type: ignore[attr-defined]
    text = "Baik kak, kami cek dulu ya."
    code, out, _err = dt("--config", str(config), "reply", str(ticket["id"]), "--body", text)
    assert code == 1 and "delivery: unknown" in out and "checking the conversation" in out
    sync(config)  # looks in the conversation, finds it, records it as sent
    sync(config)
    assert seller_texts(fakes, name, conversation).count(text) == 1
    shown = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")
    ours = [m for m in shown["messages"] if m["body_text"].strip() == text]
    assert len(ours) == 1 and ours[0]["delivery"]["state"] == "sent"


@pytest.mark.slow
@pytest.mark.parametrize("point", ["chat.listed", "chat.conversation_stored", "chat.listing_saved"])
def test_kill_at_each_chat_sync_step_then_resume(
    markets: tuple[Marketplaces, Path], tmp_path: Path, point: str
) -> None:
    _fakes, config = markets
    reference = tmp_path / "reference.toml"
    reference.write_text(
        config.read_text(encoding="utf-8").replace("store/deskterm.db", "ref/deskterm.db"),
        encoding="utf-8",
    )
    sync(reference)
    for _ in range(3):
        killed = dt_process("--config", str(config), "sync", "--once", env={CRASH_ENV: point})
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    finished = dt_process("--config", str(config), "sync", "--once")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    ref_db = sqlite3.connect(reference.parent / "ref" / "deskterm.db")
    db = sqlite3.connect(config.parent / "store" / "deskterm.db")
    query = "SELECT external_id, content_hash FROM message ORDER BY external_id"
    try:
        assert db.execute(query).fetchall() == ref_db.execute(query).fetchall()
    finally:
        db.close()
        ref_db.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "point", ["chat_outbox.sending", "chat_outbox.accepted", "chat_outbox.sent"]
)
def test_kill_at_each_reply_step_delivers_exactly_once(
    markets: tuple[Marketplaces, Path], point: str
) -> None:
    fakes, config = markets
    sync(config)
    ticket = tickets_of(config, "shopee-id")[0]
    conversation = ticket_conversation(config, ticket["id"])
    text = "Pesanan kakak sudah kami kirim via JNE."
    reply(config, ticket["id"], text)  # delivered at once; the next one dies mid-way
    text2 = "Nomor resi menyusul ya kak."
    killed = dt_process(
        "--config", str(config), "reply", str(ticket["id"]), "--body", text2, env={CRASH_ENV: point}
    )
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    for _ in range(2):
        finished = dt_process("--config", str(config), "sync", "--once")
        assert finished.returncode == 0, finished.stdout + finished.stderr
    assert seller_texts(fakes, "shopee-id", conversation).count(text2) == 1
    assert seller_texts(fakes, "shopee-id", conversation).count(text) == 1


SITI = b"""From siti.rahma@mail.test Mon Nov 16 10:00:00 2026
From: Siti Rahma <siti.rahma@mail.test>
To: support@toko.test
Subject: Pesanan belum sampai
Message-ID: <siti-orders@mail.test>
Date: Mon, 16 Nov 2026 10:00:00 +0000

Halo, pesanan saya belum sampai.
"""


def test_sync_refreshes_shop_orders_shown_in_show_json_and_macros(
    markets: tuple[Marketplaces, Path], tmp_path: Path
) -> None:
    _fakes, config = markets
    mbox = tmp_path / "siti.mbox"
    mbox.write_bytes(SITI)
    code, out, err = dt("--config", str(config), "import", "mbox", str(mbox))
    assert code == 0, out + err
    out = sync(config)
    assert "main: orders of 1 customer(s) refreshed (2 orders)" in out
    every = dt_json("--config", str(config), "tickets", "--view", "All", "--limit", "999", "--json")
    ticket = next(t for t in every if t["subject"] == "Pesanan belum sampai")
    shown = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")
    orders = shown["orders"]
    assert len(orders) == 2 and orders[0]["created_at"] >= orders[1]["created_at"]
    first = orders[0]
    assert {
        "name",
        "created_at",
        "financial_status",
        "fulfillment_status",
        "total",
        "currency",
        "status_url",
        "tracking",
        "items",
    } <= set(first)
    assert first["currency"] == "IDR" and first["items"] and first["name"].startswith("#")
    # Fresh caches are not fetched again on the next pass.
    assert "main: orders of 0 customer(s) refreshed" in sync(config)


def test_doctor_signs_a_real_request_per_channel_and_asks_the_shop(
    markets: tuple[Marketplaces, Path],
) -> None:
    _fakes, config = markets
    code, out, _err = dt("--config", str(config), "doctor")
    for name in CHANNELS:
        assert f"ok    {name}: api: signed request accepted" in out
    assert "ok    main: shopify: shop " in out
    broken = config.read_text(encoding="utf-8").replace(
        f'app_key = "{_fakes.lazada.app_key}"', 'app_key = "000000"'
    )
    config.write_text(broken, encoding="utf-8")
    code, out, _err = dt("--config", str(config), "doctor")
    assert code == 1
    line = next(row for row in out.splitlines() if "lazada-id: api" in row)
    assert line.startswith("FAIL") and "Traceback" not in out

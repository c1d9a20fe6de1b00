"""The query language against a real store: FTS5 words, phrases, fields, dates, boolean logic."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest

from deskterm.domain.errors import QueryError
from deskterm.domain.query import parse_query
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.store import reader
from deskterm.store.engine import Store
from deskterm.store.readdb import SqliteReadDb, open_read
from tests.conftest import SHOP, ingest, msg

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


@pytest.fixture
def world(store: Store, channel: ChannelContext) -> dict[str, int]:
    """Five tickets with varied text, tags, statuses and dates."""
    ids = {
        "refund": ingest(
            store,
            channel,
            msg(
                "1@x",
                subject="Refund request",
                body="I want a refund for order 1042, the mug arrived broken",
                day=1,
            ),
        ).ticket_id,
        "late": ingest(
            store,
            channel,
            msg(
                "2@x",
                sender="budi@mail.test",
                name="Budi Santoso",
                subject="Pesanan belum sampai",
                body="Pesanan saya belum sampai, tolong cek resi",
                day=10,
            ),
        ).ticket_id,
        "thanks": ingest(
            store,
            channel,
            msg(
                "3@x",
                sender="ana@correio.test",
                name="Ana Souza",
                subject="Obrigada!",
                body="Recebi o café, está ótimo. Obrigada!",
                day=15,
            ),
        ).ticket_id,
        "spam": ingest(
            store,
            channel,
            msg(
                "4@x",
                sender="win@lottery.test",
                subject="You won",
                body="Claim your refund prize",
                day=16,
            ),
        ).ticket_id,
        "closed": ingest(
            store,
            channel,
            msg(
                "5@x",
                sender="zed@example.com",
                subject="Invoice question",
                body="Please send the invoice for my refund",
                day=18,
            ),
        ).ticket_id,
    }
    ingest(
        store,
        channel,
        msg(
            "6@x",
            sender=SHOP,
            to="budi@mail.test",
            subject="Re: Pesanan belum sampai",
            body="Resi JNE1234567890 sudah dikirim",
            in_reply_to="2@x",
            day=11,
        ),
    )
    with store.write() as session:
        actor: Actor = agent_actor(session, email="dewi@shop.test", name="Dewi")
    svc.add_tags(store, ids["refund"], ["vip", "refund"], actor)
    svc.add_tags(store, ids["late"], ["shipping"], actor)
    svc.set_spam(store, ids["spam"], True, actor)
    svc.close(store, ids["closed"], actor)
    svc.assign(store, ids["late"], "dewi@shop.test", actor)
    return ids


def run(store: Store, text: str) -> list[int]:
    db = open_read(store.url)
    try:
        me = reader.agent_id_for(db, "dewi@shop.test")
        where = reader.compile_query(db, parse_query(text, now=NOW), me_agent_id=me)
        return sorted(t["id"] for t in reader.list_tickets(db, where, limit=100))
    finally:
        db.close()


def ids_of(world: dict[str, int], *names: str) -> list[int]:
    return sorted(world[name] for name in names)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("refund", ("refund", "closed")),  # spam excluded unless asked for
        ("REFUND", ("refund", "closed")),
        ("refu*", ("refund", "closed")),
        ('"arrived broken"', ("refund",)),
        ('"broken arrived"', ()),
        ("cafe", ("thanks",)),  # diacritics folded: café
        ("otimo", ("thanks",)),
        ("from:budi", ("late",)),
        ("from:ana@correio.test", ("thanks",)),
        ("to:budi@mail.test", ("late",)),
        ("subject:pesanan", ("late",)),
        ("body:resi", ("late",)),
        ("subject:resi", ()),
        ("tag:vip", ("refund",)),
        ("vip", ("refund",)),  # free words also search tags
        ("santoso", ("late",)),  # ... and customer names
        ("status:open", ("refund", "late", "thanks")),
        ("status:closed", ("closed",)),
        ("status:spam", ("spam",)),
        ("status:spam OR status:closed", ("spam", "closed")),
        ("assignee:me", ("late",)),
        ("assignee:none status:open", ("refund", "thanks")),
        ("assignee:dewi@shop.test", ("late",)),
        ("channel:support tag:shipping", ("late",)),
        ("channel:other", ()),
        ("refund -tag:vip", ("closed",)),
        ("refund AND NOT status:closed", ("refund",)),
        ("(tag:vip OR tag:shipping) status:open", ("refund", "late")),
        ("date:2026-03-10..2026-03-15", ("late", "thanks")),
        ("date:2026-03-18", ("closed",)),
        ("date:..2026-03-01", ("refund",)),
        ("date:5d..", ("closed",)),
        ("customer:budi@mail.test", ("late",)),
        ("*", ("refund", "late", "thanks", "closed")),
        ("has:attachment", ()),
    ],
)
def test_query_results(
    store: Store, world: dict[str, int], query: str, expected: tuple[str, ...]
) -> None:
    assert run(store, query) == ids_of(world, *expected)


def test_id_field(store: Store, world: dict[str, int]) -> None:
    assert run(store, f"id:{world['thanks']}") == [world["thanks"]]


@pytest.mark.parametrize(
    ("query", "column"),
    [
        ("tag:", 1),
        ("foo:bar", 1),
        ('"unterminated', 1),
        ("(refund", 1),
        ("refund)", 7),
        ("a AND", 3),
        ("date:yesterdayish", 6),
    ],
)
def test_malformed_queries_point_at_the_fault(query: str, column: int) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(query, now=NOW)
    assert f"column {column}" in str(info.value)


def test_hostile_fts_syntax_is_literal(store: Store, world: dict[str, int]) -> None:
    # FTS5 operators typed by a user are words, never FTS syntax errors.
    for text in ["NEAR(refund broken)", 'refund" OR "x', "^refund", "body:{x}", "a:b:c"]:
        # A clear query error is fine; an SQL error (StoreError) is not.
        with contextlib.suppress(QueryError):
            run(store, text)


def test_snippets_show_the_match(store: Store, world: dict[str, int]) -> None:
    db = open_read(store.url)
    assert isinstance(db, SqliteReadDb)
    node = parse_query("tolong", now=NOW)
    tickets = reader.list_tickets(db, reader.compile_query(db, node, me_agent_id=None))
    reader.add_snippets(db, tickets, reader.snippet_terms(node))
    assert "tolong cek resi" in tickets[0]["snippet"]
    db.close()


def test_counts_match_lists(store: Store, world: dict[str, int]) -> None:
    db = open_read(store.url)
    where = reader.compile_query(db, parse_query("status:open"), me_agent_id=None)
    assert reader.count_tickets(db, where) == len(reader.list_tickets(db, where)) == 3
    db.close()

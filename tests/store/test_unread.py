"""Per-agent unread: new customer mail since the agent last opened the ticket, page by page."""

from __future__ import annotations

import sqlite3
import time

import pytest

from deskterm.domain.errors import NotFoundError
from deskterm.domain.query import parse_query
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.services.read_state import mark_read, mark_unread
from deskterm.store import reader
from deskterm.store.engine import Store, sqlite_path
from deskterm.store.readdb import ReadDb
from tests.conftest import SHOP, ingest, msg


def agent(store: Store, email: str) -> Actor:
    with store.write() as session:
        return agent_actor(session, email=email)


def unread(db: ReadDb, actor: Actor, query: str = "status:open") -> dict[int, bool]:
    where = reader.compile_query(db, parse_query(query), me_agent_id=None)
    return {t["id"]: t["unread"] for t in reader.list_tickets(db, where, agent_id=actor.agent_id)}


def test_new_ticket_is_unread_until_the_agent_opens_it(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana = agent(any_store, "ana@shop.test")
    ticket = ingest(any_store, any_channel, msg("1@x")).ticket_id
    assert unread(db, ana) == {ticket: True}
    assert reader.get_ticket(db, ticket, agent_id=ana.agent_id)["unread"] is True

    assert mark_read(any_store, ticket, ana) is True

    assert unread(db, ana) == {ticket: False}
    assert reader.get_ticket(db, ticket, agent_id=ana.agent_id)["unread"] is False


def test_without_an_agent_nothing_is_unread(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ticket = ingest(any_store, any_channel, msg("1@x")).ticket_id
    where = reader.compile_query(db, parse_query("status:open"), me_agent_id=None)
    assert [t["unread"] for t in reader.list_tickets(db, where)] == [False]
    assert reader.get_ticket(db, ticket)["unread"] is False


def test_marking_read_twice_writes_once(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana = agent(any_store, "ana@shop.test")
    ticket = ingest(any_store, any_channel, msg("1@x")).ticket_id
    assert mark_read(any_store, ticket, ana) is True
    first = db.all("SELECT read_at FROM readmark")
    assert mark_read(any_store, ticket, ana) is False
    assert db.all("SELECT read_at FROM readmark") == first


def test_customer_mail_after_the_mark_makes_it_unread_again(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana = agent(any_store, "ana@shop.test")
    ticket = ingest(any_store, any_channel, msg("1@x", day=1)).ticket_id
    mark_read(any_store, ticket, ana)
    again = ingest(any_store, any_channel, msg("2@x", in_reply_to="1@x", body="any news?", day=2))
    assert again.ticket_id == ticket
    assert unread(db, ana) == {ticket: True}
    assert mark_read(any_store, ticket, ana) is True
    assert unread(db, ana) == {ticket: False}


def test_mail_fetched_late_with_an_old_date_is_still_news(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    # Sync was off: the agent read the ticket, then a message dated before that arrives.
    ana = agent(any_store, "ana@shop.test")
    ticket = ingest(any_store, any_channel, msg("1@x", day=1)).ticket_id
    mark_read(any_store, ticket, ana)
    ingest(any_store, any_channel, msg("0@x", references=("1@x",), body="also this", day=1, hour=9))
    assert unread(db, ana) == {ticket: True}


def test_our_replies_and_notes_do_not_make_it_unread(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana = agent(any_store, "ana@shop.test")
    ticket = ingest(any_store, any_channel, msg("1@x", day=1)).ticket_id
    mark_read(any_store, ticket, ana)
    svc.add_note(any_store, ticket, "called the courier", ana)
    sent = msg("2@x", sender=SHOP, name="Shop", to="alice@example.com", in_reply_to="1@x", day=2)
    assert ingest(any_store, any_channel, sent).ticket_id == ticket
    assert unread(db, ana) == {ticket: False}


def test_a_ticket_with_no_customer_mail_is_never_unread(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana = agent(any_store, "ana@shop.test")
    opened_by_us = msg("1@x", sender=SHOP, name="Shop", to="bob@example.com", subject="Your order")
    ticket = ingest(any_store, any_channel, opened_by_us).ticket_id
    assert unread(db, ana) == {ticket: False}
    assert mark_read(any_store, ticket, ana) is False  # nothing to record


def test_read_state_is_per_agent(any_store: Store, any_channel: ChannelContext, db: ReadDb) -> None:
    ana, budi = agent(any_store, "ana@shop.test"), agent(any_store, "budi@shop.test")
    ticket = ingest(any_store, any_channel, msg("1@x")).ticket_id
    mark_read(any_store, ticket, ana)
    assert unread(db, ana) == {ticket: False}
    assert unread(db, budi) == {ticket: True}


def test_mark_unread(any_store: Store, any_channel: ChannelContext, db: ReadDb) -> None:
    ana = agent(any_store, "ana@shop.test")
    ticket = ingest(any_store, any_channel, msg("1@x")).ticket_id
    mark_read(any_store, ticket, ana)
    assert mark_unread(any_store, ticket, ana) is True
    assert unread(db, ana) == {ticket: True}
    assert mark_unread(any_store, ticket, ana) is False


def test_rules_and_sync_have_no_read_state(any_store: Store, any_channel: ChannelContext) -> None:
    ticket = ingest(any_store, any_channel, msg("1@x")).ticket_id
    assert mark_read(any_store, ticket, Actor(label="rule:auto")) is False
    assert mark_unread(any_store, ticket, Actor(label="sync:support")) is False


def test_unknown_ticket(any_store: Store) -> None:
    ana = agent(any_store, "ana@shop.test")
    with pytest.raises(NotFoundError, match="no ticket with id 42"):
        mark_read(any_store, 42, ana)
    with pytest.raises(NotFoundError, match="no ticket with id 42"):
        mark_unread(any_store, 42, ana)


def test_merging_brings_the_other_tickets_news(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana = agent(any_store, "ana@shop.test")
    older = ingest(any_store, any_channel, msg("1@x", day=1)).ticket_id
    mark_read(any_store, older, ana)
    newer = ingest(any_store, any_channel, msg("2@x", subject="Refund", day=2)).ticket_id
    assert unread(db, ana) == {older: False, newer: True}
    assert svc.merge(any_store, older, newer, ana) == older
    assert unread(db, ana, "status:open") == {older: True}
    shown = reader.get_ticket(db, older, agent_id=ana.agent_id)
    assert shown["last_inbound_at"] == "2026-03-02T10:00:00Z"


def test_unread_is_computed_for_the_page(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana = agent(any_store, "ana@shop.test")
    ids = [
        ingest(
            any_store, any_channel, msg(f"{day}@x", subject=f"s{day}", sender=f"c{day}@x.test")
        ).ticket_id
        for day in range(1, 6)
    ]
    for ticket in ids[::2]:
        mark_read(any_store, ticket, ana)
    where = reader.compile_query(db, parse_query("status:open"), me_agent_id=None)
    pages = [
        reader.list_tickets(db, where, limit=2, offset=offset, agent_id=ana.agent_id)
        for offset in (0, 2, 4)
    ]
    assert [[(t["id"], t["unread"]) for t in page] for page in pages] == [
        [(ids[4], False), (ids[3], True)],
        [(ids[2], False), (ids[1], True)],
        [(ids[0], False)],
    ]


def test_marking_an_already_read_ticket_takes_no_write_lock(
    store: Store, channel: ChannelContext
) -> None:
    # Opening a ticket must stay instant while the sync daemon holds the write lock.
    ana = agent(store, "ana@shop.test")
    ticket = ingest(store, channel, msg("1@x")).ticket_id
    mark_read(store, ticket, ana)
    path = sqlite_path(store.url)
    assert path is not None
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert mark_read(store, ticket, ana) is False
        assert time.monotonic() - started < 5  # not the busy wait (10 s and more)
    finally:
        writer.execute("ROLLBACK")
        writer.close()

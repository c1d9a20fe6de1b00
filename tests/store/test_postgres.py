"""The store is dialect-clean: migrations, ingest, services and queries on a real PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from deskterm.domain.query import parse_query
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import agent_actor
from deskterm.store import reader
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import Store, open_store
from deskterm.store.readdb import SqlAlchemyReadDb
from tests.conftest import ingest, msg
from tests.pgserver import postgres_bin, running_postgres


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    bindir = postgres_bin()
    if bindir is None:
        if os.environ.get("DESKTERM_REQUIRE_SERVERS") == "1":
            pytest.fail("PostgreSQL is not installed; .ci/run must install it")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    with running_postgres(bindir) as url:
        yield url


@pytest.fixture
def pg_store(pg_url: str, tmp_path: Path) -> Iterator[Store]:
    store = open_store(pg_url, data_dir=tmp_path)
    yield store
    with store.write_engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    store.close()


def test_postgres_store_end_to_end(pg_store: Store) -> None:
    assert pg_store.dialect == "postgresql"
    with pg_store.write() as session:
        row = ensure_channel(session, name="support", type="email", address="support@shop.test")
        actor = agent_actor(session, email="dewi@shop.test")
    assert row.id is not None
    channel = ChannelContext(
        id=row.id, name="support", type="email", own_addresses=frozenset({"support@shop.test"})
    )
    first = ingest(
        pg_store, channel, msg("1@x", subject="Refund please", body="the mug arrived broken")
    )
    reply = ingest(pg_store, channel, msg("2@x", in_reply_to="1@x", body="any news?", day=2))
    other = ingest(
        pg_store,
        channel,
        msg("3@x", sender="bob@b.test", subject="Invoice", body="send invoice", day=3),
    )
    assert first.ticket_id == reply.ticket_id != other.ticket_id
    assert ingest(
        pg_store, channel, msg("1@x", subject="Refund please", body="the mug arrived broken")
    ).duplicate
    svc.add_tags(pg_store, first.ticket_id, ["vip"], actor)
    svc.close(pg_store, other.ticket_id, actor)

    db = SqlAlchemyReadDb(pg_store.url)
    try:

        def ids(query: str) -> list[int]:
            where = reader.compile_query(db, parse_query(query), me_agent_id=None)
            return [t["id"] for t in reader.list_tickets(db, where)]

        assert ids("broken") == [first.ticket_id]
        assert ids("tag:vip status:open") == [first.ticket_id]
        assert ids("status:closed") == [other.ticket_id]
        assert ids("from:bob") == [other.ticket_id]
        assert ids("subject:refund OR invoice") == [other.ticket_id, first.ticket_id]
        assert ids("date:2026-03-02..2026-03-02") == [first.ticket_id]
        shown = reader.get_ticket(db, first.ticket_id)
        assert [m["body_text"] for m in shown["messages"]] == [
            "the mug arrived broken",
            "any news?",
        ]
        assert shown["tags"] == ["vip"] and shown["created_at"].endswith("Z")
    finally:
        db.close()

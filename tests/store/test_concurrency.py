"""Sync and UI writers at the same time never hit "database is locked" (reliability.md 11)."""

from __future__ import annotations

import threading
from pathlib import Path

from deskterm.domain.query import parse_query
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import agent_actor
from deskterm.store import reader
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import open_store
from deskterm.store.readdb import open_read
from deskterm.sync.batch import BatchTotals, ingest_batch
from tests.conftest import msg

DURATION = 8.0  # seconds of contention; the 10-minute soak is a bench, not a test


def test_writers_and_readers_together_never_fail(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deskterm.db'}"
    setup = open_store(url)
    with setup.write() as session:
        row = ensure_channel(session, name="support", type="email", address="support@shop.test")
        actor = agent_actor(session, email="dewi@shop.test")
    assert row.id is not None
    channel = ChannelContext(id=row.id, name="support", type="email")
    seed = BatchTotals()
    ingest_batch(
        setup, channel, [msg(f"s{n}@x", sender=f"c{n}@x.test") for n in range(50)], seed, actor="t"
    )
    setup.close()
    errors: list[str] = []
    stop = threading.Event()
    counts = {"ingested": 0, "actions": 0, "reads": 0}

    def guarded(name: str, work: object) -> None:
        try:
            work()  # type: ignore[operator]
        except Exception as exc:
            errors.append(f"{name}: {exc.__class__.__name__}: {exc}")
            stop.set()

    def syncer() -> None:
        store = open_store(url)
        n = 0
        while not stop.is_set():
            batch = [msg(f"n{n + i}@x", sender=f"c{(n + i) % 80}@x.test") for i in range(20)]
            totals = BatchTotals()
            ingest_batch(store, channel, batch, totals, actor="sync:test", stop_on_failure=True)
            assert totals.failed == 0, totals.errors
            n += 20
            counts["ingested"] += 20
        store.close()

    def agent(offset: int) -> None:
        store = open_store(url)
        k = 0
        while not stop.is_set():
            ticket_id = 1 + (k * 7 + offset) % 50
            svc.add_tags(store, ticket_id, [f"t{k % 5}"], actor)
            svc.close(store, ticket_id, actor)
            svc.reopen(store, ticket_id, actor)
            k += 1
            counts["actions"] += 3
        store.close()

    def viewer() -> None:
        db = open_read(url)
        where = reader.compile_query(
            db, parse_query("status:open tag:t1 OR hello"), me_agent_id=None
        )
        while not stop.is_set():
            reader.list_tickets(db, where)
            counts["reads"] += 1
        db.close()

    threads = [
        threading.Thread(target=guarded, args=("sync", syncer)),
        threading.Thread(target=guarded, args=("agent1", lambda: agent(1))),
        threading.Thread(target=guarded, args=("agent2", lambda: agent(2))),
        threading.Thread(target=guarded, args=("viewer", viewer)),
    ]
    for thread in threads:
        thread.start()
    stop.wait(DURATION)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert counts["ingested"] >= 100 and counts["actions"] >= 30 and counts["reads"] >= 10, counts

"""Store fixtures for tests that must hold on both dialects: SQLite and a real PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from deskterm.ingest.context import ChannelContext
from deskterm.store.engine import Store, open_store
from deskterm.store.readdb import ReadDb, open_read
from tests.conftest import support_channel
from tests.pgserver import postgres_bin, running_postgres


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A private PostgreSQL server for the whole run (skipped when not installed)."""
    bindir = postgres_bin()
    if bindir is None:
        if os.environ.get("DESKTERM_REQUIRE_SERVERS") == "1":
            pytest.fail("PostgreSQL is not installed; .ci/run must install it")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    with running_postgres(bindir) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A freshly migrated store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{tmp_path / 'deskterm.db'}")
        yield store
        store.close()
        return
    store = open_store(request.getfixturevalue("pg_url"), data_dir=tmp_path)
    yield store
    with store.write_engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    store.close()


@pytest.fixture
def db(any_store: Store) -> Iterator[ReadDb]:
    """The fast read connection the TUI and CLI use, on ``any_store``."""
    read = open_read(any_store.url)
    yield read
    read.close()


@pytest.fixture
def any_channel(any_store: Store) -> ChannelContext:
    """The email channel of tests.conftest, on ``any_store``."""
    return support_channel(any_store)

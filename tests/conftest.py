"""Shared fixtures: a fresh migrated store, a channel, and message builders."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deskterm.domain.messages import InboundMessage, Party
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.pipeline import IngestResult, ingest_message
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import Store, open_store

SHOP = "support@shop.test"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: half again as many workers as cores. The TUI tests spend half their time
    waiting (pilot pauses, app timers), so two workers on two cores leave one idle."""
    return max(2, (os.cpu_count() or 1) * 3 // 2)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files holding a ``slow`` test run first. xdist hands out whole files (``--dist
    loadfile``) in collection order: a long file collected last would run alone at the
    end while the other workers wait (longest first is the classic fix)."""
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow)  # stable: order within kept


@pytest.fixture(autouse=True)
def _isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No test may read or write the real user's config, data or keyring.
    base = tmp_path_factory.mktemp("home")
    for var in ("CONFIG", "DATA", "CACHE", "LOG"):
        monkeypatch.setenv(f"DESKTERM_{var}_DIR", str(base / var.lower()))
    monkeypatch.delenv("DESKTERM_CONFIG", raising=False)


@pytest.fixture(autouse=True)
def _default_labelling() -> Iterator[None]:
    """Labelling settings are process-wide: start and end every test on the defaults."""
    from deskterm.config.classify_section import ClassifyConfig
    from deskterm.sync.labelling import forget, use_settings

    use_settings(ClassifyConfig())
    forget()
    yield
    use_settings(ClassifyConfig())
    forget()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A freshly migrated SQLite store in a temp dir."""
    opened = open_store(f"sqlite:///{tmp_path / 'deskterm.db'}")
    yield opened
    opened.close()


@pytest.fixture
def channel(store: Store) -> ChannelContext:
    """An email channel whose own address is SHOP, with a no-reply form sender."""
    return support_channel(store)


def support_channel(store: Store) -> ChannelContext:
    """The "support" email channel (own address SHOP, a no-reply form sender) in ``store``."""
    with store.write() as session:
        row = ensure_channel(session, name="support", type="email", address=SHOP)
        assert row.id is not None
        return ChannelContext(
            id=row.id,
            name="support",
            type="email",
            own_addresses=frozenset({SHOP}),
            noreply_addresses=frozenset({"no-reply@shop.test"}),
        )


def msg(
    mid: str,
    *,
    sender: str = "alice@example.com",
    name: str = "Alice",
    to: str = SHOP,
    subject: str = "Where is my order?",
    body: str = "Hello",
    day: int = 1,
    hour: int = 10,
    in_reply_to: str = "",
    references: tuple[str, ...] = (),
    reply_to: str = "",
) -> InboundMessage:
    """A normalised email message for ingest tests."""
    return InboundMessage(
        external_id=mid,
        content_hash=hashlib.sha256(f"{mid}|{body}|{sender}".encode()).hexdigest(),
        subject=subject,
        sender=Party(name, sender),
        recipients=[Party("", to)],
        reply_to=[Party("", reply_to)] if reply_to else [],
        sent_at=datetime(2026, 3, day, hour, tzinfo=UTC),
        body_text=body,
        in_reply_to=in_reply_to,
        references=list(references),
    )


def ingest(store: Store, channel: ChannelContext, message: InboundMessage) -> IngestResult:
    """Ingest one message in its own transaction."""
    with store.write() as session:
        return ingest_message(
            session, channel, message, blob_root=store.attachments_dir(), actor="test"
        )

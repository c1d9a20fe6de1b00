"""``deskterm import mbox``: every message goes through the same ingest path as sync."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from deskterm.channels.email.mime import parse_message
from deskterm.channels.mbox import iter_mbox
from deskterm.ingest.context import ChannelContext
from deskterm.store.engine import Store, refresh_statistics
from deskterm.sync.batch import BatchTotals, ingest_batch

BATCH_SIZE = 200  # messages per transaction: a crash re-imports at most one batch
ANALYZE_AFTER = 1000  # new messages after which the query planner's statistics are refreshed


@dataclass
class ImportSummary(BatchTotals):
    """What one import did; printed by the CLI and returned as JSON."""

    channel: str = ""


def import_mbox(
    store: Store,
    channel: ChannelContext,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import every message of the mbox at ``path`` into ``channel``; safe to re-run."""
    return import_raw_messages(store, channel, iter_mbox(path), progress=progress)


def import_raw_messages(
    store: Store,
    channel: ChannelContext,
    messages: Iterable[bytes],
    *,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Parse and ingest raw RFC 822 messages in batches of one transaction each."""
    summary = ImportSummary(channel=channel.name)
    actor = f"import:{channel.name}"
    batch: list[bytes] = []

    def flush() -> None:
        ingest_batch(store, channel, [parse_message(raw) for raw in batch], summary, actor=actor)
        batch.clear()
        if progress:
            progress(summary.seen)

    for raw in messages:
        batch.append(raw)
        if len(batch) >= BATCH_SIZE:
            flush()
    if batch:
        flush()
    if summary.imported >= ANALYZE_AFTER:
        refresh_statistics(store)
    return summary

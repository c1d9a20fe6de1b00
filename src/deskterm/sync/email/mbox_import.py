"""``deskterm import mbox``: every message goes through the same ingest path as sync."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from deskterm.channels.email.mime import parse_message
from deskterm.channels.mbox import iter_mbox
from deskterm.domain.errors import StoreFaultError
from deskterm.ingest.context import ChannelContext
from deskterm.store.engine import Store, refresh_statistics
from deskterm.sync.batch import BatchSizer, BatchTotals, ingest_batch

log = logging.getLogger(__name__)

# Messages per transaction start here and adapt to ~0.5 s each (BatchSizer): a crash
# re-imports at most one batch, and other writers get in between batches.
BATCH_SIZE = 200
ANALYZE_AFTER = 1000  # new messages after which the query planner's statistics are refreshed


@dataclass
class ImportSummary(BatchTotals):
    """What one import did; printed by the CLI and returned as JSON."""

    channel: str = ""

    @property
    def stored(self) -> int:
        """Messages now safely in the store (new or already there)."""
        return self.imported + self.duplicates


class ImportStoppedError(StoreFaultError):
    """The store failed under the import (full disk, damage, lock held too long).

    Every batch before ``summary.stored`` is committed; a re-run skips those and
    imports the rest.
    """

    def __init__(self, fault: StoreFaultError, summary: ImportSummary) -> None:
        super().__init__(str(fault))
        self.fault = fault
        self.summary = summary


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
    """Parse and ingest raw RFC 822 messages in batches of one transaction each.

    Raises ImportStoppedError at the first store fault (e.g. a full disk), with what
    was stored until then.
    """
    summary = ImportSummary(channel=channel.name)
    actor = f"import:{channel.name}"
    batch: list[bytes] = []
    sizer = BatchSizer(size=BATCH_SIZE)

    def flush() -> None:
        parsed = [parse_message(raw) for raw in batch]  # outside the write transaction
        started = time.monotonic()
        ingest_batch(store, channel, parsed, summary, actor=actor)
        sizer.record(len(batch), time.monotonic() - started)
        batch.clear()
        if progress:
            progress(summary.seen)

    try:
        for raw in messages:
            batch.append(raw)
            if len(batch) >= sizer.size:
                flush()
        if batch:
            flush()
    except StoreFaultError as exc:
        raise ImportStoppedError(exc, summary) from exc
    if summary.imported >= ANALYZE_AFTER:
        try:
            refresh_statistics(store)
        except StoreFaultError as exc:  # statistics only speed queries up; the mail is in
            log.warning("query statistics not refreshed: %s", exc)
    return summary

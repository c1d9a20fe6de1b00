"""``deskterm import mbox``: every message goes through the same ingest path as sync."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from deskterm.channels.email.mime import content_hash, parse_message
from deskterm.channels.mbox import iter_mbox
from deskterm.domain.enums import ParseStatus
from deskterm.domain.messages import InboundMessage
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.pipeline import IngestResult, ingest_message
from deskterm.store.engine import Store, refresh_statistics

log = logging.getLogger(__name__)

BATCH_SIZE = 200  # messages per transaction: a crash re-imports at most one batch
ANALYZE_AFTER = 1000  # new messages after which the query planner's statistics are refreshed


@dataclass
class ImportSummary:
    """What one import did; printed by the CLI and returned as JSON."""

    channel: str
    seen: int = 0
    imported: int = 0
    duplicates: int = 0
    tickets_created: int = 0
    tickets_reopened: int = 0
    unparsed: int = 0  # stored raw with a failed/partial parse status
    failed: int = 0  # could not be stored at all (see errors)
    errors: list[str] = field(default_factory=list)

    def count(self, result: IngestResult, message: InboundMessage) -> None:
        """Add one ingest outcome to the totals."""
        if result.duplicate:
            self.duplicates += 1
            return
        self.imported += 1
        self.tickets_created += result.ticket_created
        self.tickets_reopened += result.ticket_reopened
        self.unparsed += message.parse_status is not ParseStatus.OK


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
    batch: list[bytes] = []
    for raw in messages:
        batch.append(raw)
        if len(batch) >= BATCH_SIZE:
            _import_batch(store, channel, batch, summary)
            batch = []
            if progress:
                progress(summary.seen)
    if batch:
        _import_batch(store, channel, batch, summary)
        if progress:
            progress(summary.seen)
    if summary.imported >= ANALYZE_AFTER:
        refresh_statistics(store)
    return summary


def _parse(raw: bytes) -> InboundMessage:
    message = parse_message(raw)
    if not message.content_hash:
        message.content_hash = content_hash(raw)
    return message


def _import_batch(
    store: Store, channel: ChannelContext, batch: list[bytes], summary: ImportSummary
) -> None:
    parsed = [_parse(raw) for raw in batch]
    summary.seen += len(parsed)
    actor = f"import:{channel.name}"
    try:
        outcomes: list[tuple[IngestResult, InboundMessage]] = []
        with store.write() as session:
            for message in parsed:
                result = ingest_message(
                    session, channel, message, blob_root=store.attachments_dir(), actor=actor
                )
                outcomes.append((result, message))
        for result, message in outcomes:
            summary.count(result, message)
        return
    except Exception as exc:  # one bad row must not cost the batch: retry one by one
        log.warning("batch failed (%s); retrying its messages one at a time", exc)
    for message in parsed:
        try:
            with store.write() as session:
                result = ingest_message(
                    session, channel, message, blob_root=store.attachments_dir(), actor=actor
                )
            summary.count(result, message)
        except Exception as exc:
            summary.failed += 1
            summary.errors.append(f"{message.external_id}: {exc.__class__.__name__}: {exc}")

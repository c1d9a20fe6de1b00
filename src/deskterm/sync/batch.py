"""Ingest a batch of parsed messages in one transaction, falling back to one at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from deskterm.domain.enums import ParseStatus
from deskterm.domain.errors import StoreFaultError
from deskterm.domain.messages import InboundMessage
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.pipeline import IngestResult, ingest_message
from deskterm.store.engine import Store
from deskterm.store.faults import one_line

log = logging.getLogger(__name__)

# Called inside the transaction that stored messages[:n], e.g. to advance a sync cursor
# in the SAME transaction as the messages it covers (channels.md).
Checkpoint = Callable[[Session, int], None]


@dataclass
class BatchTotals:
    """Running totals over every batch of one import or sync pass."""

    seen: int = 0
    imported: int = 0
    duplicates: int = 0
    tickets_created: int = 0
    tickets_updated: int = 0
    tickets_reopened: int = 0
    unparsed: int = 0  # stored raw with a failed/partial parse status
    failed: int = 0  # could not be stored at all (see errors)
    errors: list[str] = field(default_factory=list)

    def count(self, result: IngestResult, message: InboundMessage) -> None:
        """Add one ingest outcome."""
        if result.duplicate:
            self.duplicates += 1
            return
        self.imported += 1
        self.tickets_created += result.ticket_created
        self.tickets_updated += not result.ticket_created
        self.tickets_reopened += result.ticket_reopened
        self.unparsed += message.parse_status is not ParseStatus.OK


@dataclass
class BatchSizer:
    """Messages per transaction for a long writer (import), adapted to take about
    ``target`` seconds each: enough to amortise the commit, short enough that other
    writers (a `tag`, the TUI, sync) get the store's write lock between batches."""

    size: int = 200
    target: float = 0.5
    smallest: int = 10
    largest: int = 1000

    def record(self, count: int, seconds: float) -> None:
        """Adjust after a batch of ``count`` messages took ``seconds`` to store."""
        if count <= 0 or seconds <= 0:
            return
        ideal = count * self.target / seconds
        # Halfway towards the ideal: one slow batch (a big attachment) does not swing it.
        self.size = max(self.smallest, min(self.largest, round((self.size + ideal) / 2)))


def ingest_batch(
    store: Store,
    channel: ChannelContext,
    messages: Sequence[InboundMessage],
    totals: BatchTotals,
    *,
    actor: str,
    checkpoint: Checkpoint | None = None,
    stop_on_failure: bool = False,
) -> int:
    """Store ``messages``; returns how many leading messages are safely stored.

    One transaction for the whole batch; if it fails, each message gets its own so a
    single bad row cannot cost the others. With ``stop_on_failure`` (sync), the first
    message that cannot be stored ends the batch so no cursor moves past it.
    A StoreFaultError (full disk, damaged or busy store) is no message's fault: it is
    raised at once, and the failed transaction stored nothing.
    A StoreFaultError (full disk, damaged or busy store) is no message's fault: it is
    raised at once, and the failed transaction stored nothing.
    """
    totals.seen += len(messages)
    try:
        outcomes: list[IngestResult] = []
        with store.write() as session:
            for message in messages:
                outcomes.append(_ingest(session, store, channel, message, actor))
            if checkpoint is not None:
                checkpoint(session, len(messages))
        for result, message in zip(outcomes, messages, strict=True):
            totals.count(result, message)
        return len(messages)
    except StoreFaultError:
        raise  # a full disk or damaged store: no message is at fault, stop here
    except Exception as exc:
        log.warning("batch failed (%s); retrying its messages one at a time", one_line(exc))
    for done, message in enumerate(messages):
        try:
            with store.write() as session:
                result = _ingest(session, store, channel, message, actor)
                if checkpoint is not None:
                    checkpoint(session, done + 1)
            totals.count(result, message)
        except StoreFaultError:
            raise
        except Exception as exc:
            totals.failed += 1
            totals.errors.append(
                f"{message.external_id}: {exc.__class__.__name__}: {one_line(exc)}"
            )
            if stop_on_failure:
                return done
    return len(messages)


def _ingest(
    session: Session, store: Store, channel: ChannelContext, message: InboundMessage, actor: str
) -> IngestResult:
    return ingest_message(session, channel, message, blob_root=store.attachments_dir(), actor=actor)

"""Ingest a batch of parsed messages in one transaction, falling back to one at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from deskterm.automation.classify.inputs import ClassifyInput
from deskterm.domain.enums import ParseStatus
from deskterm.domain.errors import StoreFaultError
from deskterm.domain.labels import MessageLabels
from deskterm.domain.messages import InboundMessage
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.fallback import fallback_forms
from deskterm.ingest.pipeline import IngestResult, ingest_message
from deskterm.store.engine import Store
from deskterm.sync.failures import (
    FALLBACK_AFTER,
    FailureLedger,
    MemoryLedger,
    describe_failure,
    is_store_fault,
)
from deskterm.sync.faults import injected_failure

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
    stored_raw: int = 0  # of those: stored raw because storing them normally failed twice
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
    ledger: FailureLedger | None = None,
) -> int:
    """Store ``messages``; returns how many leading messages are safely stored.

    One transaction for the whole batch; if it fails, each message gets its own so a
    single bad row cannot cost the others. A message that fails twice (counted by
    ``ledger``; across passes for sync) is stored raw instead (ingest.fallback). With
    ``stop_on_failure`` (sync), a message that cannot be stored ends the batch so no
    cursor moves past it; without it (import), a failing message is tried again at once.
    A StoreFaultError (full disk, damaged or busy store) is no message's fault: it is
    raised at once, and the failed transaction stored nothing.
    """
    totals.seen += len(messages)
    # Labelled before the transaction: classifying never holds the store's write lock.
    labels = label_messages(channel, messages)
    single = _OneByOne(
        store, channel, totals, actor, checkpoint, ledger or MemoryLedger(), labels=labels
    )
    # A message already known to fail is not retried inside the whole batch's transaction:
    # it would only roll back (and hold the write lock for) everything before it again.
    if not any(single.ledger.failures(index) for index in range(len(messages))):
        try:
            outcomes: list[IngestResult] = []
            with store.write() as session:
                for index, message in enumerate(messages):
                    outcomes.append(single.ingest(session, message, index))
                if checkpoint is not None:
                    checkpoint(session, len(messages))
            for result, message in zip(outcomes, messages, strict=True):
                totals.count(result, message)
            return len(messages)
        except StoreFaultError:
            raise  # a full disk or damaged store: no message is at fault, stop here
        except Exception as exc:
            log.warning(
                "batch failed (%s); retrying its messages one at a time", describe_failure(exc)
            )
    for done, message in enumerate(messages):
        if not single.store_one(done, message, stop_on_failure=stop_on_failure) and stop_on_failure:
            return done
    return len(messages)


@dataclass
class _OneByOne:
    """Storing one message in its own transaction, with the raw fallback after two failures."""

    store: Store
    channel: ChannelContext
    totals: BatchTotals
    actor: str
    checkpoint: Checkpoint | None
    ledger: FailureLedger
    labels: Sequence[MessageLabels | None] = ()

    def ingest(self, session: Session, message: InboundMessage, index: int) -> IngestResult:
        """The normal ingest path (where a test may inject a failure)."""
        injected_failure(message.external_id)
        labels = self.labels[index] if index < len(self.labels) else None
        return self._ingest(session, message, labels)

    def _ingest(
        self, session: Session, message: InboundMessage, labels: MessageLabels | None = None
    ) -> IngestResult:
        return _ingest(session, self.store, self.channel, message, self.actor, labels)

    def _commit(self, index: int, message: InboundMessage, *, fallback: bool) -> IngestResult:
        with self.store.write() as session:
            result = (
                self._ingest(session, message) if fallback else self.ingest(session, message, index)
            )
            if self.checkpoint is not None:
                self.checkpoint(session, index + 1)
        return result

    def store_one(self, index: int, message: InboundMessage, *, stop_on_failure: bool) -> bool:
        """True when the message (or its raw fallback) is stored."""
        while self.ledger.failures(index) < FALLBACK_AFTER:
            try:
                result = self._commit(index, message, fallback=False)
            except StoreFaultError:
                raise  # the whole writer stops; a re-run resumes
            except Exception as exc:
                reason = describe_failure(exc)
                if is_store_fault(exc):
                    # The store's fault, not the message's: never counted against it.
                    return self._failed(message, reason)
                try:
                    count = self.ledger.record(index, reason)
                except Exception as record_exc:
                    return self._failed(message, describe_failure(record_exc))
                log.warning(
                    "%s: message %s could not be stored (failure %d of %d): %s",
                    self.channel.name,
                    message.external_id,
                    count,
                    FALLBACK_AFTER,
                    reason,
                )
                if count < FALLBACK_AFTER and stop_on_failure:
                    return self._failed(message, reason)
                continue
            self.totals.count(result, message)
            return True
        return self._fallback(index, message)

    def _fallback(self, index: int, message: InboundMessage) -> bool:
        failure = ""
        for form in fallback_forms(message, self.ledger.reason(index) or "it failed twice"):
            try:
                result = self._commit(index, form, fallback=True)
            except StoreFaultError:
                raise
            except Exception as exc:
                failure = describe_failure(exc)
                if is_store_fault(exc):
                    break
                continue
            log.warning(
                "%s: message %s failed twice; stored raw (parse status %s)",
                self.channel.name,
                message.external_id,
                form.parse_status.value,
            )
            self.totals.count(result, form)
            self.totals.stored_raw += not result.duplicate
            return True
        return self._failed(message, failure)

    def _failed(self, message: InboundMessage, reason: str) -> bool:
        self.totals.failed += 1
        self.totals.errors.append(f"{message.external_id}: {reason}")
        return False


def _ingest(  # noqa: PLR0917 — one private call site, in the order ingest_message reads
    session: Session,
    store: Store,
    channel: ChannelContext,
    message: InboundMessage,
    actor: str,
    labels: MessageLabels | None,
) -> IngestResult:
    return ingest_message(
        session, channel, message, blob_root=store.attachments_dir(), actor=actor, labels=labels
    )


def label_messages(
    channel: ChannelContext, messages: Sequence[InboundMessage]
) -> list[MessageLabels | None]:
    """Labels for ``messages`` from the channel's labeller (all None when it has none)."""
    if channel.labeller is None or not messages:
        return [None] * len(messages)
    kind = "email" if channel.type == "email" else "chat"
    items = [
        ClassifyInput(
            text=message.body_text or message.body_html_text,
            subject=message.subject if kind == "email" else "",
            channel=kind,
            # Whose words these are is settled in ingest; here only what surely is not a
            # customer's skips the intent model (ingest drops the rest from the shop's).
            customer=not (message.outbound or message.platform_notice or message.auto_submitted),
        )
        for message in messages
    ]
    try:
        return channel.labeller.label(items)
    except Exception as exc:  # labels are never worth a message: store them unlabelled
        log.warning("%s: labelling failed (%s); stored unlabelled", channel.name, exc)
        return [None] * len(messages)

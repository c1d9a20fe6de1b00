"""Email sync: fetch new mail from each IMAP folder into the store, cursor in the same commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from deskterm.channels.email.imap import ImapMailbox
from deskterm.channels.email.mime import parse_message
from deskterm.channels.email.types import FetchedMail
from deskterm.config import EmailChannel
from deskterm.domain.errors import ChannelError
from deskterm.ingest.context import ChannelContext
from deskterm.store.engine import Store
from deskterm.sync.batch import ingest_batch
from deskterm.sync.cursors import load_cursor, save_cursor
from deskterm.sync.failures import CursorLedger, failing_entry
from deskterm.sync.faults import crash_point
from deskterm.sync.summary import ChannelSummary

log = logging.getLogger(__name__)

FETCH_BATCH = 100


def folder_scope(folder: str) -> str:
    """The cursor scope name of an IMAP folder."""
    return f"imap:{folder}"


def sync_folder(
    store: Store,
    mailbox: ImapMailbox,
    channel: ChannelContext,
    folder: str,
    summary: ChannelSummary,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Fetch every message after the folder's cursor; each batch commits with its cursor."""
    status = mailbox.status(folder)
    scope = folder_scope(folder)
    with store.read() as session:
        cursor = load_cursor(session, channel.id, scope)
    last_uid = int(cursor.get("last_uid", 0))
    remapped = bool(cursor) and cursor.get("uidvalidity") != status.uidvalidity
    if remapped:
        # Stored UIDs mean nothing now. Fetch everything again: ingest dedupes on
        # Message-ID + content hash, so nothing is lost or doubled (reliability.md 9).
        log.warning(
            "%s/%s: UIDVALIDITY changed (%s -> %s); re-mapping by Message-ID and content",
            channel.name,
            folder,
            cursor.get("uidvalidity"),
            status.uidvalidity,
        )
        last_uid = 0
    elif cursor and last_uid >= status.uidnext - 1:
        return  # nothing new: the EXAMINE was the only round trip
    total = max(status.uidnext - 1 - last_uid, 0)
    done = 0
    moved = False
    actor = f"sync:{channel.name}"

    def position(uid: int) -> dict[str, Any]:
        return {
            "uidvalidity": status.uidvalidity,
            "last_uid": uid,
            "highestmodseq": status.highestmodseq,
        }

    # A message that failed on an earlier pass (the one right after the cursor): its count
    # lives in the cursor row, so a restart does not give it endless first chances.
    failing = None if remapped else failing_entry(cursor)
    start_value = position(last_uid)

    # uidvalidity= makes the adapter stop if the numbering changes mid-pass, so no cursor
    # ever records new-numbering UIDs under the old UIDVALIDITY.
    for fetched in mailbox.fetch_new(
        folder, last_uid, batch=FETCH_BATCH, uidvalidity=status.uidvalidity
    ):
        parsed = [parse_message(mail.raw) for mail in fetched]
        crash_point("sync.fetched")

        def checkpoint(session: Session, stored: int, batch: list[FetchedMail] = fetched) -> None:
            save_cursor(session, channel.id, scope, position(batch[stored - 1].uid))
            crash_point("sync.stored")

        ledger = CursorLedger(
            store,
            channel.id,
            scope,
            [f"{status.uidvalidity}:{mail.uid}" for mail in fetched],
            start=lambda: start_value,
            failing=failing,
        )
        stored = ingest_batch(
            store,
            channel,
            parsed,
            summary,
            actor=actor,
            checkpoint=checkpoint,
            stop_on_failure=True,
            ledger=ledger,
        )
        crash_point("sync.committed")
        moved = moved or stored > 0
        done += len(fetched)
        if progress:
            progress(done, total)
        if stored < len(fetched):
            raise ChannelError(
                f"message uid {fetched[stored].uid} could not be stored;"
                " it will be retried on the next pass (and stored raw if it fails again)"
            )
    if not moved and (remapped or not cursor):
        # Nothing fetched, but the folder's UIDVALIDITY must still be remembered.
        with store.write() as session:
            save_cursor(session, channel.id, scope, position(last_uid))


def sync_email_channel(
    store: Store,
    config: EmailChannel,
    channel: ChannelContext,
    mailbox: ImapMailbox,
    summary: ChannelSummary,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """One pass over every configured folder; a failing folder does not stop the others."""
    for folder in config.imap.folders:
        try:
            sync_folder(store, mailbox, channel, folder, summary, progress=progress)
        except ChannelError as exc:
            summary.problems.append(f"{folder}: {exc}")

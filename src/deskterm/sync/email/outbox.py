"""Outbox delivery: each queued reply is sent exactly once, with every outcome recorded.

States (reliability.md 12): queued -> sending -> sent | failed | unknown. The state is
committed BEFORE the network step it describes, so a process killed at any point is
found again: a row left in ``sending`` may or may not have been delivered and becomes
``unknown``; an unknown delivery is looked up in the Sent folder by its Message-ID
before it is ever sent again (with the same Message-ID).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from deskterm.channels.email.compose import ComposeError, build_reply
from deskterm.channels.email.imap import ImapMailbox
from deskterm.channels.email.smtp import send_message
from deskterm.channels.email.types import SendOutcome, SendResult
from deskterm.config import EmailChannel
from deskterm.domain.enums import OutboxState
from deskterm.domain.errors import ChannelError
from deskterm.domain.files_to_send import FileToSend
from deskterm.domain.messages import Party
from deskterm.store.blobs import get_blob
from deskterm.store.engine import Store
from deskterm.store.tables import (
    Agent,
    Attachment,
    Message,
    MessageRaw,
    Outbox,
    as_utc,
    utcnow,
)
from deskterm.sync.faults import crash_point
from deskterm.sync.outbox_state import (
    MAX_ATTEMPTS,
    backoff,
    due_rows,
    recover_interrupted,
    set_state,
)
from deskterm.sync.summary import ChannelSummary

log = logging.getLogger(__name__)

MailboxFactory = Callable[[], ImapMailbox]


@dataclass
class _Pending:
    """What the sender needs from one outbox row, read in its own short transaction."""

    id: int
    ticket_id: int
    message_id: int | None
    to: str
    subject: str
    body: str
    external_id: str
    created_at: datetime
    attempts: int
    agent_name: str
    in_reply_to: str
    references: list[str]
    auto: bool = False  # a rule's reply: sent with Auto-Submitted: auto-replied (RFC 3834)
    wrote_to: str = ""  # To and Cc of the customer's message it answers: picks the alias
    files: tuple[tuple[str, str, str], ...] = ()  # (filename, content type, sha256) it carries


def _load(store: Store, outbox_id: int) -> _Pending:
    with store.read() as session:
        row = session.get(Outbox, outbox_id)
        assert row is not None and row.id is not None
        agent = session.get(Agent, row.agent_id) if row.agent_id else None
        message = session.get(Message, row.message_id) if row.message_id else None
        answered = (
            session.get(Message, row.reply_to_message_id) if row.reply_to_message_id else None
        )
        files = (
            session.exec(
                select(Attachment)
                .where(Attachment.message_id == row.message_id)
                .order_by(col(Attachment.id))
            ).all()
            if message is not None and message.has_attachments
            else []
        )
        return _Pending(
            id=row.id,
            ticket_id=row.ticket_id,
            message_id=row.message_id,
            to=row.to,
            subject=row.subject,
            body=row.body_text,
            external_id=row.external_id,
            created_at=as_utc(row.created_at),
            attempts=row.attempts,
            agent_name=agent.name if agent else "",
            in_reply_to=message.in_reply_to if message else "",
            references=message.references.split() if message else [],
            auto=bool(message and message.auto_submitted),
            wrote_to=answered.recipients if answered else "",
            files=tuple((f.filename, f.content_type, f.sha256) for f in files),
        )


def render(config: EmailChannel, pending: _Pending, blobs: Path) -> bytes:
    """The exact bytes of a reply; identical on every attempt (same id, same date, the
    same files read back from the attachment store ``blobs``)."""
    files = []
    for name, kind, digest in pending.files:
        try:
            files.append(FileToSend(name, kind, get_blob(blobs, digest)))
        except OSError as exc:  # the attachment store lost it: fail this reply, say which
            raise ComposeError(f"attached file {name!r} cannot be read back: {exc}") from None
    return build_reply(
        sender=Party(config.sender_name(), config.reply_address(pending.wrote_to)),
        to=[Party("", pending.to)],
        subject=pending.subject,
        body=pending.body,
        message_id=pending.external_id,
        in_reply_to=pending.in_reply_to,
        references=pending.references,
        date=pending.created_at,
        auto=pending.auto,
        attachments=files,
    )


class OutboxSender:
    """Delivers one email channel's outbox; the IMAP connection is opened only when needed."""

    def __init__(
        self,
        store: Store,
        config: EmailChannel,
        channel_id: int,
        password: str,
        mailbox: MailboxFactory,
        *,
        send: Callable[..., SendResult] = send_message,
    ) -> None:
        self.store = store
        self.config = config
        self.channel_id = channel_id
        self.password = password
        self._mailbox_factory = mailbox
        self._mailbox: ImapMailbox | None = None
        self._send = send

    def mailbox(self) -> ImapMailbox:
        """A connected IMAP mailbox (Sent folder lookups and copies)."""
        if self._mailbox is None:
            self._mailbox = self._mailbox_factory()
        return self._mailbox

    def close(self) -> None:
        """Close the IMAP connection if one was opened."""
        if self._mailbox is not None:
            self._mailbox.close()
            self._mailbox = None

    def sent_folder(self) -> str | None:
        """The folder our replies are filed in, if there is one."""
        return self.config.imap.sent_folder or self.mailbox().sent_folder()

    def in_sent_folder(self, external_id: str) -> bool:
        """True when a message with ``external_id`` is already in the Sent folder."""
        folder = self.sent_folder()
        return bool(folder) and bool(self.mailbox().search_message_id(folder, external_id))  # type: ignore[arg-type]

    def recover(self) -> int:
        """Turn rows a dead process left in ``sending`` into ``unknown``; run once at start."""
        return recover_interrupted(self.store, self.channel_id)

    def run(
        self, summary: ChannelSummary, now: datetime | None = None, *, recover: bool = True
    ) -> None:
        """Resolve unknown deliveries, then send every due reply once."""
        now = now or utcnow()
        if recover:
            self.recover()
        for outbox_id in due_rows(self.store, self.channel_id, OutboxState.UNKNOWN, now):
            self._resolve_unknown(outbox_id, summary)
        for outbox_id in due_rows(self.store, self.channel_id, OutboxState.QUEUED, now):
            self._deliver(outbox_id, summary)

    def _resolve_unknown(self, outbox_id: int, summary: ChannelSummary) -> None:
        pending = _load(self.store, outbox_id)
        try:
            found = self.in_sent_folder(pending.external_id)
        except ChannelError as exc:
            summary.problems.append(f"cannot check the Sent folder for reply {outbox_id}: {exc}")
            return  # stays unknown: never resend blind
        if found:
            set_state(self.store, outbox_id, OutboxState.SENT, sent_at=utcnow(), last_error="")
            summary.sent += 1
        else:
            set_state(
                self.store,
                outbox_id,
                OutboxState.QUEUED,
                next_attempt_at=utcnow(),
                last_error="earlier delivery not confirmed; resending with the same Message-ID",
            )
            self._deliver(outbox_id, summary)

    def _deliver(self, outbox_id: int, summary: ChannelSummary) -> None:
        pending = _load(self.store, outbox_id)
        try:
            raw = render(self.config, pending, self.store.attachments_dir())
        except Exception as exc:  # one reply fails, the queue goes on
            # ComposeError: e.g. an address no SMTP server would take. Anything else is a
            # bug building this one reply: it must not hold up every later reply.
            if not isinstance(exc, ComposeError):
                log.exception("%s: reply %s could not be built", self.config.name, outbox_id)
            set_state(self.store, outbox_id, OutboxState.FAILED, last_error=str(exc))
            summary.send_failed += 1
            summary.problems.append(f"reply {outbox_id} failed: {exc}")
            return
        set_state(self.store, outbox_id, OutboxState.SENDING, attempts=pending.attempts + 1)
        crash_point("outbox.sending")
        result = self._send(
            self.config.smtp,
            self.password,
            sender=self.config.reply_address(pending.wrote_to),
            recipients=[pending.to],
            raw=raw,
        )
        if result.outcome is SendOutcome.SENT:
            crash_point("outbox.accepted")
            copy_error = self._file_copy(raw)
            crash_point("outbox.filed")
            self._record_sent(pending, raw, copy_error)
            crash_point("outbox.sent")
            summary.sent += 1
        elif result.outcome is SendOutcome.TEMPORARY and pending.attempts + 1 < MAX_ATTEMPTS:
            set_state(
                self.store,
                outbox_id,
                OutboxState.QUEUED,
                last_error=result.detail,
                next_attempt_at=utcnow() + backoff(pending.attempts + 1),
            )
        elif result.outcome is SendOutcome.UNKNOWN:
            set_state(self.store, outbox_id, OutboxState.UNKNOWN, last_error=result.detail)
            summary.problems.append(
                f"reply {outbox_id}: delivery unknown ({result.detail});"
                " the Sent folder is checked before any resend"
            )
        else:
            set_state(self.store, outbox_id, OutboxState.FAILED, last_error=result.detail)
            summary.send_failed += 1
            summary.problems.append(f"reply {outbox_id} failed: {result.detail}")

    def _file_copy(self, raw: bytes) -> str:
        """APPEND our copy to the Sent folder unless the server files it itself."""
        if self.config.sent_copy == "none" or self.config.files_sent_copy():
            return ""
        try:
            folder = self.sent_folder()
            if folder is None:
                return "no Sent folder found; set imap.sent_folder to keep copies"
            self.mailbox().append(folder, raw)
        except ChannelError as exc:
            log.warning("%s: could not file the sent copy: %s", self.config.name, exc)
            return f"sent, but the copy could not be filed in Sent: {exc}"
        return ""

    def _record_sent(self, pending: _Pending, raw: bytes, copy_error: str) -> None:
        set_state(self.store, pending.id, OutboxState.SENT, sent_at=utcnow(), last_error=copy_error)
        if pending.message_id is not None:
            with self.store.write() as session:
                if session.get(MessageRaw, pending.message_id) is None:
                    session.add(
                        MessageRaw(
                            message_id=pending.message_id, format="rfc822", data=zlib.compress(raw)
                        )
                    )

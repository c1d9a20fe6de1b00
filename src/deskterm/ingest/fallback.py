"""Plainer copies of a message that could not be stored normally: "store it raw and move on".

A message whose ingest failed twice is stored in a simpler form instead, so that it (and
every message after it) still reaches the store; README promises that no message is lost
for being odd. Each form drops more of what ingest could choke on; the raw bytes, the
channel's id and the content hash are always kept, so a later re-fetch is a duplicate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from deskterm.domain.enums import ParseStatus
from deskterm.domain.messages import InboundMessage, Party
from deskterm.ingest.threading import capped_references

MAX_FALLBACK_TEXT = 1_000_000  # characters of body text kept in the simpler form
FALLBACK_THREAD_IDS = 5
MAX_REASON_CHARS = 300


def fallback_forms(message: InboundMessage, reason: str) -> Iterator[InboundMessage]:
    """The simpler forms to try, in order: text kept, then hardly more than the raw bytes."""
    why = f"could not be stored normally ({reason[:MAX_REASON_CHARS]}); stored raw"
    # Text, sender and a few thread ids kept; attachments (still in the raw bytes), contact
    # hints and the long tail of References dropped.
    yield dataclasses.replace(
        message,
        sender=_plain(message.sender),
        recipients=[_plain(p) for p in message.recipients[:20]],
        cc=[],
        reply_to=[_plain(p) for p in message.reply_to[:1]],
        body_text=message.body_text[:MAX_FALLBACK_TEXT],
        body_html_text=message.body_html_text[:MAX_FALLBACK_TEXT],
        references=capped_references(message.references, FALLBACK_THREAD_IDS),
        attachments=[],
        headers={},
        parse_status=ParseStatus.PARTIAL,
        parse_error=_joined(message.parse_error, why + " without its attachments"),
    )
    # Nothing but the subject and the raw bytes: no customer, no threading, no text.
    yield dataclasses.replace(
        message,
        sender=Party(message.sender.name[:200], "", message.sender.kind),
        recipients=[],
        cc=[],
        reply_to=[],
        body_text="",
        body_html_text="",
        in_reply_to="",
        references=[],
        attachments=[],
        headers={},
        parse_status=ParseStatus.FAILED,
        parse_error=_joined(message.parse_error, why + "; only the raw bytes are kept"),
    )


def _plain(party: Party) -> Party:
    return Party(party.name, party.handle, party.kind)


def _joined(earlier: str, note: str) -> str:
    return f"{earlier}; {note}" if earlier else note

"""The part of a message the classifier reads: the customer's new words, and the subject."""

from __future__ import annotations

import re

from deskterm.domain.quoting import split_reply

_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|tr|rv|enc|res|balas)\s*:\s*)+", re.IGNORECASE)
# A marketplace card as deskterm writes it (channels/chat/cards.py: "[Order 5791…] 2 items
# · Rp129.000", "[Image] https://…"): a platform's widget, not the buyer's words.
_CARD_LINE = re.compile(
    r"^\[(?:Order|Return/refund|Product|Image|Video|Sticker|Voucher|Follow the shop"
    r"|Unsupported message)\b[^\]\n]*\].*$",
    re.MULTILINE,
)
MAX_CHARS = 4000  # the first screenful says what a message wants; a pasted log does not


def classifiable_text(body: str, subject: str = "") -> str:
    """``body`` without quoted history and the mail client's signature, after its subject.

    The subject loses its "Re:"; the body is cut to ``MAX_CHARS`` so one huge message
    costs no more than a normal one.
    """
    fresh, _folded = split_reply(body[: MAX_CHARS * 4], direction="in")
    fresh = _CARD_LINE.sub("", fresh).strip()
    topic = _REPLY_PREFIX.sub("", subject).strip()
    text = f"{topic}\n{fresh}" if topic else fresh
    return text[:MAX_CHARS]

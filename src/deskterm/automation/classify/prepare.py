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


def new_words(body: str) -> str:
    """The customer's own new words in ``body``: no quoted history, no mail-client
    signature, no marketplace card."""
    fresh, _folded = split_reply(body[: MAX_CHARS * 2], direction="in")
    return _CARD_LINE.sub("", fresh).strip()[:MAX_CHARS]


def topic_of(subject: str) -> str:
    """The subject without its "Re:"/"Fwd:" prefixes."""
    return _REPLY_PREFIX.sub("", subject).strip()


def with_subject(words: str, subject: str) -> str:
    """The text the intent model reads: the subject without its "Re:", then the words."""
    topic = topic_of(subject)
    text = f"{topic}\n{words}" if topic else words
    return text[:MAX_CHARS]


def classifiable_text(body: str, subject: str = "") -> str:
    """``body`` without quoted history and the mail client's signature, after its subject.

    The subject loses its "Re:"; the body is cut to ``MAX_CHARS`` so one huge message
    costs no more than a normal one.
    """
    return with_subject(new_words(body), subject)

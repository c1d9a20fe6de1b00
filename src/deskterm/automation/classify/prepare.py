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

# The sign-off a customer types under a message ("Thanks,\nLaura Brooks"). domain.quoting
# keeps it on screen (it is the customer's text); the classifier drops it because a name
# reads as letter shapes ("Brooks" shares "bro" with "broken"). Hand-written: reply
# parsers either miss these closings in our languages or take whole lines of text with them.
_SIGN_OFF = re.compile(
    r"^(?:(?:many |kind |best |warm |with )?(?:thanks|thank you|regards|wishes)(?: again)?"
    r"|best|cheers|sincerely|yours(?: truly| sincerely)?|salam(?: hormat| mesra)?"
    r"|hormat saya|terima ?kasih|makasih|wassalam|obrigad[oa]|atenciosamente|att|abra[çc]os"
    r"|(?:um|un) abra[çc]o|saludos(?: cordiales)?|un saludo|gracias|muchas gracias|atte"
    r"|cordialmente|c[ảa]m [ơo]n(?: shop)?|tr[âa]n tr[ọo]ng|th[âa]n|salamat(?: po)?)[,.]?$",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^(?:[^\W\d_][\w'’.-]*|&)$")
_NAME_CONNECTORS = frozenset({"de", "da", "do", "dos", "das", "del", "van", "bin", "binti", "al"})
_CONTACT = re.compile(
    r"^(?:(?:tel|phone|hp|wa|whatsapp|fone|m)[.:]?\s*)?\+?[\d\s().-]{7,}$|@|https?://"
)
_MAX_NAME_LINES = 3


def new_words(body: str) -> str:
    """The customer's own new words in ``body``: no quoted history, no mail-client
    signature, no marketplace card."""
    fresh, _folded = split_reply(body[: MAX_CHARS * 2], direction="in")
    return _without_sign_off(_CARD_LINE.sub("", fresh).strip())[:MAX_CHARS]


def _without_sign_off(text: str) -> str:
    """``text`` without a closing name block: up to three name or contact lines at the
    end, after a blank line or a sign-off line ("Regards,"), which goes with them."""
    lines = text.splitlines()
    end = len(lines)
    while end > 0 and len(lines) - end < _MAX_NAME_LINES and _is_name_or_contact(lines[end - 1]):
        end -= 1
    if end == len(lines) or end == 0:
        return text
    above = lines[end - 1].strip()
    if _SIGN_OFF.match(above):
        end -= 1
    elif above:
        return text  # "ok\nDewi": no break before the name, so it may be the message
    elif any(len(line.split()) > 3 for line in lines[end:]):
        return text  # without "Regards," a four-word line may be a title-case sentence
    kept = "\n".join(lines[:end]).rstrip()
    return kept if len(kept.split()) >= 3 else text


def _is_name_or_contact(line: str) -> bool:
    line = line.strip()
    if not line or len(line) > 40:
        return False
    if _CONTACT.search(line):
        return True
    words = line.split()
    return len(words) <= 5 and all(_is_name_word(word) for word in words)


def _is_name_word(word: str) -> bool:
    """A word of a name: "Laura", "Đỗ", "O'Brien", "J.", "da" (in "Maria da Silva")."""
    if word in _NAME_CONNECTORS:
        return True
    return bool(_NAME_WORD.match(word)) and (word[0].isupper() or not word[0].isalpha())


def topic_of(subject: str) -> str:
    """The subject without its "Re:"/"Fwd:" prefixes."""
    return _REPLY_PREFIX.sub("", subject).strip()


def is_reply_subject(subject: str) -> bool:
    """True for "Re: ..." and the like: the thread's topic, not the customer's new words."""
    return _REPLY_PREFIX.match(subject) is not None


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

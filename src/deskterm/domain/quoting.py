"""Fold a message body into the new text and what sits below it: quoted history, signature.

Used by conversation views to collapse what the customer quoted (kept in the store, only
hidden). mail-parser-reply knows the "On ... wrote:" lines of many languages (Bahasa
Indonesia's "Pada ... menulis:", Portuguese, Spanish, ...), which hand-written rules miss,
so its header patterns find where the history starts. Its signature rules are NOT used:
they take "Best regards," or "Thanks," for a signature and a hyphen list for a "-Name"
line, and those are the customer's own words. Only what a mail client adds is folded: the
block under the "-- " delimiter (RFC 3676) and a last "Sent from my iPhone" line (in the
languages we meet). The shop's own text (replies, notes) never loses its sign-off.
It costs ~1 ms per message, so it runs when a conversation is shown, not at ingest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mailparser_reply import EmailMessage

LANGUAGES = ("en", "id", "pt", "es", "de", "fr", "it", "nl", "sv", "pl")

# A longer block under "--" is more likely the customer's text than a signature: show it.
_MAX_SIGNATURE_LINES = 12
_MAX_SENT_FROM_CHARS = 80

# "Sent from my ..." as mail apps write it. A prefix naming "my" device is enough; a bare
# "sent from"/"dikirim dari" must also name a device or mail app, because "Dikirim dari
# Surabaya ya?" is a question about shipping, not a footer.
_MY_DEVICE = (
    r"sent from my|get outlook for|enviado do meu|enviado da minha|enviado de meu"
    r"|enviado desde mi|envoy[ée] de mon|von meinem|inviato dal mio|verzonden vanaf mijn"
    r"|verstuurd vanaf mijn|skickat fr[åa]n min|wys[łl]ane z mojego"
)
_SENT_WITH = (
    r"sent (?:from|with|via|using)|dikirim (?:dari|dengan|menggunakan|melalui|via|lewat)"
    r"|enviado (?:do|da|de|desde|pelo|pela|via|com)|envoy[ée] (?:de|depuis|avec)"
    r"|gesendet (?:von|mit)|inviato (?:da|con)|verzonden (?:vanaf|met)"
    r"|skickat (?:fr[åa]n|med)|wys[łl]ane (?:z|przez)"
)
_DEVICE = (
    r"iphone|ipad|ipod|android|samsung|galaxy|huawei|xiaomi|redmi|oppo|vivo|realme|pixel"
    r"|blackberry|yahoo|outlook|gmail|proton|\bmail\b|e-?mail|ponsel|smartphone|perangkat"
    r"|tablet|windows|\baol\b|spark|seluler|telem[óo]vel|celular|telefone|mobile|handy"
    r"|t[ée]l[ée]phone|telefono|telefoon|telefon"
)
_SENT_FROM_MY = re.compile(rf"^(?:{_MY_DEVICE})\b", re.IGNORECASE)
_SENT_WITH_APP = re.compile(rf"^(?:{_SENT_WITH})\b.*(?:{_DEVICE})", re.IGNORECASE)
_SEPARATOR = re.compile(r"^[_-]{32,}$")  # Outlook's rule above its "From:/Sent:" block


@dataclass(frozen=True)
class FoldedReply:
    """A body cut in two: the text to show and the original text below it, folded."""

    fresh: str
    hidden: str = ""  # the customer's mail-client signature, then quoted history
    signature_lines: int = 0
    quoted_lines: int = 0

    def summary(self) -> str:
        """What is folded, for a one-line hint: "1 quoted line", "signature and 4 quoted
        lines"; "" when nothing is."""
        if self.signature_lines and self.quoted_lines:
            return f"signature and {_lines(self.quoted_lines, 'quoted')}"
        if self.signature_lines:
            return _lines(self.signature_lines, "signature")
        return _lines(self.quoted_lines, "quoted") if self.quoted_lines else ""


def fold_reply(body: str, *, direction: str = "in") -> FoldedReply:
    """``body`` folded for reading; ``direction`` is the message's ("in", "out", "note"...).

    Incoming mail folds quoted history and the mail client's signature; the shop's outgoing
    mail only the history it quoted; a note, a platform notice and anything else nothing.
    """
    if direction not in ("in", "out") or not body.strip():
        return FoldedReply(body)
    lines = body.split("\n")
    plain = [line.strip() for line in lines]  # as the library sees lines; one per line
    quote = _quote_start(plain)
    if quote is None:
        quote = len(lines)
    signature = _signature_start(plain, quote) if direction == "in" else None
    cut = quote if signature is None else signature
    if not any(plain[:cut]) or not any(plain[cut:]):
        return FoldedReply(body)
    return FoldedReply(
        fresh="\n".join(lines[:cut]).rstrip(),
        hidden="\n".join(lines[cut:]).strip("\n").rstrip(),
        signature_lines=sum(1 for line in plain[cut:quote] if line),
        quoted_lines=sum(1 for line in plain[quote:] if line),
    )


def split_reply(body: str, *, direction: str = "in") -> tuple[str, str]:
    """(new text, folded signature and quoted history); the second part is "" when none."""
    folded = fold_reply(body, direction=direction)
    return (folded.fresh, folded.hidden) if folded.hidden else (body, "")


def _quote_start(plain: list[str]) -> int | None:
    """Index of the first line of quoted history, or None: a known "wrote:"/"From:" header
    (with an Outlook rule above it), else a final block of ``>`` lines and its attribution."""
    start = _header_line(plain)
    if start is None:
        return _trailing_quote(plain)
    above = start - 1
    while above >= 0 and not plain[above]:
        above -= 1
    return above if above >= 0 and _SEPARATOR.match(plain[above]) else start


def _header_line(plain: list[str]) -> int | None:
    text = "\n".join(plain)
    try:
        match = _header_regex().search(text)
    except Exception:  # a third-party pattern must never break showing a message
        return None
    if match is None:
        return None
    first = match.start() + len(match.group()) - len(match.group().lstrip())
    return text.count("\n", 0, first)


def _trailing_quote(plain: list[str]) -> int | None:
    start = len(plain)
    while start > 0 and (plain[start - 1].startswith(">") or not plain[start - 1]):
        start -= 1
    if not any(line.startswith(">") for line in plain[start:]):
        return None
    while not plain[start]:
        start += 1
    above = start - 1
    while above >= 0 and not plain[above]:
        above -= 1
    return above if above >= 0 and plain[above].endswith(":") else start


def _signature_start(plain: list[str], end: int) -> int | None:
    """Index of the mail-client signature in ``plain[:end]``, or None."""
    found: int | None = None
    last = end - 1
    while last >= 0 and not plain[last]:
        last -= 1
    line = plain[last] if last > 0 else ""
    if len(line) <= _MAX_SENT_FROM_CHARS and (
        _SENT_FROM_MY.match(line) or _SENT_WITH_APP.match(line)
    ):
        found = last
    for index in range(last - 1, 0, -1):
        if plain[index] == "--":  # "-- " with its space, or trimmed by the client
            below = sum(1 for text in plain[index + 1 : end] if text)
            if 0 < below <= _MAX_SIGNATURE_LINES:
                found = index
            break
    return found


def _lines(count: int, kind: str) -> str:
    return f"{count} {kind} line" + ("" if count == 1 else "s")


@lru_cache(maxsize=1)
def _header_regex() -> re.Pattern[str]:
    # The library's own compiled patterns for "On ... wrote:", "Pada ... menulis:",
    # "From:/Sent:" blocks and "--- Original Message ---" in every language we read.
    pattern: re.Pattern[str] = EmailMessage(text="", languages=list(LANGUAGES)).HEADER_REGEX
    return pattern

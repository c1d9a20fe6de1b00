"""Split a message body into the new text and the quoted history / signature below it.

Used by conversation views to collapse what the customer quoted (kept in the store, only
hidden). mail-parser-reply knows the "On ... wrote:" lines of many languages (Bahasa
Indonesia's "Pada ... menulis:", Portuguese, Spanish, ...), which hand-written rules miss.
It costs ~1 ms per message, so it runs when a conversation is shown, not at ingest.
"""

from __future__ import annotations

from functools import lru_cache

from mailparser_reply import EmailReplyParser

LANGUAGES = ("en", "id", "pt", "es", "de", "fr", "it", "nl", "sv", "pl")


@lru_cache(maxsize=1)
def _parser() -> EmailReplyParser:
    return EmailReplyParser(languages=list(LANGUAGES))


def split_reply(body: str) -> tuple[str, str]:
    """(new text, quoted history and signature); the second part is "" when there is none."""
    if not body.strip():
        return body, ""
    head, tail = _split_with_library(body)
    return (head, tail) if tail else _split_trailing_quote(body)


def _split_trailing_quote(body: str) -> tuple[str, str]:
    """Fallback: a final block of ``>`` lines, with the attribution line just above it."""
    lines = body.rstrip("\n").split("\n")
    start = len(lines)
    while start > 0 and (lines[start - 1].startswith(">") or not lines[start - 1].strip()):
        start -= 1
    if start == len(lines) or not any(line.startswith(">") for line in lines[start:]):
        return body, ""
    while start < len(lines) and not lines[start].strip():
        start += 1
    above = start - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0 and lines[above].rstrip().endswith(":"):
        start = above
    if start == 0:
        return body, ""
    return "\n".join(lines[:start]).rstrip(), "\n".join(lines[start:])


def _split_with_library(body: str) -> tuple[str, str]:
    try:
        replies = _parser().read(body).replies
    except Exception:  # a third-party parser must never break showing a message
        return body, ""
    if not replies:
        return body, ""
    fresh = replies[0].body.strip("\n")
    if not fresh or not body.startswith(fresh[: min(len(fresh), 40)]):
        return body, ""
    # Cut the original text after the fresh part so nothing is normalised away.
    cut = body.find(fresh[-min(len(fresh), 40) :]) + min(len(fresh), 40)
    head, tail = body[:cut].rstrip(), body[cut:].strip("\n")
    return (head, tail) if tail.strip() else (body, "")

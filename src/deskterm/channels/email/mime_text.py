"""Lenient charset, RFC 2047 and surrogate-escape decoding for the MIME parser."""

from __future__ import annotations

import base64
import binascii
import codecs
import re

from deskterm.domain.text import clean_stored_text

_SURROGATE_RUN_RE = re.compile("[\udc80-\udcff]+")
_ANY_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_UNFOLD_RE = re.compile(r"\r?\n(?=[ \t])")
_NEWLINES_RE = re.compile(r"[ \t]*[\r\n]+[ \t]*")
_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")

# Labels mail clients use that Python does not know, or knows under a narrower codec
# (WHATWG: a latin-1 label means windows-1252, whose smart quotes are otherwise C1 controls).
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac-roman",
    "windows-874": "cp874",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
}
# Text codecs that interpret escape sequences rather than decode a character set.
_UNSAFE_CODECS = frozenset({"unicode-escape", "raw-unicode-escape", "punycode", "idna"})


def _codec(charset: str) -> str | None:
    """A safe Python codec name for a declared charset, or None when unusable."""
    name = charset.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name or len(name) > 40:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    return None if info.name in _UNSAFE_CODECS else info.name


def _decode_bytes(data: bytes, charset: str) -> tuple[str, bool]:
    """Decode with the declared charset, then UTF-8, then cp1252 with replacement.

    Returns the text and whether a fallback had to be used.
    """
    declared = _codec(charset) if charset else None
    for index, candidate in enumerate((declared, "utf-8")):
        if candidate is None:
            continue
        try:
            return data.decode(candidate), index > 0 and bool(charset)
        except (UnicodeError, LookupError, ValueError):
            continue
    return data.decode("cp1252", errors="replace"), True


def _fix_surrogates(text: str) -> str:
    """Turn bytes smuggled as surrogate escapes (8-bit headers, unknown charsets) into text."""
    if not _ANY_SURROGATE_RE.search(text):
        return text

    def decode_run(match: re.Match[str]) -> str:
        data = bytes(ord(ch) - 0xDC00 for ch in match.group())
        return _decode_bytes(data, "utf-8")[0]

    text = _SURROGATE_RUN_RE.sub(decode_run, text)
    return _ANY_SURROGATE_RE.sub("\ufffd", text)


def _storable(text: str) -> str:
    """Text that encodes as UTF-8 and has unified newlines and no NULs."""
    return clean_stored_text(_fix_surrogates(text))


def _one_line(text: str) -> str:
    # A decoded header may hold CR/LF (CVE-2024-6923 style); it must stay one line.
    return _NEWLINES_RE.sub(" ", text).strip()


def _decode_words(value: str) -> str:
    """Lenient RFC 2047 decoding, tolerant of unknown charsets and bad base64.

    Adjacent encoded words in one charset are decoded together: mailers split a UTF-8
    character across two words, which decoding word by word would turn into mojibake.
    """
    value = _fix_surrogates(value)
    out: list[str] = []
    run: list[bytes] = []
    run_charset = ""
    pos = 0
    for match in _ENCODED_WORD_RE.finditer(value):
        between = value[pos : match.start()]
        charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 language: utf-8*en
        data = _encoded_word_bytes(match.group(2), match.group(3))
        # Whitespace between two encoded words is folding, not content (RFC 2047 §6.2).
        adjacent = pos > 0 and not between.strip()
        if run and (not adjacent or charset != run_charset or data is None):
            out.append(_decode_bytes(b"".join(run), run_charset)[0])
            run = []
        if not adjacent:
            out.append(between)
        if data is None:
            out.append(match.group())
        else:
            run.append(data)
            run_charset = charset
        pos = match.end()
    if run:
        out.append(_decode_bytes(b"".join(run), run_charset)[0])
    out.append(value[pos:])
    return "".join(out)


def _encoded_word_bytes(encoding: str, text: str) -> bytes | None:
    data = text.encode("utf-8", "replace")
    try:
        if encoding in "Qq":
            return binascii.a2b_qp(data, header=True)
        compact = b"".join(data.split())
        return base64.b64decode(compact + b"=" * (-len(compact) % 4))
    except (binascii.Error, ValueError):
        return None


def _unfold(value: str) -> str:
    return _UNFOLD_RE.sub("", value)

"""Masking of secrets in text bound for logs, error messages and output: named fields, known values.

Two nets, because either alone has holes: fields *named* like secrets (``access_token=…``
in a URL or form, ``"refresh_token": "…"`` in JSON or a dict's repr, ``Authorization:``
and ``X-…-Token:`` headers, ``user:password@`` in a URL) are masked whatever their value,
and the *values* of the secrets this process resolved or rotated are masked wherever they
appear, whatever surrounds them.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import quote

MASK = "********"  # as secrets.Redacted shows one
"""What a masked secret reads as."""

MIN_KNOWN_LENGTH = 6
"""Known values shorter than this are not masked by value: they would match ordinary words."""

# Field names that hold a secret: anything naming a token, secret, password, signature or
# key of the API kind, and the bare names the platforms use (Lazada and TikTok Shop `sign`).
_SENSITIVE_NAME = (
    r"[A-Za-z0-9_.-]*(?:token|secret|password|passwd|signature|partner_key|api_key|apikey)"
    r"[A-Za-z0-9_.-]*|sign|pwd|authorization|proxy-authorization|cookie"
)
# An OAuth authorization code is a secret in a URL or form; elsewhere "code" is an error
# code worth keeping (Lazada's `"code": "IllegalAccessToken"`).
# A pagination cursor named `page_token` is not a secret, and debugging needs it.
_QUERY_FIELD = re.compile(
    rf"(?i)((?:^|(?<=[?&;\s]))(?!(?:next_|prev_)?page_token=)(?:{_SENSITIVE_NAME}|code)=)"
    r"[^&;\s#\"'<>]+",
)
_QUOTED_FIELD = re.compile(
    rf"""(?i)((["'])(?:{_SENSITIVE_NAME})\2\s*[:=]\s*)(["'])(?:\\.|(?!\3).)*\3""",
)
_HEADER = re.compile(
    r"(?im)\b((?:proxy-)?authorization|cookie|x-[a-z0-9-]*(?:token|secret|signature|key)"
    r"[a-z0-9-]*)(\s*:\s*)[^\r\n,;'\"}]+",
)
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+(@)")


class _Known:
    """The remembered secret values; ``ordered`` is replaced whole, so readers need no lock."""

    lock = threading.Lock()
    values: frozenset[str] = frozenset()
    ordered: tuple[str, ...] = ()


def remember_secret(value: str) -> None:
    """Mask ``value`` (and its URL-encoded form) in everything :func:`redact` sees from now on.

    Called where a secret enters the process (a resolved config secret, a rotated token),
    so a log line or error that quotes it verbatim, in any shape, is still masked.
    """
    if len(value) < MIN_KNOWN_LENGTH:
        return
    forms = {value, quote(value, safe="")}
    with _Known.lock:
        if forms <= _Known.values:
            return
        _Known.values = _Known.values | forms
        # Longest first: a secret containing another must be masked whole.
        _Known.ordered = tuple(sorted(_Known.values, key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with every secret-named field and every remembered secret value masked."""
    for value in _Known.ordered:
        if value in text:
            text = text.replace(value, MASK)
    text = _QUERY_FIELD.sub(rf"\1{MASK}", text)
    text = _QUOTED_FIELD.sub(rf"\1\3{MASK}\3", text)
    text = _HEADER.sub(rf"\1\2{MASK}", text)
    return _URL_PASSWORD.sub(rf"\1{MASK}\2", text)

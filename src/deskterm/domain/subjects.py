"""Subject normalisation for Gmail-style grouping and for `Re:` replies."""

from __future__ import annotations

import re

# Reply/forward prefixes in the languages our sellers meet (channels.md "threading").
_PREFIXES = (
    "re",
    "fw",
    "fwd",
    "aw",
    "wg",
    "sv",
    "antw",
    "balas",
    "res",
    "enc",
    "tr",
    "rv",
    "r",
    "vs",
    "vl",
    "ref",
    "odp",
    "pd",
    "ynt",
    "atb",
    "بخصوص",
    "回复",
    "转发",
    "答复",
)
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:" + "|".join(re.escape(p) for p in _PREFIXES) + r")\s*(?:\[\d+\]|\(\d+\))?\s*[:：]"
    r"|\[[^\]]*\])\s*",
    re.IGNORECASE,
)


def normalize_subject(subject: str) -> str:
    """Strip repeated reply/forward prefixes and ``[tags]``, collapse whitespace, casefold."""
    text = " ".join(subject.split())
    while True:
        stripped = _PREFIX_RE.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text.casefold()


def reply_subject(subject: str) -> str:
    """``Re: <subject>`` on one line, without stacking prefixes."""
    line = " ".join(subject.replace("\r", " ").replace("\n", " ").split())
    return line if re.match(r"(?i)^re\s*:", line) else f"Re: {line}".rstrip()

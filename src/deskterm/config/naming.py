"""How config locations are written in messages: ``channels[1] "shopee-id".partner_id``."""

from __future__ import annotations

import re

from deskterm.domain.text import one_line

Loc = tuple[str | int, ...]
"""Where a problem is, as the file nests it: ``("channels", 1, "partner_id")``."""

Problem = tuple[Loc, str]
"""A location and what is wrong there (the location itself is not in the text)."""


def entry(section: str, index: int, name: str) -> str:
    return f"{section}[{index}] {quote(name)}"


def quote(text: str) -> str:
    return '"' + one_line(text, 80).replace("\\", "\\\\").replace('"', '\\"') + '"'


def key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else quote(key)

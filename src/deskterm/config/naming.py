"""How config locations are written in messages: ``channels[1] "shopee-id".partner_id``."""

from __future__ import annotations

import re

from deskterm.domain.text import one_line


def entry(section: str, index: int, name: str) -> str:
    return f"{section}[{index}] {quote(name)}"


def quote(text: str) -> str:
    return '"' + one_line(text, 80).replace("\\", "\\\\").replace('"', '\\"') + '"'


def key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else quote(key)

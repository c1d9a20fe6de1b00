"""Record ids (tickets, customers): the range every store can hold, and how to read one."""

from __future__ import annotations

# SQLite INTEGER and PostgreSQL BIGINT are signed 64-bit; ids start at 1.
MAX_ID = 2**63 - 1
# A longer run of digits is out of range anyway; int() of thousands of digits is refused
# (or slow), so such text is never converted.
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(text: str, what: str) -> int:
    """The id ``text`` names (``42`` or ``#42``); ValueError in user terms otherwise."""
    number = text.strip().removeprefix("#").strip()
    sign = number[:1] if number[:1] in ("-", "+") else ""
    digits = number[len(sign) :]
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"{what}s are numbers, got {_shown(text)!r}")
    if sign == "-" or len(digits.lstrip("0")) > _MAX_DIGITS or not 1 <= int(digits) <= MAX_ID:
        raise ValueError(f"{what} out of range (1..{MAX_ID}), got {_shown(number)}")
    return int(digits)


def _shown(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

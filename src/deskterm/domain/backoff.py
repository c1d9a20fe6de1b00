"""Retry-After parsing and jittered back-off, one rule for every HTTP channel and shop."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_RETRY_AFTER = 60.0  # seconds; a server asking for longer gets this and the next poll
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0


def parse_retry_after(
    value: str | None, now: datetime | None = None, *, cap: float = MAX_RETRY_AFTER
) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped.

    None when absent or malformed: the caller then backs off with jitter.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(delta, 0.0), cap)


def full_jitter(attempt: int) -> float:
    """AWS "full jitter": uniform in [0, min(cap, base * 2**attempt)]."""
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))  # noqa: S311  (jitter, not secrets)

"""SLA targets per channel: durations, which clock runs, time left or breached, list labels."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

MIN_TARGET = timedelta(minutes=1)
"""Shortest SLA target accepted (helpdesk.md: 1 minute to 14 days)."""

MAX_TARGET = timedelta(days=14)
"""Longest SLA target accepted."""

DUE_SOON_SHARE = 0.25
"""A running target is "due soon" once less than this share of it is left."""

SlaTarget = Literal["first_response", "resolution"]
"""Which clock a state is about: the first agent reply, or closing the ticket."""

_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_PART = re.compile(r"(\d+)\s*([mhdw])")
_DURATION = re.compile(r"^(?:\d+\s*[mhdw]\s*)+$")


def parse_duration(text: str) -> timedelta:
    """``30m``, ``4h``, ``2d``, ``1w`` or a sum such as ``1h30m``; ValueError otherwise."""
    compact = text.strip().lower()
    if not _DURATION.match(compact):
        raise ValueError(f"expected a duration such as 30m, 4h, 2d or 1w, got {text!r}")
    seconds = sum(
        int(amount) * _UNIT_SECONDS[unit] for amount, unit in _DURATION_PART.findall(compact)
    )
    return timedelta(seconds=seconds)


def format_duration(span: timedelta) -> str:
    """A duration as ``parse_duration`` reads it back: ``4h``, ``1d12h``, ``1w``."""
    seconds = int(span.total_seconds())
    parts = []
    for unit in ("w", "d", "h", "m"):
        amount, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0m"


@dataclass(frozen=True)
class SlaTargets:
    """A channel's targets; None means no target of that kind."""

    first_response: timedelta | None = None
    resolution: timedelta | None = None

    def __bool__(self) -> bool:
        return self.first_response is not None or self.resolution is not None


@dataclass(frozen=True)
class SlaState:
    """Where one target stands at ``now``.

    ``running`` is False once the clock stopped (the agent replied, or the ticket was
    closed); ``breached`` then says whether it stopped too late. ``left`` is the time
    until ``due_at`` (negative once breached), measured at ``now`` or at the stop.
    """

    target: SlaTarget
    span: timedelta
    due_at: datetime
    running: bool
    breached: bool
    left: timedelta

    @property
    def due_soon(self) -> bool:
        """Still running, not breached, and less than DUE_SOON_SHARE of the target left."""
        return self.running and not self.breached and self.left < self.span * DUE_SOON_SHARE


def sla_state(
    targets: SlaTargets | None,
    *,
    created_at: datetime,
    first_reply_at: datetime | None,
    status: str,
    closed_at: datetime | None,
    now: datetime,
) -> SlaState | None:
    """The state of the target that matters now, or None when no target applies.

    While the ticket is open and unanswered the first-response clock runs; once an
    agent replied (or with no first-response target) the resolution clock runs until
    the ticket is closed. Both start at ``created_at``, the first customer message;
    resolution counts to the last close, reopen cycles included (helpdesk.md). A
    closed (or snoozed) ticket reports how its last clock ended.
    """
    if not targets:
        return None
    start = _utc(created_at)
    now = _utc(now)
    replied = _utc(first_reply_at) if first_reply_at is not None else None
    is_open = status == "open"
    stopped_at = _utc(closed_at) if not is_open and closed_at is not None else now
    if targets.first_response is not None and replied is None and is_open:
        return _state("first_response", targets.first_response, start, None, now)
    if targets.resolution is not None:
        return _state("resolution", targets.resolution, start, None if is_open else stopped_at, now)
    assert targets.first_response is not None  # a truthy SlaTargets has one of the two
    # Only a first-response target, and its clock stopped: the reply, or a close without one.
    end = replied if replied is not None else stopped_at
    return _state("first_response", targets.first_response, start, end, now)


def _state(
    target: SlaTarget, span: timedelta, start: datetime, end: datetime | None, now: datetime
) -> SlaState:
    due = start + span
    moment = end if end is not None else now
    left = due - moment
    return SlaState(
        target=target,
        span=span,
        due_at=due,
        running=end is None,
        breached=left < timedelta(0),
        left=left,
    )


def sla_for_ticket(
    ticket: Mapping[str, Any], targets: SlaTargets | None, now: datetime
) -> SlaState | None:
    """``sla_state`` for a reader row (``created_at``, ``first_reply_at``, ``status``,
    ``closed_at``/``snoozed_at`` as ISO 8601 strings, as ``store.reader`` returns them).

    A snoozed ticket's clocks stopped when it was snoozed (``snoozed_at``)."""
    if not targets or not ticket.get("created_at"):
        return None
    return sla_state(
        targets,
        created_at=_parse(ticket["created_at"]),
        first_reply_at=_parse_optional(ticket.get("first_reply_at")),
        status=str(ticket.get("status", "")),
        closed_at=_parse_optional(ticket.get("closed_at") or ticket.get("snoozed_at")),
        now=now,
    )


def _running_dues(
    ticket: Mapping[str, Any], targets: SlaTargets
) -> tuple[datetime | None, datetime | None, list[datetime]]:
    """(first-response due, resolution due, the dues of the clocks running now).

    Only an open ticket has running clocks (closed and snoozed ones stopped theirs); the
    first-response clock runs until the first public agent reply, as in ``sla_state``.
    """
    start = _parse(ticket["created_at"])
    first = start + targets.first_response if targets.first_response is not None else None
    resolution = start + targets.resolution if targets.resolution is not None else None
    running: list[datetime] = []
    if ticket.get("status") == "open":
        if first is not None and not ticket.get("first_reply_at"):
            running.append(first)
        if resolution is not None:
            running.append(resolution)
    return first, resolution, running


def sla_summary(
    ticket: Mapping[str, Any], targets: SlaTargets | None, now: datetime
) -> dict[str, Any] | None:
    """The ``sla`` object of ``tickets --json``: ``{first_response_due, resolution_due,
    breached}`` (ISO 8601 UTC; a due is null without its target), or None when the
    ticket's channel has no targets. ``breached``: a clock still running is past its due
    time at ``now``, exactly what the query ``sla:breached`` matches."""
    if not targets or not ticket.get("created_at"):
        return None
    first, resolution, running = _running_dues(ticket, targets)
    now = _utc(now)
    return {
        "first_response_due": _iso(first),
        "resolution_due": _iso(resolution),
        "breached": any(due < now for due in running),
    }


def sla_cell(ticket: Mapping[str, Any], targets: SlaTargets | None, now: datetime) -> str:
    """A short table column: ``2h`` until the next due time, ``!3h`` since the earliest
    breach, ``—`` when no target applies or no clock runs (closed, snoozed, no SLA)."""
    if not targets or not ticket.get("created_at"):
        return "—"
    running = _running_dues(ticket, targets)[2]
    if not running:
        return "—"
    now = _utc(now)
    overdue = [due for due in running if due < now]
    if overdue:
        return "!" + _largest_unit(now - min(overdue))
    return _largest_unit(min(running) - now)


def sla_label(state: SlaState | None) -> str:
    """A compact hint for the ticket list: ``1h12m left``, ``breached 3h``, or "".

    Only a running clock gets a label: once answered and closed there is nothing to do.
    """
    if state is None or not state.running:
        return ""
    if state.breached:
        return f"breached {_largest_unit(-state.left)}"
    return f"{_two_units(state.left)} left"


def sla_short_label(state: SlaState | None) -> str:
    """``sla_label`` in four cells for a narrow list: ``2h`` left, ``!3h`` breached, or "".

    Weeks count too here, so a long-breached ticket still fits (``!3w``, not ``!21d``).
    """
    if state is None or not state.running:
        return ""
    span = -state.left if state.breached else state.left
    seconds = int(span.total_seconds())
    amount = "<1m"
    for unit in ("w", "d", "h", "m"):
        if seconds >= _UNIT_SECONDS[unit]:
            amount = f"{seconds // _UNIT_SECONDS[unit]}{unit}"
            break
    return f"!{amount}" if state.breached else amount


def _two_units(span: timedelta) -> str:
    """``2d3h``, ``1h12m``, ``45m``, ``<1m``: precise where time is short."""
    minutes = int(span.total_seconds()) // 60
    if minutes < 1:
        return "<1m"
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{mins}m" if mins else f"{hours}h"
    return f"{mins}m"


def _largest_unit(span: timedelta) -> str:
    """``3h``, ``2d``, ``5m``, ``<1m``: how late, roughly, in few columns."""
    seconds = int(span.total_seconds())
    for unit in ("d", "h", "m"):
        if seconds >= _UNIT_SECONDS[unit]:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return "<1m"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse(text: str) -> datetime:
    return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_optional(text: str | None) -> datetime | None:
    return _parse(text) if text else None

"""The metrics object M as lines of text: which figures, in which order, shown how (the
``stats`` table and the inbox's stats screen read the same list)."""

from __future__ import annotations

from typing import Any

METRIC_LINES: tuple[tuple[str, str, str], ...] = (
    ("tickets created", "tickets_created", "count"),
    ("tickets replied", "tickets_replied", "count"),
    ("tickets closed", "tickets_closed", "count"),
    ("messages received", "messages_received", "count"),
    ("messages sent", "messages_sent", "count"),
    ("first response median", "first_response.median_s", "time"),
    ("first response p90", "first_response.p90_s", "time"),
    ("first responses", "first_response.count", "count"),
    ("resolution median", "resolution.median_s", "time"),
    ("resolution p90", "resolution.p90_s", "time"),
    ("resolutions", "resolution.count", "count"),
    ("one-touch", "one_touch_rate", "rate"),
    ("SLA first response met", "sla.first_response_met_rate", "rate"),
    ("SLA resolution met", "sla.resolution_met_rate", "rate"),
    ("SLA breached, open", "sla.breached_open", "count"),
    ("CSAT score", "csat.score", "rate"),
    ("CSAT responses", "csat.responses", "count"),
    ("revenue orders", "revenue.orders", "count"),
)
"""(label, dotted path in M, how to show it: count, time or rate)."""


ACTIVITY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("replies", "replies", "count"),
    ("closed", "tickets_closed", "count"),
    ("FRT med", "first_response.median_s", "time"),
    ("online", "online_s", "time"),
    ("CSAT", "csat.average", "average"),
)
"""An agent's activity (store.agent_activity) as table columns."""


NO_AGENT = "(not in deskterm)"
"""The activity group of replies no agent of deskterm wrote (Sent folder, marketplace)."""


def agent_label(key: object) -> str:
    """An activity group's key as the tables show it."""
    return NO_AGENT if key is None else str(key)


def pick(metrics: dict[str, Any], path: str) -> Any:
    """The figure at a dotted ``path`` of M (``first_response.median_s``)."""
    value: Any = metrics
    for part in path.split("."):
        value = value[part]
    return value


def shown(value: Any, kind: str) -> str:
    """A figure as the table shows it: ``—`` for null, ``12.5%``, ``3h05m``, ``42``."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "time":
        return span(int(value))
    if kind == "average":
        return f"{value:.2f}"
    return str(value)


def span(seconds: int) -> str:
    """``45s``, ``12m30s``, ``3h05m``, ``2d04h``: two units at most."""
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{mins:02d}m"
    days, hrs = divmod(hours, 24)
    return f"{days}d{hrs:02d}h"

"""Support metrics (``deskterm stats``): exact definitions, percentiles, per-ticket facts
folded into the metrics object M (pure: no store, no clock)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from deskterm.domain.revenue import Revenue
from deskterm.domain.sla import SlaTargets

# Shown beside the numbers (--explain), in --json "definitions" and, word for word, in
# README's "Stats" section: one place says what every number means.
DEFINITIONS: dict[str, str] = {
    "period": (
        "Events at or after `since` and before `until` (default: the last 30 days). Spam"
        " tickets and tickets merged into another are left out everywhere. Dates, days and"
        " weeks are read in the [business_hours] time zone, or UTC without one."
    ),
    "tickets_created": "Tickets whose first message (any side) falls in the period.",
    "tickets_replied": "Tickets with at least one agent reply sent in the period.",
    "tickets_closed": (
        "Tickets closed now (not snoozed) whose LAST close falls in the period; a ticket"
        " reopened and closed again counts once, in the period of its last close."
    ),
    "messages_received": (
        "Customer messages sent in the period (direction in), auto-submitted mail"
        " (bounces, out-of-office) left out."
    ),
    "messages_sent": "Agent replies sent in the period (see agent reply).",
    "agent reply": (
        "A public message from the shop's side (direction out) that no rule or"
        " autoresponder sent: not auto-submitted and not authored `rule:NAME`. Replies"
        " synced from the Sent folder or a marketplace, or imported from history, count"
        " like ones written in deskterm. Notes and platform notices (direction system)"
        " are never replies."
    ),
    "first_response": (
        "From the customer's first message (not auto-submitted) to the first agent reply,"
        " in seconds; counted in the period of that first reply. Tickets the shop opened"
        " (a shop-side message, automatic or not, before any customer message) are left"
        " out. median_s and p90_s are nearest-rank percentiles (the smallest observed"
        " value with at least 50% / 90% of the values at or below it), whole seconds;"
        " null when count is 0."
    ),
    "resolution": (
        "From the ticket's creation (its first message) to its LAST close, reopen cycles"
        " included, in seconds; counted for tickets_closed. Same percentiles as"
        " first_response."
    ),
    "one_touch_rate": (
        "Share of tickets_closed with fewer than two agent replies (0 or 1) in their"
        " whole life; null when no ticket was closed."
    ),
    "business_hours": (
        "With --business-hours, first_response and resolution count only the seconds"
        " the shop is open ([business_hours]: week, holidays, time zone). SLA rates stay"
        " on the wall clock, as the ticket list judges them."
    ),
    "sla.first_response_met_rate": (
        "Of the tickets in first_response whose channel has a first_response target: the"
        " share whose first agent reply came at most that long after the ticket was"
        " created; null when there is none."
    ),
    "sla.resolution_met_rate": (
        "Of the tickets in resolution whose channel has a resolution target: the share"
        " closed (last close) at most that long after creation; null when there is none."
    ),
    "sla.breached_open": (
        "Open tickets created in the period with an SLA clock still running and past"
        " due when stats runs (what `sla:breached` finds); null when no channel has"
        " targets."
    ),
    "csat": (
        "Satisfaction surveys ([csat], rated 1-5 by reply): sent = surveys sent in the"
        " period; responses = ratings received in the period; score = share of those"
        " responses rated 4 or 5; average = their mean rating; response_rate = responses"
        " / sent. null when there is nothing to divide (no response, none sent)."
    ),
    "revenue": (
        "Orders placed in the period by a customer at most [revenue] window_days (3)"
        " after an agent reply on one of their pre-sale tickets (intent product/question,"
        " product/recommendation or discount/request, or tag presale; [revenue] intents"
        " and tags), each attributed once: to the ticket and agent of the last such reply"
        " before it. Cancelled orders are left out. amount is the orders' total per"
        " currency. --by agent counts it for the replying agent, --by day on the day the"
        " order was placed."
    ),
    "activity": (
        "With --by agent, each group also has what that agent did in the period, credited"
        " to who acted rather than to the assignee: replies = agent replies they wrote"
        " (replies synced from a Sent folder or a marketplace were written by no agent of"
        " deskterm: the null group); tickets_closed = tickets they closed; first_response ="
        " first responses (as defined above) they wrote, median and count; online_s and"
        " sessions = time with the inbox open (from opening to quitting; after a crash, to"
        " its last heartbeat, every five minutes) within the period; csat = ratings"
        " received in the period for tickets whose survey their close sent (responses,"
        " average, score)."
    ),
    "group key": (
        "--by channel: the channel's name; agent: the assignee's email (null:"
        " unassigned); store, intent, language: the ticket's (null: none); tag: each tag"
        " of the ticket (a ticket with two tags counts in both; null: untagged); day /"
        " week (weeks start on Monday, keyed by that date): each number counts in the"
        " day of its own moment (created, first reply, last close, message sent), every"
        " day of the period listed."
    ),
}


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile of ``values`` (0 < share <= 1): the value at rank
    ceil(share * n) of the sorted values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    # 0.9 * 10 is 9.000000000000002 in floats: without the nudge p90 of ten would be the 10th.
    rank = max(1, math.ceil(share * len(ordered) - 1e-9))
    return ordered[rank - 1]


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@dataclass(slots=True)
class TicketFacts:
    """What the stats need of one ticket (moments in UTC: all aware or all naive, like the
    Period they are judged in)."""

    id: int
    channel: str
    created_at: datetime
    open: bool  # status open (not closed, not snoozed)
    closed_at: datetime | None  # the last close, when the ticket is closed now (not snoozed)
    first_in: datetime | None  # the customer's first message (not auto-submitted)
    first_out: datetime | None  # the shop's first public message, automatic or not
    first_reply: datetime | None  # the first agent reply
    replies: int  # agent replies in the ticket's whole life

    @property
    def shop_opened(self) -> bool:
        """The shop spoke first (or the customer never did)."""
        if self.first_in is None:
            return True
        return self.first_out is not None and self.first_out < self.first_in


@dataclass
class Tally:
    """The numbers of one group, filled event by event, then read as M (``as_json``)."""

    tickets_created: int = 0
    tickets_replied: int = 0
    tickets_closed: int = 0
    messages_received: int = 0
    messages_sent: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    one_touch: int = 0
    fr_judged: int = 0
    fr_met: int = 0
    res_judged: int = 0
    res_met: int = 0
    breached_open: int = 0
    csat_sent: int = 0
    csat_scores: list[int] = field(default_factory=list)
    revenue: Revenue = field(default_factory=Revenue)

    def as_json(self, *, sla_configured: bool) -> dict[str, Any]:
        """The metrics object M of ``stats --json``."""
        return {
            "tickets_created": self.tickets_created,
            "tickets_replied": self.tickets_replied,
            "tickets_closed": self.tickets_closed,
            "messages_received": self.messages_received,
            "messages_sent": self.messages_sent,
            "first_response": _durations(self.first_response),
            "resolution": _durations(self.resolution),
            "one_touch_rate": _rate(self.one_touch, self.tickets_closed),
            "sla": {
                "first_response_met_rate": _rate(self.fr_met, self.fr_judged),
                "resolution_met_rate": _rate(self.res_met, self.res_judged),
                "breached_open": self.breached_open if sla_configured else None,
            },
            "csat": {
                "score": _rate(sum(1 for s in self.csat_scores if s >= 4), len(self.csat_scores)),
                "average": (
                    sum(self.csat_scores) / len(self.csat_scores) if self.csat_scores else None
                ),
                "responses": len(self.csat_scores),
                "sent": self.csat_sent,
                "response_rate": _rate(len(self.csat_scores), self.csat_sent),
            },
            "revenue": self.revenue.as_json(),
        }


def _durations(values: list[float]) -> dict[str, Any]:
    return {
        "median_s": _seconds(percentile(values, 0.5)),
        "p90_s": _seconds(percentile(values, 0.9)),
        "count": len(values),
    }


Duration = Callable[[datetime, datetime], float]
"""Seconds from the first moment to the second (wall clock, or open hours only)."""


def wall_seconds(start: datetime, end: datetime) -> float:
    """Elapsed seconds (never negative)."""
    return max((end - start).total_seconds(), 0.0)


@dataclass(frozen=True)
class Period:
    """``[since, until)``; aware UTC, or naive UTC throughout (store.stats_reader)."""

    since: datetime
    until: datetime

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.since <= moment < self.until


Sink = tuple[Callable[[Any, datetime], Tally], Iterable[Any]]
"""Where a ticket's events go: ``tally(key, moment)`` for each of the keys."""


def add_ticket(
    sinks: Iterable[Sink],
    ticket: TicketFacts,
    period: Period,
    *,
    targets: SlaTargets | None,
    duration: Duration,
    now: datetime,
) -> None:
    """Count ``ticket``'s created / first response / close events that fall in ``period``
    into each sink's tallies (the whole period's, a group's)."""
    since, until = period.since, period.until
    created, reply, closed = ticket.created_at, ticket.first_reply, ticket.closed_at
    created_in = since <= created < until
    first_in = ticket.first_in
    reply_in = (
        reply is not None
        and since <= reply < until
        and first_in is not None
        and not ticket.shop_opened
    )
    closed_in = closed is not None and since <= closed < until
    if not (created_in or reply_in or closed_in):
        return
    breached = created_in and ticket.open and bool(targets) and _breached(ticket, targets, now)
    first_goal = targets.first_response if targets else None
    resolution_goal = targets.resolution if targets else None
    if reply_in:
        assert reply is not None and first_in is not None
        response = duration(first_in, reply)
    if closed_in:
        assert closed is not None
        resolution = duration(created, closed)
    for tally_of, keys in sinks:
        for key in keys:
            if created_in:
                tally = tally_of(key, created)
                tally.tickets_created += 1
                tally.breached_open += breached
            if reply_in:
                assert reply is not None
                tally = tally_of(key, reply)
                tally.first_response.append(response)
                if first_goal is not None:
                    tally.fr_judged += 1
                    tally.fr_met += reply - created <= first_goal
            if closed_in:
                assert closed is not None
                tally = tally_of(key, closed)
                tally.tickets_closed += 1
                tally.resolution.append(resolution)
                tally.one_touch += ticket.replies < 2
                if resolution_goal is not None:
                    tally.res_judged += 1
                    tally.res_met += closed - created <= resolution_goal


def _breached(ticket: TicketFacts, targets: SlaTargets | None, now: datetime) -> bool:
    """A clock still running past due at ``now`` (domain.sla.sla_summary's ``breached``)."""
    assert targets is not None
    span = now - ticket.created_at
    first = targets.first_response
    if first is not None and ticket.first_reply is None and span > first:
        return True
    return targets.resolution is not None and span > targets.resolution


def day_key(moment: datetime) -> str:
    """A local moment's day: ``2026-12-07``."""
    return moment.date().isoformat()


def week_key(moment: datetime) -> str:
    """A local moment's week, by its Monday: ``2026-12-07``."""
    return (moment.date() - timedelta(days=moment.weekday())).isoformat()


def time_buckets(period: Period, by: str, zone: Any) -> list[str]:
    """Every day (or week) of ``period`` in ``zone``, in order."""
    key = day_key if by == "day" else week_key
    first = period.since.astimezone(zone).date()
    last = (period.until - timedelta(microseconds=1)).astimezone(zone).date()
    keys: list[str] = []
    day = first
    while day <= last:
        name = key(datetime(day.year, day.month, day.day))
        if not keys or keys[-1] != name:
            keys.append(name)
        day += timedelta(days=1)
    return keys


def flat_row(metrics: dict[str, Any]) -> dict[str, Any]:
    """M as flat CSV columns (``first_response_median_s``, ``sla_breached_open``, ...);
    ``revenue_amount`` as ``CUR AMOUNT`` pairs joined by ``;``."""
    row: dict[str, Any] = {}
    for name, value in metrics.items():
        if name == "revenue":
            row["revenue_orders"] = value["orders"]
            row["revenue_amount"] = ";".join(f"{c} {a}" for c, a in sorted(value["amount"].items()))
        elif isinstance(value, dict):
            for part, inner in value.items():
                row[f"{name}_{part}"] = inner
        else:
            row[name] = value
    return row

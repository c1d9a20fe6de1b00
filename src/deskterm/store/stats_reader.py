"""``deskterm stats``: a few aggregate queries over the read path, folded into metrics.

SQL does the per-ticket and per-hour aggregation (one row per ticket touched by the
period, one per hour bucket); Python applies the definitions (domain.metrics), the group
keys and business hours. Plain SQL with named parameters: the sqlite3 fast path and
PostgreSQL run it unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from deskterm.domain.business_hours import BusinessHours, open_seconds_between
from deskterm.domain.metric_keys import TIME_KEYS
from deskterm.domain.metrics import (
    DEFINITIONS,
    Duration,
    Period,
    Sink,
    Tally,
    TicketFacts,
    add_ticket,
    day_key,
    time_buckets,
    wall_seconds,
    week_key,
)
from deskterm.domain.revenue import AttributionRules
from deskterm.domain.sla import SlaTargets
from deskterm.store.agent_activity import Activity, read_activity
from deskterm.store.metric_sql import (
    AGENT_REPLY,
    CUSTOMER_MESSAGE,
    LIVE_TICKET,
    period_params,
)
from deskterm.store.readdb import ReadDb, db_naive_moment, iso_utc, naive_utc
from deskterm.store.revenue_reader import read_attributions
from deskterm.store.sql_in import in_query

_IN_PERIOD = "m.sent_at >= :_since AND m.sent_at < :_until"

# The ticket field each non-time --by reads (tag has its own query).
_KEY_COLUMN = {
    "channel": "ch.name",
    "agent": "a.email",
    "store": "t.store",
    "intent": "t.intent",
    "language": "t.language",
}

# The tickets the period touches: a message sent in it, or created or closed in it.
# Reading only their messages (by the ticket index) makes the default 30 days a small
# fraction of a 100k-ticket store; the whole history costs ~1.5x a full scan. On SQLite
# {plus} is "+": it keeps the planner off the sent_at index, whose every hit reads a wide
# message row for its ticket_id, and on the (ticket_id, sent_at) index, which holds both.
_TOUCHED = """
    SELECT s.ticket_id FROM message s
    WHERE {plus}s.sent_at >= :_since AND {plus}s.sent_at < :_until
    UNION
    SELECT c.id FROM ticket c
    WHERE (c.created_at >= :_since AND c.created_at < :_until)
       OR (c.closed_at >= :_since AND c.closed_at < :_until)
"""

_TICKETS = f"""
SELECT t.id, ch.name, t.created_at, t.status, t.snoozed_until, t.closed_at, {{key}}
FROM ticket t
JOIN channel ch ON ch.id = t.channel_id
LEFT JOIN agent a ON a.id = t.assignee_id
WHERE {LIVE_TICKET} AND t.id IN ({_TOUCHED})
"""

# Each touched ticket's messages, grouped (joined to the tickets in Python: SQLite
# joining a grouped subquery took twice as long as both queries apart).
_MESSAGES = f"""
SELECT m.ticket_id,
    min(CASE WHEN {CUSTOMER_MESSAGE} THEN m.sent_at END),
    min(CASE WHEN m.direction = 'out' THEN m.sent_at END),
    min(CASE WHEN {AGENT_REPLY} THEN m.sent_at END),
    sum(CASE WHEN {AGENT_REPLY} THEN 1 ELSE 0 END),
    sum(CASE WHEN {CUSTOMER_MESSAGE} AND {_IN_PERIOD} THEN 1 ELSE 0 END),
    sum(CASE WHEN {AGENT_REPLY} AND {_IN_PERIOD} THEN 1 ELSE 0 END)
FROM message m
WHERE m.ticket_id IN ({_TOUCHED})
GROUP BY m.ticket_id
"""


# Surveys sent or answered in the period (the survey table is small: one row per survey).
_SURVEYS = """
SELECT s.ticket_id, s.sent_at, s.answered_at, s.score FROM csatsurvey s
WHERE (s.sent_at >= :_since AND s.sent_at < :_until)
   OR (s.answered_at >= :_since AND s.answered_at < :_until)
"""


@dataclass(frozen=True)
class StatsRequest:
    """What to compute: the period, the grouping and the clock."""

    period: Period
    by: str | None = None
    targets: Mapping[str, SlaTargets] | None = None  # by channel name
    hours: BusinessHours | None = None  # count open hours only (--business-hours)
    zone: tzinfo = UTC  # days and weeks are read here
    now: datetime | None = None
    revenue: AttributionRules = field(
        default_factory=AttributionRules
    )  # what counts as revenue from support


def read_stats(db: ReadDb, request: StatsRequest) -> dict[str, Any]:
    """``stats --json``: ``{period, metrics, groups, definitions}``.

    Inside, moments are naive UTC (as SQLite stores them): at 100k tickets, parsing and
    comparing them that way is measurably cheaper than aware datetimes.
    """
    by = request.by
    period = Period(naive_utc(request.period.since), naive_utc(request.period.until))
    now = naive_utc(request.now or datetime.now(UTC))
    targets = request.targets or {}
    params = period_params(db.dialect, request.period.since, request.period.until)
    key_sql = _KEY_COLUMN.get(by or "", "NULL")
    plus = "+" if db.dialect == "sqlite" else ""
    ticket_rows = db.all(_TICKETS.format(key=key_sql, plus=plus), params)
    tickets = {int(row[0]): row for row in ticket_rows}
    tags = _tags(db) if by == "tag" else {}
    duration = _duration(request.hours)
    overall = Tally()
    groups: dict[Any, Tally] = defaultdict(Tally)
    if by in TIME_KEYS:
        for name in time_buckets(request.period, by or "day", request.zone):
            groups[name] = Tally()
    hourly = by in TIME_KEYS and _whole_hours(request.period, request.zone)
    bucket = _bucket(by, request.zone, hourly=hourly)

    def whole(_key: Any, _moment: datetime) -> Tally:
        return overall

    def by_key(key: Any, _moment: datetime) -> Tally:
        return groups[key]

    def by_time(_key: Any, moment: datetime) -> Tally:
        return groups[bucket(moment)] if bucket else overall

    grouped = by_key if bucket is None else by_time

    for ticket_id, first_in, first_out, first_reply, replies, in_period, out_period in db.all(
        _MESSAGES.format(plus=plus), params
    ):
        row = tickets.get(ticket_id)
        if row is None:
            continue  # spam, or merged into another ticket
        ticket = _facts(row, first_in, first_out, first_reply, replies)
        received, sent = int(in_period or 0), int(out_period or 0)
        keys = tags.get(ticket.id, [None]) if by == "tag" else [row[6]]
        sinks: list[Sink] = (
            [(whole, (None,))] if by is None else [(whole, (None,)), (grouped, keys)]
        )
        add_ticket(
            sinks, ticket, period, targets=targets.get(ticket.channel), duration=duration, now=now
        )
        overall.messages_received += received
        overall.messages_sent += sent
        overall.tickets_replied += sent > 0
        if by is None:
            continue
        if bucket is None:
            for key in keys:
                groups[key].messages_received += received
                groups[key].messages_sent += sent
                groups[key].tickets_replied += sent > 0
    if bucket is not None:
        _time_messages(db, params, bucket, groups, set(tickets), hourly=hourly)
    for ticket_id, sent_at, answered_at, score in db.all(_SURVEYS, params):
        row = tickets.get(int(ticket_id))
        if row is None:
            continue  # spam, merged, or untouched by the period
        keys = tags.get(int(ticket_id), [None]) if by == "tag" else [row[6]]
        for moment, is_answer in (
            (db_naive_moment(sent_at), False),
            (db_naive_moment(answered_at), True),
        ):
            if moment is None or not period.since <= moment < period.until:
                continue
            if is_answer and score is None:
                continue
            tallies = [overall] if by is None else [overall, *(grouped(k, moment) for k in keys)]
            for tally in tallies:
                if is_answer:
                    tally.csat_scores.append(int(score))
                else:
                    tally.csat_sent += 1
    _count_revenue(
        db, request, overall, grouped=grouped, tags=tags, key_sql=key_sql, tickets=tickets
    )
    sla = bool(targets)
    activity = (
        read_activity(db, request.period.since, request.period.until) if by == "agent" else {}
    )
    for email in activity:
        groups.setdefault(email, Tally())  # an agent who acted on tickets assigned to none
    return {
        "period": {"since": iso_utc(request.period.since), "until": iso_utc(request.period.until)},
        "metrics": overall.as_json(sla_configured=sla),
        "groups": [
            {"key": key, "metrics": groups[key].as_json(sla_configured=sla)}
            | ({"activity": activity.get(key, Activity()).as_json()} if by == "agent" else {})
            for key in _ordered(groups, by)
        ],
        "definitions": dict(DEFINITIONS),
    }


def _count_revenue(
    db: ReadDb,
    request: StatsRequest,
    overall: Tally,
    *,
    grouped: Callable[[Any, datetime], Tally],
    tags: Mapping[int, list[str]],
    key_sql: str,
    tickets: Mapping[int, Any],
) -> None:
    """Orders placed in the period and attributed to a pre-sale reply: in the whole, and
    in the group of the attributed ticket (--by agent: of the replying agent)."""
    found = read_attributions(db, request.period.since, request.period.until, request.revenue)
    by = request.by
    keys: dict[int, Any] = {}
    if by in _KEY_COLUMN and by != "agent":
        missing = sorted({a.reply.ticket_id for a in found} - set(tickets))
        keys = {
            int(ticket_id): key
            for ticket_id, key in in_query(
                db,
                f"SELECT t.id, {key_sql} FROM ticket t JOIN channel ch ON ch.id = t.channel_id"
                " WHERE t.id IN ({ids})",
                missing,
            )
        }
        keys.update({ticket_id: row[6] for ticket_id, row in tickets.items()})
    for attribution in found:
        overall.revenue.add(attribution.order)
        if by is None:
            continue
        ticket_id = attribution.reply.ticket_id
        if by == "agent":
            owners: list[Any] = [attribution.reply.agent]
        elif by == "tag":
            owners = tags.get(ticket_id, [None])
        else:
            owners = [keys.get(ticket_id)]
        for key in owners:
            grouped(key, attribution.order.placed_at).revenue.add(attribution.order)


def _facts(row: Any, first_in: Any, first_out: Any, first_reply: Any, replies: Any) -> TicketFacts:
    created = db_naive_moment(row[2])
    assert created is not None
    status, snoozed = row[3], row[4]
    # A snooze is stored as a close (with snoozed_until): not a resolution.
    closed = db_naive_moment(row[5]) if status == "closed" and snoozed is None else None
    return TicketFacts(
        id=int(row[0]),
        channel=str(row[1]),
        created_at=created,
        open=status == "open",
        closed_at=closed,
        first_in=db_naive_moment(first_in),
        first_out=db_naive_moment(first_out),
        first_reply=db_naive_moment(first_reply),
        replies=int(replies or 0),
    )


def _tags(db: ReadDb) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for ticket_id, name in db.all(
        "SELECT tt.ticket_id, g.name FROM tickettag tt JOIN tag g ON g.id = tt.tag_id"
        " ORDER BY g.name"
    ):
        found[int(ticket_id)].append(str(name))
    return found


def _duration(hours: BusinessHours | None) -> Duration:
    if hours is None:
        return wall_seconds

    def open_seconds(start: datetime, end: datetime) -> float:
        return open_seconds_between(start.replace(tzinfo=UTC), end.replace(tzinfo=UTC), hours)

    return open_seconds


def _bucket(by: str | None, zone: tzinfo, *, hourly: bool) -> Callable[[datetime], str] | None:
    """The day/week key of a naive UTC moment, remembered per UTC hour (or minute, in a
    zone off by half hours): a few thousand zone conversions instead of one per event."""
    if by not in TIME_KEYS:
        return None
    name = day_key if by == "day" else week_key
    known: dict[int, str] = {}

    def bucket(moment: datetime) -> str:
        slot = moment.toordinal() * 1440 + moment.hour * 60 + (0 if hourly else moment.minute)
        key = known.get(slot)
        if key is None:
            key = known[slot] = name(moment.replace(tzinfo=UTC).astimezone(zone))
        return key

    return bucket


def _ordered(groups: Mapping[Any, Tally], by: str | None) -> list[Any]:
    if by in TIME_KEYS:
        return sorted(groups)
    # By name; the ticket without one (no tag, unassigned, ...) last.
    return sorted(groups, key=lambda key: (key is None, "" if key is None else str(key)))


def _time_messages(
    db: ReadDb,
    params: dict[str, Any],
    bucket: Callable[[datetime], str],
    groups: dict[Any, Tally],
    live: set[int],
    *,
    hourly: bool,
) -> None:
    """Messages and replied tickets per day/week, from per-hour counts of each ticket
    (``live``: the tickets counted; spam and merged ones are not)."""
    slot = _slot_sql(db.dialect, hourly)
    replied: set[tuple[str, int]] = set()
    days: dict[str, str] = {}
    for slot_text, ticket_id, received, sent in db.all(
        f"SELECT {slot}, m.ticket_id, sum(CASE WHEN {CUSTOMER_MESSAGE} THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN {AGENT_REPLY} THEN 1 ELSE 0 END)"
        f" FROM message m WHERE {_IN_PERIOD} GROUP BY 1, 2",
        params,
    ):
        if ticket_id not in live:
            continue
        key = days.get(slot_text)
        if key is None:
            key = days[slot_text] = bucket(_slot(slot_text))
        groups[key].messages_received += int(received or 0)
        groups[key].messages_sent += int(sent or 0)
        if sent:
            replied.add((key, ticket_id))
    for key, _ticket in replied:
        groups[key].tickets_replied += 1


def _whole_hours(period: Period, zone: tzinfo) -> bool:
    """Whether ``zone`` is a whole number of hours off UTC all through ``period`` (checked
    every 15 days: offsets change twice a year at most)."""
    moment = period.since
    while True:
        offset = moment.astimezone(zone).utcoffset() or timedelta(0)
        if offset.total_seconds() % 3600:
            return False
        if moment >= period.until:
            return True
        moment = min(moment + timedelta(days=15), period.until)


def _slot_sql(dialect: str, hourly: bool) -> str:
    """A message's UTC hour (or minute, for zones off by half hours): a slot never
    straddles two local days."""
    if dialect == "sqlite":
        return f"substr(m.sent_at, 1, {13 if hourly else 16})"
    pattern = "YYYY-MM-DD HH24" if hourly else "YYYY-MM-DD HH24:MI"
    return f"to_char(m.sent_at AT TIME ZONE 'UTC', '{pattern}')"


def _slot(text: Any) -> datetime:
    """A slot as naive UTC (its start)."""
    value = str(text)
    return datetime.fromisoformat(value if len(value) > 13 else value + ":00")

"""What each agent did in a period (``stats --by agent``, the stats screen's agents table):
replies sent, tickets closed, first responses, time online in the inbox, CSAT.

Credit goes to who acted, not to who is assigned: the agent who wrote a reply (replies
written in deskterm carry their agent; ones synced from a Sent folder or a marketplace
have none and count under null), the agent who closed a ticket, the agent whose reply
was the ticket's first response, the agent whose close sent the survey.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deskterm.domain.metrics import percentile
from deskterm.store.metric_sql import AGENT_REPLY, CUSTOMER_MESSAGE, LIVE_TICKET, period_params
from deskterm.store.readdb import ReadDb, db_moment
from deskterm.store.sql_in import in_query

_IN_PERIOD = "m.sent_at >= :_since AND m.sent_at < :_until"


@dataclass
class Activity:
    """One agent's figures in the period."""

    replies: int = 0
    tickets_closed: set[int] = field(default_factory=set)
    first_responses: list[float] = field(default_factory=list)
    online_s: float = 0.0
    sessions: int = 0
    csat: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """``{replies, tickets_closed, first_response: {median_s, count}, online_s,
        sessions, csat: {responses, average, score}}`` (null where nothing was measured)."""
        median = percentile(self.first_responses, 0.5)
        scores = self.csat
        return {
            "replies": self.replies,
            "tickets_closed": len(self.tickets_closed),
            "first_response": {
                "median_s": None if median is None else round(median),
                "count": len(self.first_responses),
            },
            "online_s": round(self.online_s),
            "sessions": self.sessions,
            "csat": {
                "responses": len(scores),
                "average": round(sum(scores) / len(scores), 2) if scores else None,
                "score": sum(1 for s in scores if s >= 4) / len(scores) if scores else None,
            },
        }


def read_activity(db: ReadDb, since: datetime, until: datetime) -> dict[str | None, Activity]:
    """Each agent's activity in ``[since, until)``, by email (None: replies no agent of
    deskterm wrote). Agents who did nothing in the period are not in the answer."""
    params = period_params(db.dialect, since, until)
    start, end = db_moment(params["_since"]), db_moment(params["_until"])
    assert start is not None and end is not None
    found: dict[str | None, Activity] = defaultdict(Activity)
    emails = {int(i): str(e) for i, e in db.all("SELECT id, email FROM agent")}

    def of(agent_id: Any) -> Activity:
        return found[emails.get(int(agent_id)) if agent_id is not None else None]

    for agent_id, count in db.all(
        f"SELECT m.agent_id, count(*) FROM message m JOIN ticket t ON t.id = m.ticket_id"
        f" WHERE {AGENT_REPLY} AND {_IN_PERIOD} AND {LIVE_TICKET} GROUP BY m.agent_id",
        params,
    ):
        of(agent_id).replies += int(count)
    for agent_id, ticket_id in db.all(
        "SELECT DISTINCT e.agent_id, e.ticket_id FROM event e JOIN ticket t ON t.id = e.ticket_id"
        " WHERE e.kind = 'ticket.closed' AND e.agent_id IS NOT NULL"
        f" AND e.created_at >= :_since AND e.created_at < :_until AND {LIVE_TICKET}",
        params,
    ):
        of(agent_id).tickets_closed.add(int(ticket_id))
    _first_responses(db, params, of)
    _sessions(db, params, start, end, of)
    _csat(db, params, of)
    return dict(found)


def _first_responses(db: ReadDb, params: dict[str, Any], of: Any) -> None:
    """Tickets whose first agent reply was sent in the period, credited to its writer;
    the time from the customer's first message (tickets the shop opened left out, as in
    domain.metrics' first_response)."""
    replies = db.all(
        f"SELECT m.ticket_id, m.sent_at, m.agent_id FROM message m JOIN ticket t"
        f" ON t.id = m.ticket_id WHERE {AGENT_REPLY} AND {_IN_PERIOD} AND {LIVE_TICKET}"
        " ORDER BY m.ticket_id, m.sent_at, m.id",
        params,
    )
    first_in_period: dict[int, tuple[datetime, Any]] = {}
    for ticket_id, sent_at, agent_id in replies:
        moment = db_moment(sent_at)
        if moment is not None:
            first_in_period.setdefault(int(ticket_id), (moment, agent_id))
    ids = sorted(first_in_period)
    earliest: dict[int, tuple[datetime | None, datetime | None, datetime | None]] = {}
    for ticket_id, first_in, first_out, first_reply in in_query(
        db,
        f"SELECT m.ticket_id, min(CASE WHEN {CUSTOMER_MESSAGE} THEN m.sent_at END),"
        " min(CASE WHEN m.direction = 'out' THEN m.sent_at END),"
        f" min(CASE WHEN {AGENT_REPLY} THEN m.sent_at END)"
        " FROM message m WHERE m.ticket_id IN ({ids}) GROUP BY m.ticket_id",
        ids,
        {"_no": False},
    ):
        earliest[int(ticket_id)] = (
            db_moment(first_in),
            db_moment(first_out),
            db_moment(first_reply),
        )
    for ticket_id, (moment, agent_id) in first_in_period.items():
        first_in, first_out, first_reply = earliest.get(ticket_id, (None, None, None))
        if first_reply is None or moment != first_reply or first_in is None:
            continue  # an earlier reply (before the period) was the first response
        if first_out is not None and first_out < first_in:
            continue  # the shop opened the ticket
        of(agent_id).first_responses.append(max((moment - first_in).total_seconds(), 0.0))


def _sessions(db: ReadDb, params: dict[str, Any], start: datetime, end: datetime, of: Any) -> None:
    """Time in the inbox within the period: each session from its start to its end (a
    session still open, or cut short by a crash, to its last heartbeat)."""
    for agent_id, started, seen, ended in db.all(
        "SELECT s.agent_id, s.started_at, s.last_seen_at, s.ended_at FROM agentsession s"
        " WHERE s.started_at < :_until AND coalesce(s.ended_at, s.last_seen_at) >= :_since",
        params,
    ):
        began, stopped = db_moment(started), db_moment(ended) or db_moment(seen)
        if began is None or stopped is None:
            continue
        overlap = (min(stopped, end) - max(began, start)).total_seconds()
        activity = of(agent_id)
        activity.sessions += 1
        activity.online_s += max(overlap, 0.0)


def _csat(db: ReadDb, params: dict[str, Any], of: Any) -> None:
    """Ratings received in the period, each credited to the agent whose close (the last
    before the survey went out) sent it."""
    answers = db.all(
        "SELECT s.ticket_id, s.sent_at, s.score FROM csatsurvey s WHERE s.score IS NOT NULL"
        " AND s.answered_at >= :_since AND s.answered_at < :_until",
        params,
    )
    ids = sorted({int(row[0]) for row in answers})
    closes: dict[int, list[tuple[datetime, Any]]] = defaultdict(list)
    for ticket_id, agent_id, created in in_query(
        db,
        "SELECT e.ticket_id, e.agent_id, e.created_at FROM event e"
        " WHERE e.kind = 'ticket.closed' AND e.agent_id IS NOT NULL AND e.ticket_id IN ({ids})",
        ids,
    ):
        moment = db_moment(created)
        if moment is not None:
            closes[int(ticket_id)].append((moment, agent_id))
    for ticket_id, sent_at, score in answers:
        sent = db_moment(sent_at)
        before = [c for c in closes.get(int(ticket_id), []) if sent is None or c[0] <= sent]
        if before:
            of(max(before, key=lambda c: c[0])[1]).csat.append(int(score))

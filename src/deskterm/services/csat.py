"""Satisfaction surveys (issue 15 item 2): scheduled when an agent closes a ticket, sent
through the outbox when due; the rating comes back with the customer's reply (ingest).

Like the rules engine, this reads the store's event log after a cursor (``rulecursor``
row ``csat``), so a close made in the TUI, the CLI or another terminal is seen by
whichever process syncs, and a crash loses nothing: a survey row is written in the same
transaction as the cursor move, and a sent survey is an outbox row written with its
state, so it goes out exactly once. Never for spam, never for a ticket a rule or the
system closed, at most one per ticket (UNIQUE ticket_id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from deskterm.automation.csat_survey import survey_language, survey_text
from deskterm.domain.crash import crash_point
from deskterm.domain.enums import TicketStatus
from deskterm.services.actor import Actor
from deskterm.services.replies import reply_queued
from deskterm.store.engine import Store
from deskterm.store.events import advance_cursor, event_cursor, last_event_id
from deskterm.store.tables import Channel, CsatSurvey, Event, RuleCursor, Ticket, as_utc

if TYPE_CHECKING:
    from deskterm.config import Config

CURSOR = "csat"
SURVEY_ACTOR = Actor(label="survey:csat")
BATCH = 1000  # close events read per transaction


@dataclass(frozen=True, slots=True)
class CsatSettings:
    """What the surveys need from ``[csat]``."""

    enabled: bool = False
    delay: timedelta = timedelta(hours=1)
    channels: frozenset[str] = field(default_factory=frozenset)  # empty: every channel
    answer_days: int = 7


def csat_settings(config: Config) -> CsatSettings:
    """``[csat]`` as the surveys take it."""
    section = config.csat
    return CsatSettings(
        enabled=section.enabled,
        delay=section.delay,
        channels=frozenset(section.channels),
        answer_days=section.answer_days,
    )


@dataclass
class SurveyPass:
    """What one ``run_surveys`` call did."""

    scheduled: int = 0
    sent: int = 0
    cancelled: int = 0


def run_surveys(store: Store, settings: CsatSettings, *, now: datetime | None = None) -> SurveyPass:
    """Schedule a survey for each agent close logged since the last call, then queue the
    surveys that are due (their replies go out with the outbox)."""
    done = SurveyPass()
    if not settings.enabled:
        _skip_to_end(store)  # turning surveys on never surveys the closes before
        return done
    while _schedule_batch(store, settings, done):
        pass
    _send_due(store, settings, now or datetime.now(UTC), done)
    return done


def _unread(store: Store) -> int | None:
    """The log's last event id when the surveys' cursor is behind it, else None (read
    first: the daemon calls this every few seconds, mostly to find nothing new)."""
    with store.read() as session:
        row = session.get(RuleCursor, CURSOR)
        last = last_event_id(session)
    return None if row is not None and row.event_id >= last else last


def _skip_to_end(store: Store) -> None:
    last = _unread(store)
    if last is not None:
        with store.write() as session:
            advance_cursor(session, CURSOR, last)


def _schedule_batch(store: Store, settings: CsatSettings, done: SurveyPass) -> bool:
    """Schedule the surveys of up to BATCH new events; False when the log is read."""
    last = _unread(store)
    if last is None:
        return False
    with store.write() as session:
        cursor = event_cursor(session, CURSOR)
        closes = session.exec(
            select(Event.id, Event.ticket_id, Event.actor, Event.created_at)
            .where(col(Event.id) > cursor.event_id, Event.kind == "ticket.closed")
            .order_by(col(Event.id))
            .limit(BATCH)
        ).all()
        end = int(closes[-1][0] or 0) if len(closes) == BATCH else last
        for _event_id, ticket_id, actor, at in closes:
            if ticket_id is None or not actor.startswith("agent:"):
                continue  # a rule's or the system's close: no survey
            if _schedule(session, settings, ticket_id, as_utc(at) + settings.delay):
                done.scheduled += 1
        advance_cursor(session, CURSOR, end)
        crash_point("csat.scheduled")
    return len(closes) == BATCH


def _schedule(session: Session, settings: CsatSettings, ticket_id: int, due: datetime) -> bool:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.spam or ticket.merged_into_id is not None:
        return False
    if settings.channels:
        channel = session.get(Channel, ticket.channel_id)
        if channel is None or channel.name not in settings.channels:
            return False
    survey = session.exec(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket_id)).first()
    if survey is None:
        session.add(CsatSurvey(ticket_id=ticket_id, due_at=due))
        return True
    if survey.state in ("scheduled", "cancelled"):
        # Closed again: the survey waits for this close (at most one is ever sent).
        survey.state, survey.due_at = "scheduled", due
        session.add(survey)
        return True
    return False


def _send_due(store: Store, settings: CsatSettings, now: datetime, done: SurveyPass) -> None:
    with store.read() as session:
        due = session.exec(
            select(CsatSurvey.id)
            .where(CsatSurvey.state == "scheduled", col(CsatSurvey.due_at) <= now)
            .order_by(col(CsatSurvey.due_at))
        ).all()
    for survey_id in due:
        with store.write() as session:
            survey = session.get(CsatSurvey, survey_id)
            if survey is None or survey.state != "scheduled":
                continue  # another process sent it meanwhile
            ticket = session.get(Ticket, survey.ticket_id)
            still_closed = (
                ticket is not None
                and ticket.status == TicketStatus.CLOSED.value
                and ticket.snoozed_until is None
                and not ticket.spam
                and ticket.merged_into_id is None
            )
            if not still_closed:
                # Reopened (or snoozed, spam) before it was due: none until it is closed
                # again by an agent.
                survey.state = "cancelled"
                session.add(survey)
                done.cancelled += 1
                continue
            assert ticket is not None and ticket.id is not None
            language = survey_language(ticket.language)
            queued = reply_queued(
                session, ticket.id, survey_text(language), SURVEY_ACTOR, auto=True
            )
            # The survey goes out; the ticket stays closed (a reply reopens nothing).
            ticket.status = TicketStatus.CLOSED.value
            survey.state, survey.language = "sent", language
            survey.message_id, survey.sent_at = queued.message_id, now
            survey.answer_until = now + timedelta(days=settings.answer_days)
            session.add_all([survey, ticket])
            crash_point("csat.queued")
            done.sent += 1

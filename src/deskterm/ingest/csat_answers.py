"""A customer's reply to a satisfaction survey, read as the rating when it is one.

Ingest asks before it updates the ticket: a rating ("5", "⭐⭐⭐⭐", "lima") answers the
survey and must not reopen the closed ticket; anything else is an ordinary message (the
agent reads it). Written in the message's own transaction, so a crash leaves either the
message with its rating or neither.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select, update

from deskterm.automation.csat_rating import Rating, read_rating
from deskterm.store.tables import CsatSurvey, table_of

SURVEY = table_of(CsatSurvey)
_s = SURVEY.c

# A customer's clock may be a little behind ours: a reply dated up to this long before the
# survey went out is still its answer (older mail, e.g. history synced late, is not).
CLOCK_SKEW = timedelta(hours=1)

PENDING = select(_s.id).where(
    _s.ticket_id == bindparam("ticket_id"),
    _s.state == "sent",
    _s.sent_at <= bindparam("skewed"),
    _s.answer_until >= bindparam("at"),
)
ANSWERED = (
    update(SURVEY)
    .where(_s.id == bindparam("survey_id"), _s.state == "sent")
    .values(
        state="answered",
        score=bindparam("b_score"),
        comment=bindparam("b_comment"),
        answered_at=bindparam("b_answered_at"),
        answer_message_id=bindparam("b_message_id"),
    )
)


def survey_answer(
    conn: Connection, ticket_id: int, body: str, sent_at: datetime
) -> tuple[int, Rating] | None:
    """(survey id, rating) when the ticket awaits a survey answer and ``body`` is one."""
    survey_id = conn.execute(
        PENDING, {"ticket_id": ticket_id, "at": sent_at, "skewed": sent_at + CLOCK_SKEW}
    ).scalar()
    if survey_id is None:
        return None
    rating = read_rating(body)
    return None if rating is None else (int(survey_id), rating)


def record_answer(
    conn: Connection, survey_id: int, rating: Rating, message_id: int, at: datetime
) -> None:
    """Store the rating on the survey (once: a second answer finds it answered)."""
    conn.execute(
        ANSWERED,
        {
            "survey_id": survey_id,
            "b_score": rating.score,
            "b_comment": rating.comment,
            "b_answered_at": at,
            "b_message_id": message_id,
        },
    )

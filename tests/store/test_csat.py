"""Satisfaction surveys in the store (issue 15 item 2): scheduled on an agent's close,
sent once when due, never for spam, rule closes or reopened tickets, and a rating reply
stored once without reopening the ticket."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from deskterm.automation.csat_survey import SURVEYS
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.services.csat import CsatSettings, run_surveys
from deskterm.store.engine import Store
from deskterm.store.readdb import open_read
from deskterm.store.reader import get_ticket
from deskterm.store.tables import CsatSurvey, Event, Outbox, Ticket
from tests.conftest import ingest, msg

ON = CsatSettings(enabled=True, delay=timedelta(hours=1))


def later(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def agent(store: Store) -> Actor:
    with store.write() as session:
        return agent_actor(session, email="ana@shop.test", name="Ana")


def closed_ticket(store: Store, channel: ChannelContext, mid: str = "q@x", **kw: object) -> int:
    ticket_id = ingest(store, channel, msg(mid, **kw)).ticket_id  # type: ignore[arg-type]
    svc.close(store, ticket_id, agent(store))
    return ticket_id


def surveys(store: Store) -> list[CsatSurvey]:
    with store.read() as session:
        return list(session.exec(select(CsatSurvey)).all())


def outbox_bodies(store: Store) -> list[str]:
    with store.read() as session:
        return [row.body_text for row in session.exec(select(Outbox)).all()]


def answer(store: Store, channel: ChannelContext, body: str, mid: str, to: str) -> int:
    reply = dataclasses.replace(
        msg(
            mid,
            body=body,
            subject="Re: Where is my order?",
            in_reply_to=to,
            references=("q@x", to),  # as a mail client writes them
        ),
        sent_at=later(2.5),
    )
    return ingest(store, channel, reply).message_id


def survey_message_id(store: Store, ticket_id: int) -> str:
    with store.read() as session:
        row = session.exec(select(Outbox).where(Outbox.ticket_id == ticket_id)).one()
        return row.external_id


def test_a_close_schedules_one_survey_sent_when_due_in_the_outbox(
    store: Store, channel: ChannelContext
) -> None:
    ticket_id = closed_ticket(store, channel)
    done = run_surveys(store, ON, now=later(0.5))
    assert (done.scheduled, done.sent) == (1, 0)  # not due for an hour
    assert outbox_bodies(store) == []
    done = run_surveys(store, ON, now=later(1.5))
    assert done.sent == 1
    assert outbox_bodies(store) == [SURVEYS["en"]]
    assert run_surveys(store, ON, now=later(3)).sent == 0  # never twice
    [survey] = surveys(store)
    assert survey.state == "sent" and survey.ticket_id == ticket_id
    with store.read() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status == "closed"


def test_survey_is_in_the_customers_language(store: Store, channel: ChannelContext) -> None:
    ticket_id = ingest(store, channel, msg("q@x")).ticket_id
    with store.write() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.language = "id"
        session.add(ticket)
    svc.close(store, ticket_id, agent(store))
    run_surveys(store, ON, now=later(2))
    assert outbox_bodies(store) == [SURVEYS["id"]]


def test_no_survey_for_spam_rule_closes_disabled_or_other_channels(
    store: Store, channel: ChannelContext
) -> None:
    spam = ingest(store, channel, msg("s@x", sender="s@spam.test")).ticket_id
    svc.set_spam(store, spam, True, agent(store))
    svc.close(store, spam, agent(store))
    by_rule = ingest(store, channel, msg("r@x", sender="r@example.com")).ticket_id
    svc.close(store, by_rule, Actor("rule:close thanks"))
    assert run_surveys(store, ON, now=later(2)).sent == 0
    other = closed_ticket(store, channel, "o@x", sender="o@example.com")
    elsewhere = dataclasses.replace(ON, channels=frozenset({"shopee-id"}))
    assert run_surveys(store, elsewhere, now=later(2)).scheduled == 0
    assert other and outbox_bodies(store) == []


def test_turning_surveys_on_never_surveys_earlier_closes(
    store: Store, channel: ChannelContext
) -> None:
    closed_ticket(store, channel)
    run_surveys(store, CsatSettings(enabled=False))
    assert run_surveys(store, ON, now=later(2)).scheduled == 0


def test_a_ticket_reopened_before_the_survey_is_due_gets_none_until_closed_again(
    store: Store, channel: ChannelContext
) -> None:
    ticket_id = closed_ticket(store, channel)
    run_surveys(store, ON, now=later(0.1))
    svc.reopen(store, ticket_id, agent(store))
    done = run_surveys(store, ON, now=later(2))
    assert (done.sent, done.cancelled) == (0, 1)
    svc.close(store, ticket_id, agent(store))
    assert run_surveys(store, ON, now=later(0.5)).sent == 0  # due an hour after this close
    assert run_surveys(store, ON, now=later(2)).sent == 1
    assert len(surveys(store)) == 1 and len(outbox_bodies(store)) == 1


@pytest.mark.parametrize(
    ("body", "score", "comment"),
    [("5", 5, ""), ("4/5 pengiriman cepat", 4, "pengiriman cepat"), ("⭐⭐⭐", 3, "")],
)
def test_a_rating_reply_is_stored_once_and_does_not_reopen(
    store: Store, channel: ChannelContext, body: str, score: int, comment: str
) -> None:
    ticket_id = closed_ticket(store, channel)
    run_surveys(store, ON, now=later(1.5))
    survey_id = survey_message_id(store, ticket_id)
    answer(store, channel, body, "a1@x", survey_id)
    db = open_read(store.url)
    try:
        shown = get_ticket(db, ticket_id)
    finally:
        db.close()
    assert shown["status"] == "closed"
    assert shown["csat"]["score"] == score and shown["csat"]["comment"] == comment
    assert shown["csat"]["answered_at"].endswith("Z")
    assert shown["messages"][-1]["body_text"] == body  # the reply is in the conversation
    with store.read() as session:
        kinds = [e.kind for e in session.exec(select(Event).where(Event.ticket_id == ticket_id))]
    assert kinds.count("survey.answered") == 1 and "ticket.reopened" not in kinds
    # A second answer is an ordinary message: it is not taken as a new rating.
    answer(store, channel, "1", "a2@x", survey_id)
    [survey] = surveys(store)
    assert survey.score == score


def test_an_unclear_reply_is_left_to_the_agent_and_reopens(
    store: Store, channel: ChannelContext
) -> None:
    ticket_id = closed_ticket(store, channel)
    run_surveys(store, ON, now=later(1.5))
    answer(
        store,
        channel,
        "My order 1042 still has not arrived",
        "a1@x",
        survey_message_id(store, ticket_id),
    )
    [survey] = surveys(store)
    assert survey.state == "sent" and survey.score is None
    with store.read() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status == "open"


def test_stats_count_surveys_sent_and_ratings_received(
    store: Store, channel: ChannelContext
) -> None:
    from deskterm.domain.metrics import Period
    from deskterm.store.stats_reader import StatsRequest, read_stats

    ids = [
        closed_ticket(store, channel, f"q{n}@x", sender=f"c{n}@example.com", subject=f"S{n}")
        for n in range(3)
    ]
    run_surveys(store, ON, now=later(1.5))
    for n, body in ((0, "5"), (1, "2 - slow")):
        reply = dataclasses.replace(
            msg(
                f"a{n}@x",
                sender=f"c{n}@example.com",
                body=body,
                subject=f"Re: S{n}",
                references=(f"q{n}@x", survey_message_id(store, ids[n])),
            ),
            sent_at=later(2.5),
        )
        ingest(store, channel, reply)
    db = open_read(store.url)
    try:
        period = Period(later(-24), later(24))
        csat = read_stats(db, StatsRequest(period=period, now=later(3)))["metrics"]["csat"]
        by_channel = read_stats(db, StatsRequest(period=period, by="channel", now=later(3)))
    finally:
        db.close()
    assert csat == {
        "score": 0.5,  # one of the two ratings is 4 or 5
        "average": 3.5,
        "responses": 2,
        "sent": 3,
        "response_rate": 2 / 3,
    }
    assert by_channel["groups"][0]["metrics"]["csat"] == csat


def test_an_answer_runs_the_survey_answered_rules_and_no_rule_answers_the_survey(
    store: Store, channel: ChannelContext
) -> None:
    from deskterm.services import rules
    from deskterm.services.rule_engine import run_rules

    rules.import_rules(
        store,
        '[[rules]]\nname = "Rated"\nenabled = true\nwhen = ["survey.answered"]\n'
        "if = '*'\nthen = [{ tag = [\"rated\"] }]\n"
        '[[rules]]\nname = "Everything"\nenabled = true\nwhen = ["message.created"]\n'
        "if = 'message.from:agent'\nthen = [{ tag = [\"agent-wrote\"] }]\n",
        "rules.toml",
        Actor("agent:ana@shop.test"),
    )
    ticket_id = closed_ticket(store, channel)
    run_surveys(store, ON, now=later(1.5))
    run_rules(store)
    answer(store, channel, "5", "a1@x", survey_message_id(store, ticket_id))
    run_rules(store)
    db = open_read(store.url)
    try:
        tags = get_ticket(db, ticket_id)["tags"]
    finally:
        db.close()
    # The survey is no agent's message (message.from is "rule" for it): only "Rated" ran.
    assert tags == ["rated"]

"""Trust in rules, read-only: ``rules test`` (replay history) and ``rules explain`` (why).

Neither writes anything: they read the event log and evaluate conditions exactly as the
engine does (evaluate.py), in read sessions. A replayed event is judged against the
ticket as it is NOW (its tags, status, orders): the store keeps no snapshot of a ticket
at each past moment, and what a rule would do today is the question being asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from deskterm.automation.rules.batch import EventRef, Judge, automated, event_ref, gather_batch
from deskterm.automation.rules.conditions import parse_condition
from deskterm.automation.rules.evaluate import evaluate
from deskterm.automation.rules.model import Rule
from deskterm.domain.errors import NotFoundError
from deskterm.services.rule_engine import RULE_EVENTS, EngineSettings, event_facts, event_ref_of
from deskterm.services.rules import StoredRule, get_rule, list_rules
from deskterm.store.engine import Store
from deskterm.store.query_sql import datetime_param
from deskterm.store.session_read import SessionReadDb
from deskterm.store.tables import Event, RuleRun

MAX_LISTED = 100  # ticket ids listed per rule (the count is exact)


@dataclass
class RuleReplay:
    """What one rule would have matched over the replayed events."""

    name: str
    enabled: bool
    events: int = 0  # events of a kind it runs on
    matched: int = 0  # of those, how many it matched
    tickets: list[int] = field(default_factory=list)  # distinct, oldest event first

    def as_json(self) -> dict[str, Any]:
        """The ``rules test --json`` item."""
        return {
            "name": self.name,
            "enabled": self.enabled,
            "events": self.events,
            "matched_events": self.matched,
            "matched_tickets": len(self.tickets),
            "tickets": self.tickets[:MAX_LISTED],
        }


def _events(session: Session, since: datetime, ticket_id: int | None = None) -> list[Event]:
    query = select(Event).where(col(Event.kind).in_(list(RULE_EVENTS)))
    if ticket_id is not None:
        query = query.where(Event.ticket_id == ticket_id)
    else:
        query = query.where(Event.created_at >= since)
    return list(session.exec(query.order_by(col(Event.id))))


CHUNK = 5_000  # events whose facts are read together


def _event_chunks(session: Session, since: datetime) -> Iterator[list[EventRef]]:
    """The replayed events (those the engine would run rules on), oldest first, in chunks."""
    db = SessionReadDb(session)
    kinds = {f"k{n}": kind for n, kind in enumerate(RULE_EVENTS)}
    listed = ", ".join(f":{name}" for name in kinds)
    last = 0
    while True:
        rows = db.all(
            "SELECT id, ticket_id, kind, actor, created_at, data FROM event"
            f" WHERE kind IN ({listed}) AND created_at >= :since AND id > :last"
            " AND ticket_id IS NOT NULL ORDER BY id LIMIT :chunk",
            {**kinds, "since": datetime_param(since, db.dialect), "last": last, "chunk": CHUNK},
        )
        if not rows:
            return
        last = int(rows[-1][0])
        yield [
            event_ref(row, since)
            for row in rows
            # The engine runs no rule on what a rule did.
            if not automated(str(row[3]))
        ]


@dataclass(frozen=True, slots=True)
class Judged:
    """One rule on one chunk of replayed events: those it runs on, and those it matched."""

    rule: int  # its index in the rules replayed
    events: list[EventRef]  # oldest first
    matched: set[int]  # event ids


def replay_events(
    session: Session,
    rules: Sequence[Rule],
    since: datetime,
    settings: EngineSettings,
    now: datetime,
) -> Iterator[Judged]:
    """Per chunk of the events since ``since`` and per rule, what it runs on and matches,
    as the engine judges (batch.py), with each ticket condition run once over the whole
    store: a replay of months reads every ticket once per rule, not once per event; and
    the work per rule is per distinct set of fact values, not per event. Read-only."""
    db = SessionReadDb(session)
    trees = [parse_condition(rule.condition) for rule in rules]
    judge = Judge(db, trees, now=now, sla_targets=settings.sla_targets, whole_store=True)
    for chunk in _event_chunks(session, since):
        facts = gather_batch(db, chunk, judge.fields, settings.hours)
        vectors = {event_id: judge.vector(known) for event_id, known in facts.items()}
        by_trigger: dict[str, list[EventRef]] = {}
        for event in chunk:
            if event.id in vectors:
                by_trigger.setdefault(RULE_EVENTS[event.kind], []).append(event)
        grouped = {
            trigger: judge.group((e.id, e.ticket_id, vectors[e.id]) for e in events)
            for trigger, events in by_trigger.items()
        }
        for index, rule in enumerate(rules):
            for trigger in rule.when:
                if trigger in by_trigger:
                    matched = judge.matches(index, grouped[trigger])
                    yield Judged(index, by_trigger[trigger], matched)


def replay(
    store: Store,
    since: timedelta,
    *,
    only: str | None = None,
    settings: EngineSettings | None = None,
    now: datetime | None = None,
) -> list[RuleReplay]:
    """Per rule (or just ``only``), the events since ``now - since`` it would match."""
    settings = settings or EngineSettings()
    moment = now or datetime.now(UTC)
    chosen: list[StoredRule] = [get_rule(store, only)] if only else list_rules(store)
    results = [RuleReplay(s.rule.name, s.rule.enabled) for s in chosen]
    seen: list[set[int]] = [set() for _ in chosen]  # each result's tickets, to look up
    with store.read() as session:
        rules = [stored.rule for stored in chosen]
        for judged in replay_events(session, rules, moment - since, settings, moment):
            result, listed = results[judged.rule], seen[judged.rule]
            result.events += len(judged.events)
            result.matched += len(judged.matched)
            if not judged.matched:
                continue
            for event in judged.events:
                if event.id in judged.matched and event.ticket_id not in listed:
                    listed.add(event.ticket_id)
                    result.tickets.append(event.ticket_id)
    return results


@dataclass
class RuleExplained:
    """One rule on the ticket's latest event: each term's value, the verdict, what ran."""

    name: str
    enabled: bool
    runs_on_event: bool  # the event is one of its ``when``
    matched: bool
    terms: list[tuple[str, bool]]
    ran: dict[str, Any] | None  # the run record's outcome, when it ran on that event

    def as_json(self) -> dict[str, Any]:
        """The ``rules explain --json`` item."""
        return {
            "name": self.name,
            "enabled": self.enabled,
            "runs_on_event": self.runs_on_event,
            "matched": self.matched,
            "terms": [{"term": text, "value": value} for text, value in self.terms],
            "ran": self.ran,
        }


@dataclass
class Explanation:
    """``rules explain TICKET``: the event looked at and every rule on it."""

    ticket_id: int
    event: dict[str, Any]
    rules: list[RuleExplained]

    def as_json(self) -> dict[str, Any]:
        """The ``rules explain --json`` object."""
        return {
            "ticket": self.ticket_id,
            "event": self.event,
            "rules": [rule.as_json() for rule in self.rules],
        }


def explain(
    store: Store,
    ticket_id: int,
    *,
    settings: EngineSettings | None = None,
    now: datetime | None = None,
) -> Explanation:
    """Every rule on the ticket's latest rule event, term by term (nothing is written)."""
    settings = settings or EngineSettings()
    moment = now or datetime.now(UTC)
    stored = list_rules(store)
    with store.read() as session:
        events = [e for e in _events(session, moment, ticket_id) if not automated(e.actor)]
        if not events:
            raise NotFoundError(f"ticket {ticket_id} has no event a rule runs on")
        event = events[-1]
        assert event.id is not None
        trigger = RULE_EVENTS[event.kind]
        facts, _ = event_facts(session, event_ref_of(event), settings)
        if facts is None:
            raise NotFoundError(f"no ticket with id {ticket_id}")
        runs = {
            run.rule_name: run.outcome
            for run in session.exec(select(RuleRun).where(RuleRun.event_id == event.id))
        }
        db = SessionReadDb(session)
        explained = []
        for item in stored:
            rule = item.rule
            verdict = evaluate(
                db,
                rule.condition,
                facts,
                now=moment,
                sla_targets=settings.sla_targets,
                explain=True,
            )
            explained.append(
                RuleExplained(
                    rule.name,
                    rule.enabled,
                    trigger in rule.when,
                    verdict.matched,
                    [(leaf.text, leaf.value) for leaf in verdict.leaves],
                    runs.get(rule.name),
                )
            )
    shown = {
        "id": event.id,
        "event": trigger,
        "logged_as": event.kind,
        "actor": event.actor,
        "at": event.created_at.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
        if event.created_at.tzinfo is None
        else event.created_at.isoformat(),
        "message_from": facts.message_from,
    }
    return Explanation(ticket_id, shown, explained)

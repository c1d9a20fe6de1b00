"""The rules engine: read the event log after a cursor, run the enabled rules on each event.

Design (issue 14 part B):

- **Events are the store's own log** (``event`` table). Ingest logs ``message.received``
  for every stored message, the services log what agents and rules do; ``RULE_EVENTS``
  maps those kinds onto the six rule events. Reading the log, rather than hooking every
  writer, means one runner sees the sync's, the TUI's and the CLI's changes alike, from
  any process, and a crash loses nothing: the log is committed with what it describes.
- **Exactly once per (rule, event).** A rule that matches acts in ONE write transaction
  that also inserts its ``rulerun`` row (UNIQUE rule_id, event_id) and is re-checked
  inside it. A crash before the commit leaves nothing (the rule runs again); after it,
  the row makes every later pass skip that rule for that event. A reply is an outbox row
  written in that same transaction, and the outbox delivers it exactly once: never lost,
  never twice. Rules that do not match leave no row (100 rules on 20,000 messages must
  not write two million rows); after a crash they are simply evaluated again.
- **The cursor** (``rulecursor``) moves after each batch of events; a crash re-reads at
  most that batch, and the run rows make it harmless.
- **Commands** cannot be transactional: the run row (with the command) is committed
  first, then the program runs; a crash in between means it does not run. At most once.
- **Where it runs**: in whichever process syncs (``deskterm sync``, ``sync --once`` and
  the TUI's in-app sync call it after each pass; the sync layer gets it as a callback,
  ``after_pass``, since sync and services may not import each other), so the changes
  the TUI and the CLI make are picked up within seconds by the running sync.
- **No loops.** An event a rule caused runs no rule, except ``message.created`` of a
  rule's reply (so ``message.from:rule`` means something), and on that no rule may
  reply. A rule is armed when it is turned on: it never runs on events logged before.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from deskterm.automation.rules.batch import (
    EventRef,
    Judge,
    automated,
    event_ref,
    gather_batch,
    message_from,
    message_id_of,
)
from deskterm.automation.rules.conditions import parse_condition
from deskterm.automation.rules.evaluate import Facts, evaluate, gather_facts
from deskterm.automation.rules.load import stored_rule
from deskterm.automation.rules.model import Rule
from deskterm.config import Config
from deskterm.domain.business_hours import BusinessHours
from deskterm.domain.crash import crash_point
from deskterm.domain.errors import QueryError
from deskterm.domain.query_ast import Node
from deskterm.domain.signatures import Signatures
from deskterm.domain.sla import SlaTargets
from deskterm.domain.text import one_line
from deskterm.services.rule_actions import Command, Done, RuleAct, Signature
from deskterm.store.engine import Store
from deskterm.store.events import advance_cursor, append_event, event_cursor, last_event_id
from deskterm.store.session_read import SessionReadDb
from deskterm.store.tables import Event, Message, RuleCursor, RuleRun, Ticket, as_utc
from deskterm.store.tables import Rule as RuleRow

log = logging.getLogger(__name__)

CURSOR = "rules"
BATCH = 1000  # events read and judged together; the cursor moves after each
MAX_OUTPUT = 4000  # characters of a command's output kept in the run record

# Store event kinds -> rule events (model.EVENTS). Anything else runs no rule.
RULE_EVENTS: Mapping[str, str] = {
    "ticket.created": "ticket.created",
    "message.received": "message.created",  # ingest: every stored message, any direction
    "reply.queued": "message.created",  # an agent's or a rule's reply
    "ticket.assigned": "ticket.assigned",
    "snooze.ended": "snooze.ended",
    "survey.answered": "survey.answered",  # nothing emits it yet (CSAT surveys come later)
    **dict.fromkeys(
        (
            "tag.added",
            "tag.removed",
            "ticket.closed",
            "ticket.reopened",
            "ticket.snoozed",
            "ticket.unsnoozed",
            "ticket.spam",
            "ticket.not_spam",
            "ticket.unassigned",
            "ticket.priority",
            "ticket.intent",
            "ticket.merged",
        ),
        "ticket.updated",
    ),
}


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """What the engine needs from the config (the sync's caller hands it over)."""

    hours: BusinessHours | None = None
    sla_targets: Mapping[str, SlaTargets] | None = None
    signature: Signature = field(default_factory=Signature)
    run_commands: bool = True
    signatures: Signatures = field(default_factory=Signatures)  # the channels' go under replies


@dataclass
class EngineSummary:
    """What one ``run_rules`` call did."""

    events: int = 0
    runs: int = 0
    replies: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Loaded:
    id: int
    version: int
    armed_after: int
    rule: Rule
    tree: Node
    when: frozenset[str]  # the rule events it runs on


@dataclass(slots=True)
class _Pass:
    """One batch of events being run: the rules, what was judged, what acted."""

    store: Store
    settings: EngineSettings
    summary: EngineSummary
    now: datetime | None
    rules: list[_Loaded]
    moment: datetime  # the batch's verdicts are read as of this time
    judge: Judge | None = None  # one for the batch: what it folds and compiles is kept
    hits: dict[int, set[int]] = field(default_factory=dict)  # event -> rules pre-judged to match
    done: dict[tuple[int, int], bool] = field(default_factory=dict)  # ran: stopped?
    done_events: set[int] = field(default_factory=set)
    customer_of: dict[int, int | None] = field(default_factory=dict)  # ticket -> customer
    stale: set[int | None] = field(default_factory=set)  # customers a rule acted on
    index: dict[int, int] = field(default_factory=dict)  # rule id -> its place in rules

    def __post_init__(self) -> None:
        self.index = {loaded.id: place for place, loaded in enumerate(self.rules)}

    def judge_on(self, db: SessionReadDb) -> Judge:
        """The batch's judge, reading on ``db``."""
        if self.judge is None:
            self.judge = Judge(
                db,
                [loaded.tree for loaded in self.rules],
                now=self.moment,
                sla_targets=self.settings.sla_targets,
            )
        return self.judge.reading(db)


_PARSED: dict[str, Node] = {}  # condition text -> its tree (parsed once per process)


def _enabled_rules(session: Session) -> list[_Loaded]:
    rows = session.exec(
        select(RuleRow)
        .where(col(RuleRow.enabled).is_(True))
        .order_by(col(RuleRow.position), col(RuleRow.id))
    ).all()
    loaded = []
    for row in rows:
        assert row.id is not None
        rule = stored_rule(row.name, row.enabled, row.definition)
        key = rule.condition
        tree = _PARSED.get(key)
        if tree is None:
            try:
                tree = _PARSED[key] = parse_condition(rule.condition)
            except QueryError as exc:  # checked at import; a newer parser may disagree
                log.warning("rule %r: condition no longer reads: %s", row.name, exc)
                continue
        loaded.append(
            _Loaded(row.id, row.version, row.armed_after, rule, tree, frozenset(rule.when))
        )
    return loaded


def _move_cursor(store: Store, event_id: int) -> None:
    crash_point("rules.cursor")
    with store.write() as session:
        advance_cursor(session, CURSOR, event_id)


def run_rules(
    store: Store, settings: EngineSettings | None = None, *, now: datetime | None = None
) -> EngineSummary:
    """Run the enabled rules on every event logged since the last call; returns what ran.

    Safe to call from several processes at once (each (rule, event) still acts once).
    """
    settings = settings or EngineSettings()
    summary = EngineSummary()
    while True:
        # Read first: the daemon calls this every few seconds, mostly to find nothing new.
        with store.read() as session:
            row = session.get(RuleCursor, CURSOR)
            rules = _enabled_rules(session)
            last = last_event_id(session)
        if row is None or not rules:
            with store.write() as session:
                if not rules:
                    # Nothing can run: skip to the end, so turning a rule on never replays.
                    advance_cursor(session, CURSOR, last)
                    return summary
                start = event_cursor(session, CURSOR).event_id
        else:
            start = row.event_id
        if start >= last:
            return summary
        with store.read() as session:
            rows = SessionReadDb(session).all(
                "SELECT id, ticket_id, kind, actor, created_at, data FROM event"
                " WHERE id > :start ORDER BY id LIMIT :batch",
                {"start": start, "batch": BATCH},
            )
        if not rows:
            return summary
        moment = now or datetime.now(UTC)
        # Plain values, not ORM rows: a batch visits 1000 events x 100 rules.
        events = [event_ref(row, moment) for row in rows if row[1] is not None]
        summary.events += len(rows)
        run = _Pass(store, settings, summary, now, rules, moment)
        _prejudge(run, events)
        for event in events:
            _run_event(run, event)
        _move_cursor(store, int(rows[-1][0]))


def _trigger(event: EventRef) -> str | None:
    """The rule event ``event`` is, or None when no rule runs on it: a kind no rule
    watches, or a rule's own tag, close, ... (no ping-pong; a rule's reply still runs
    the rules, so ``message.from:rule`` means something)."""
    trigger = RULE_EVENTS.get(event.kind)
    if trigger is None or (automated(event.actor) and trigger != "message.created"):
        return None
    return trigger


def _candidates(rules: Sequence[_Loaded], event: EventRef, trigger: str) -> list[_Loaded]:
    """The rules that run on ``event`` (its trigger), in order: armed before it."""
    return [r for r in rules if trigger in r.when and event.id > r.armed_after]


def _judge(run: _Pass, rules: Sequence[_Loaded], events: Sequence[EventRef]) -> dict[int, set[int]]:
    """The rules (ids) that match among each event's candidates, by event id, judged
    together (batch.py: facts in bulk, one query per rule and folded condition)."""
    triggered = [(e, t) for e in events if (t := _trigger(e)) is not None]
    if not triggered:
        return {}
    first = min(e.id for e, _ in triggered)
    # Rules that run on the same events (same triggers, armed before all of them) share
    # one choice of events and one grouping: most rules do.
    shapes: dict[tuple[frozenset[str], int], list[_Loaded]] = defaultdict(list)
    for loaded in rules:
        armed = loaded.armed_after if loaded.armed_after >= first else 0
        shapes[(loaded.when, armed)].append(loaded)
    chosen = {
        shape: [e for e, trigger in triggered if trigger in shape[0] and e.id > shape[1]]
        for shape in shapes
    }
    wanted = {e.id: e for picked in chosen.values() for e in picked}
    if not wanted:
        return {}
    hits: dict[int, set[int]] = defaultdict(set)
    with run.store.read() as session:
        db = SessionReadDb(session)
        judge = run.judge_on(db)
        facts = gather_batch(db, list(wanted.values()), judge.fields, run.settings.hours)
        run.customer_of.update({f.ticket_id: f.customer_id for f in facts.values()})
        vectors = {event_id: judge.vector(f) for event_id, f in facts.items()}
        for shape, members in shapes.items():
            grouped = judge.group(
                (e.id, e.ticket_id, vectors[e.id]) for e in chosen[shape] if e.id in vectors
            )
            if not grouped:
                continue
            for loaded in members:
                for event_id in judge.matches(run.index[loaded.id], grouped):
                    hits[event_id].add(loaded.id)
    return hits


def _prejudge(run: _Pass, events: list[EventRef]) -> None:
    """Judge the whole batch first, and read which rules already ran on these events (a
    pass cut short by a crash)."""
    run.hits = _judge(run, run.rules, events)
    if not events:
        return
    first, last = events[0].id, events[-1].id
    with run.store.read() as session:
        for rule_id, event_id, stopped in session.exec(
            select(RuleRun.rule_id, RuleRun.event_id, RuleRun.stopped).where(
                col(RuleRun.event_id) >= first, col(RuleRun.event_id) <= last
            )
        ):
            run.done[(rule_id, event_id)] = bool(stopped)
            run.done_events.add(event_id)


def _run_event(run: _Pass, event: EventRef) -> None:
    trigger = _trigger(event)
    if trigger is None:
        return
    hits = run.hits.get(event.id, set())
    stale = run.customer_of.get(event.ticket_id) in run.stale
    if not hits and not stale and event.id not in run.done_events:
        return  # what most events of a batch come to: no rule matched, nothing to redo
    candidates = _candidates(run.rules, event, trigger)
    caused_by_rule, judged_now = automated(event.actor), False
    for position, loaded in enumerate(candidates):
        key = (loaded.id, event.id)
        if key in run.done:
            if run.done[key]:
                return  # it ran (before a crash) and said stop
            continue
        if not judged_now and run.customer_of.get(event.ticket_id) in run.stale:
            # A rule acted on this customer's tickets since the batch was judged (a tag, the
            # status): the rules left are judged again on the store as it is now.
            hits = _judge(run, candidates[position:], [event]).get(event.id, set())
            judged_now = True
        if loaded.id not in hits:
            continue
        acted = run.summary.runs
        try:
            # Judged matching: checked again under the write lock, where it acts.
            stop = _run_rule(
                run, loaded, event, trigger, caused_by_rule=caused_by_rule, judged=True
            )
        except Exception as exc:  # one broken rule must not stop the others or the sync
            log.exception("rule %r on event %s", loaded.rule.name, event.id)
            run.summary.problems.append(
                f"rule {loaded.rule.name!r}: {exc.__class__.__name__}: {one_line(str(exc), 200)}"
            )
            continue
        if stop:
            return
        judged_now = judged_now and run.summary.runs == acted  # it acted: judge again


def event_ref_of(event: Event) -> EventRef:
    """The EventRef of a stored event that names a ticket."""
    assert event.id is not None and event.ticket_id is not None
    return EventRef(
        event.id,
        event.ticket_id,
        event.kind,
        event.actor,
        as_utc(event.created_at),
        message_id_of(event.data),
    )


def event_facts(
    session: Session, event: EventRef, settings: EngineSettings
) -> tuple[Facts | None, Message | None]:
    """The facts of ``event`` (None when its ticket is gone) and the message it names."""
    message_id = event.message_id
    message = session.get(Message, message_id) if message_id is not None else None
    facts = gather_facts(
        SessionReadDb(session),
        event.ticket_id,
        # A message's own time: mail synced in the morning still came in at night.
        at=as_utc(message.sent_at if message is not None else event.created_at),
        message_id=message.id if message is not None else None,
        message_from=message_from(
            event.kind,
            event.actor,
            None if message is None else message.direction,
            None if message is None else message.auto_submitted,
        ),
        hours=settings.hours,
    )
    return facts, message


def _matches(
    session: Session, loaded: _Loaded, facts: Facts, settings: EngineSettings, now: datetime
) -> bool:
    return evaluate(
        SessionReadDb(session), loaded.tree, facts, now=now, sla_targets=settings.sla_targets
    ).matched


def _run_rule(
    run: _Pass,
    loaded: _Loaded,
    event: EventRef,
    trigger: str,
    *,
    caused_by_rule: bool,
    judged: bool = False,
) -> bool:
    """Run one rule on one event; True when later rules must not run (stop).

    ``judged``: the batch already found it matching (its verdict is checked again below,
    under the write lock); otherwise it is judged read-only first, so a rule that does not
    match never waits for the write lock."""
    assert event.id is not None and event.ticket_id is not None
    store, settings, summary = run.store, run.settings, run.summary
    moment = run.now or datetime.now(UTC)
    if not judged:
        with store.read() as session:
            done = _done(session, loaded.id, event.id)
            if done is not None:
                return done.stopped
            facts, _ = event_facts(session, event, settings)
            if facts is None or not _matches(session, loaded, facts, settings, moment):
                return False
    crash_point("rules.evaluated")
    with store.write() as session:
        # Checked again under the write lock: another process may have run it meanwhile.
        done = _done(session, loaded.id, event.id)
        if done is not None:
            return done.stopped
        facts, message = event_facts(session, event, settings)
        if facts is None or not _matches(session, loaded, facts, settings, moment):
            return False
        ticket = session.get(Ticket, event.ticket_id)
        assert ticket is not None
        result = RuleAct(
            session,
            ticket,
            loaded.rule,
            caused_by_rule=caused_by_rule,
            event_message=message,
            now=moment,
            signature=settings.signature,
            signatures=settings.signatures,
        ).run()
        record = RuleRun(
            rule_id=loaded.id,
            event_id=event.id,
            ticket_id=event.ticket_id,
            rule_name=loaded.rule.name,
            rule_version=loaded.version,
            trigger=trigger,
            stopped=loaded.rule.stop,
            outcome=_outcome(result),
        )
        session.add(record)
        append_event(
            session,
            event.ticket_id,
            "rule.ran",
            actor=f"rule:{loaded.rule.name}",
            rule=loaded.rule.name,
            event_id=event.id,
            trigger=trigger,
            did=result.did,
            refused=result.refused + result.quiet,
        )
        session.flush()
        run_id = record.id
        crash_point("rules.acted")
    summary.runs += 1
    summary.replies += int(result.replied)
    run.stale.add(run.customer_of.get(event.ticket_id))
    crash_point("rules.committed")
    for command in result.commands:
        if settings.run_commands:
            assert run_id is not None
            _run_command(store, run_id, command, _event_json(event, trigger, loaded, facts))
    return loaded.rule.stop


def _done(session: Session, rule_id: int, event_id: int) -> RuleRun | None:
    return session.exec(
        select(RuleRun).where(RuleRun.rule_id == rule_id, RuleRun.event_id == event_id)
    ).first()


def _outcome(result: Done) -> dict[str, Any]:
    return {
        "did": result.did,
        "refused": result.refused + result.quiet,
        "commands": [list(c.argv) for c in result.commands],
    }


def _event_json(event: EventRef, trigger: str, loaded: _Loaded, facts: Facts | None) -> str:
    """What a rule's command reads on stdin: the event, the rule, the message's facts."""
    return json.dumps(
        {
            "event": trigger,
            "event_id": event.id,
            "logged_as": event.kind,
            "at": as_utc(event.created_at).isoformat().replace("+00:00", "Z"),
            "actor": event.actor,
            "ticket_id": event.ticket_id,
            "rule": loaded.rule.name,
            "message": None
            if facts is None or facts.message_id is None
            else {
                "id": facts.message_id,
                "from": facts.message_from,
                "body": facts.message_body,
                "channel_type": facts.channel_type,
            },
        },
        ensure_ascii=False,
    )


def _run_command(store: Store, run_id: int, command: Command, payload: str) -> None:
    """Run a rule's program (no shell) with the event on stdin; record how it went."""
    result: dict[str, Any] = {"argv": list(command.argv), "timeout": command.timeout}
    try:
        done = subprocess.run(  # the seller's own program: argv, no shell
            list(command.argv),
            input=payload,
            capture_output=True,
            text=True,
            timeout=command.timeout,
            check=False,
        )
        result.update(
            exit=done.returncode,
            stdout=done.stdout[-MAX_OUTPUT:],
            stderr=done.stderr[-MAX_OUTPUT:],
        )
    except subprocess.TimeoutExpired:
        result["error"] = f"did not finish within {command.timeout} s (killed)"
    except OSError as exc:
        result["error"] = f"cannot run {command.argv[0]}: {exc.strerror or exc}"
    crash_point("rules.command_ran")
    log.info("rule command %s: %s", command.argv[0], result.get("error") or result.get("exit"))
    with store.write() as session:
        run = session.get(RuleRun, run_id)
        if run is not None:
            ran = [*run.outcome.get("ran", []), result]
            run.outcome = {**run.outcome, "ran": ran}
            session.add(run)
            append_event(
                session,
                run.ticket_id,
                "rule.command",
                actor=f"rule:{run.rule_name}",
                **result,
            )


def engine_settings(config: Config) -> EngineSettings:
    """The engine's settings from the config: business hours, SLA targets, the signature."""
    from deskterm.domain.local_user import default_identity

    name, email = default_identity()
    hours = config.business_hours.hours() if config.business_hours is not None else None
    return EngineSettings(
        hours=hours,
        sla_targets=config.sla_targets(),
        signature=Signature(config.user.name or name, (config.user.email or email).lower()),
        signatures=config.signatures(),
    )


def after_pass(config: Config) -> Callable[[Store], int]:
    """The sync's ``after_pass``: run the rules, then schedule and send the satisfaction
    surveys that are due; the number of replies they queued (delivered by the sync)."""
    from deskterm.services.csat import csat_settings, run_surveys

    settings = engine_settings(config)
    surveys = csat_settings(config)

    def run(store: Store) -> int:
        summary = run_rules(store, settings)
        for problem in summary.problems:
            log.warning("rules: %s", problem)
        return summary.replies + run_surveys(store, surveys).sent

    return run

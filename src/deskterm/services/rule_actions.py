"""A matched rule's actions, in the caller's transaction (the run record's): reply, note,
tag, untag, assign, priority, close, open, snooze, spam; a command is only prepared here.

Every action goes through the same session-level service functions the TUI and the CLI
use, on behalf of the actor ``rule:NAME``, so each leaves its usual audit event. A reply
renders its macro exactly as the composer's ``m`` does for that ticket and applies the
macro's own actions; it is refused (and the refusal noted) by the loop guards
(rule_guards.py), and when the macro leaves a variable empty or fails: a rule never sends
a half-filled reply.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from deskterm.automation.macros import MacroActions, render_macro, ticket_variables
from deskterm.automation.rules.model import COMMAND_TIMEOUT, Action, Rule
from deskterm.domain.errors import DesktermError
from deskterm.domain.signatures import Signatures
from deskterm.domain.when import parse_when
from deskterm.services import tickets
from deskterm.services.actor import Actor
from deskterm.services.replies import reply_queued
from deskterm.services.rule_guards import reply_refusal
from deskterm.store.reader import get_ticket
from deskterm.store.session_read import SessionReadDb
from deskterm.store.tables import Agent, Macro, Message, Ticket, as_utc


@dataclass(frozen=True, slots=True)
class Signature:
    """Who the rule's replies are signed by in macros (``{{ current_user.name }}``)."""

    name: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Command:
    """A rule's program, prepared: run after the run record is committed (at most once)."""

    argv: tuple[str, ...]
    timeout: int


@dataclass
class Done:
    """What a rule's actions did, as phrases for the conversation note and the run record."""

    did: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # Refusals recorded in the run but not noted: a rule meeting its own reply (every
    # rule reply would otherwise add a note saying "not answering myself").
    quiet: list[str] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    replied: bool = False

    def note(self, rule: str) -> str:
        """The internal note that shows the rule's work in the conversation ("" for none)."""
        parts = self.did + self.refused
        return f"Rule '{rule}' " + "; ".join(parts) if parts else ""


def _find_macro(session: Session, wanted: str) -> Macro | None:
    key = wanted.strip().lstrip(";").casefold()
    for macro in session.exec(select(Macro)).all():
        if macro.name.casefold() == key or (macro.shortcut or "").casefold() == key:
            return macro
    return None


def _auto_assignee(session: Session) -> str | None:
    """The agent with the fewest open tickets (then the oldest agent): a plain round robin
    until assignment limits exist (helpdesk.md: Assignment)."""
    load = (
        select(Ticket.assignee_id, func.count())
        .where(Ticket.status == "open", col(Ticket.assignee_id).is_not(None))
        .group_by(col(Ticket.assignee_id))
    )
    counts = {agent_id: int(n) for agent_id, n in session.exec(load).all()}
    agents = session.exec(select(Agent).order_by(col(Agent.id))).all()
    if not agents:
        return None
    return min(agents, key=lambda a: (counts.get(a.id, 0), a.id or 0)).email


def _macro_effects(
    session: Session, ticket: Ticket, actions: MacroActions, actor: Actor, now: datetime
) -> None:
    if actions.add_tags:
        tickets.apply_change(
            session, ticket, lambda s, t: bool(tickets.tags_added(s, t, actions.add_tags, actor))
        )
    if actions.remove_tags:
        tickets.apply_change(
            session,
            ticket,
            lambda s, t: bool(tickets.tags_removed(s, t, actions.remove_tags, actor)),
        )
    if actions.assign and actions.assign.lower() not in ("me", "none"):
        who = actions.assign
        tickets.apply_change(session, ticket, lambda s, t: tickets.assigned(s, t, who, actor))
    if actions.snooze:
        until = parse_when(actions.snooze, now=now)
        tickets.apply_change(session, ticket, lambda s, t: tickets.snoozed(s, t, until, actor))
    elif actions.status == "closed":
        tickets.apply_change(session, ticket, lambda s, t: tickets.closed(s, t, actor))
    elif actions.status == "open":
        tickets.apply_change(session, ticket, lambda s, t: tickets.reopened(s, t, actor))


@dataclass
class RuleAct:
    """One matched rule acting on one event's ticket, inside the caller's transaction."""

    session: Session
    ticket: Ticket
    rule: Rule
    caused_by_rule: bool
    event_message: Message | None
    now: datetime
    signature: Signature = field(default_factory=Signature)
    signatures: Signatures = field(default_factory=Signatures)
    done: Done = field(default_factory=Done)

    @property
    def actor(self) -> Actor:
        """The rule as the actor of every change (audit events say ``rule:NAME``)."""
        return Actor(label=f"rule:{self.rule.name}")

    def run(self) -> Done:
        """Every action in order; a refused or failed one is recorded, the rest still run."""
        for action in self.rule.then:
            try:
                self._one(action)
            except DesktermError as exc:
                self.done.refused.append(f"did not {action.kind}: {exc}")
        note = self.done.note(self.rule.name)
        if note:
            tickets.note_added(self.session, self.ticket, note, self.actor)
        return self.done

    def _change(self, phrase: str, change: Any) -> None:
        if tickets.apply_change(self.session, self.ticket, change):
            self.done.did.append(phrase)

    def _one(self, action: Action) -> None:
        actor, kind, value = self.actor, action.kind, action.value
        if kind == "reply":
            self._reply(str(value), limit=action.limit)
        elif kind == "note":
            tickets.note_added(self.session, self.ticket, str(value), actor)
            self.done.did.append("added a note")
        elif kind in ("tag", "untag"):
            tags = [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
            step = tickets.tags_added if kind == "tag" else tickets.tags_removed
            changed: list[str] = []

            def change(session: Session, ticket: Ticket) -> bool:
                changed.extend(step(session, ticket, tags, actor))
                return bool(changed)

            if tickets.apply_change(self.session, self.ticket, change):
                self.done.did.append(f"{kind}ged {', '.join(changed)}")
        elif kind == "assign":
            who = _auto_assignee(self.session) if value == "auto" else str(value)
            if who is None:
                self.done.refused.append("did not assign: there are no agents")
                return
            self._change(f"assigned {who}", lambda s, t: tickets.assigned(s, t, who, actor))
        elif kind == "priority":
            self._change(
                f"set priority {value}",
                lambda s, t: tickets.priority_set(s, t, str(value), actor),
            )
        elif kind == "close":
            self._change("closed the ticket", lambda s, t: tickets.closed(s, t, actor))
        elif kind == "open":
            self._change("reopened the ticket", lambda s, t: tickets.reopened(s, t, actor))
        elif kind == "spam":
            self._change("marked it spam", lambda s, t: tickets.spam_set(s, t, True, actor))
        elif kind == "snooze":
            until = parse_when(str(value), now=self.now, future=True)
            self._change(
                f"snoozed it until {as_utc(until):%Y-%m-%d %H:%M} UTC",
                lambda s, t: tickets.snoozed(s, t, until, actor),
            )
        elif kind == "command":
            argv = tuple(shlex.split(value)) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
            self.done.commands.append(Command(argv, action.timeout or COMMAND_TIMEOUT))
            self.done.did.append(f"ran {shlex.join(argv[:1])}")

    def _reply(self, wanted: str, *, limit: bool) -> None:
        refusal = reply_refusal(
            self.session,
            self.ticket,
            caused_by_rule=self.caused_by_rule,
            event_message=self.event_message,
            limit=limit,
            now=self.now,
        )
        if refusal is not None:
            refusals = self.done.quiet if self.caused_by_rule else self.done.refused
            refusals.append(f"did not reply: {refusal}")
            return
        macro = _find_macro(self.session, wanted)
        if macro is None:
            self.done.refused.append(f"did not reply: no macro named '{wanted}' any more")
            return
        assert self.ticket.id is not None
        shown = get_ticket(SessionReadDb(self.session), self.ticket.id)
        variables = ticket_variables(
            shown, agent_name=self.signature.name, agent_email=self.signature.email
        )
        rendered = render_macro(macro.body, variables)
        if rendered.error or rendered.empty:
            why = (
                rendered.error
                or "it leaves "
                + ", ".join("{{" + name + "}}" for name in rendered.empty)
                + " empty"
            )
            self.done.refused.append(f"did not reply with macro '{macro.name}': {why}")
            return
        reply_queued(
            self.session,
            self.ticket.id,
            rendered.text,
            self.actor,
            auto=True,
            signatures=self.signatures,
        )
        self.done.replied = True
        self.done.did.append(f"replied with macro '{macro.name}'")
        _macro_effects(
            self.session, self.ticket, MacroActions.from_dict(macro.actions), self.actor, self.now
        )

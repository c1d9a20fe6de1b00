"""Rules as a use case: list, show, import/export (TOML), enable, disable, move, delete;
one rule saved from its text and previewed on recent tickets (the F4 screen).

Every change writes an audit event (``rule.created``, ``rule.updated``, ``rule.enabled``,
``rule.disabled``, ``rule.moved``, ``rule.deleted``; no ticket) on behalf of the actor,
and bumps the row's ``version`` so that a running engine notices it. Positions stay
0..n-1 in the order rules run.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, func, select

from deskterm.automation.rules.actions import Known
from deskterm.automation.rules.load import MAX_RULES_FILE, dump_rules, load_rules, stored_rule
from deskterm.automation.rules.model import Rule
from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.domain.text import one_line
from deskterm.domain.userfiles import read_utf8_file
from deskterm.services.actor import Actor
from deskterm.store.engine import Store
from deskterm.store.events import append_event
from deskterm.store.tables import Agent, Event, Macro, Ticket, as_utc, utcnow
from deskterm.store.tables import Rule as RuleRow

if TYPE_CHECKING:
    from deskterm.services.rule_engine import EngineSettings


@dataclass(frozen=True, slots=True)
class StoredRule:
    """A rule as the store has it: the rule, its place in the order, its version."""

    rule: Rule
    position: int
    version: int
    created_at: datetime
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The ``rules list --json`` / ``rules show --json`` object."""
        rule = self.rule
        return {
            "name": rule.name,
            "position": self.position,
            "enabled": rule.enabled,
            "when": list(rule.when),
            "if": rule.condition,
            "then": [action.to_table() for action in rule.then],
            "stop": rule.stop,
            "description": rule.description,
            "updated_at": as_utc(self.updated_at).isoformat().replace("+00:00", "Z"),
        }


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: rules created and replaced, by name."""

    created: list[str]
    replaced: list[str]


def _stored(row: RuleRow) -> StoredRule:
    return StoredRule(
        stored_rule(row.name, row.enabled, row.definition),
        row.position,
        row.version,
        row.created_at,
        row.updated_at,
    )


def _rows(session: Session) -> list[RuleRow]:
    return list(session.exec(select(RuleRow).order_by(col(RuleRow.position), col(RuleRow.id))))


def list_rules(store: Store) -> list[StoredRule]:
    """Every rule in the order they run."""
    with store.read() as session:
        return [_stored(row) for row in _rows(session)]


def get_rule(store: Store, name: str) -> StoredRule:
    """The rule ``name`` (exact, else case-insensitive); NotFoundError naming the others."""
    with store.read() as session:
        return _stored(_find(_rows(session), name))


def _find(rows: list[RuleRow], name: str) -> RuleRow:
    wanted = name.strip()
    found = next((row for row in rows if row.name == wanted), None) or next(
        (row for row in rows if row.name.casefold() == wanted.casefold()), None
    )
    if found is not None:
        return found
    names = [row.name for row in rows]
    if not names:
        raise NotFoundError(
            f'no rule named "{one_line(wanted, 60)}": there are no rules yet'
            " (deskterm rules import FILE)"
        )
    hint = f'did you mean "{_closest(wanted, names)}"? ' if _closest(wanted, names) else ""
    listed = ", ".join(f'"{n}"' for n in names[:20]) + (", …" if len(names) > 20 else "")
    raise NotFoundError(f'no rule named "{one_line(wanted, 60)}" ({hint}rules: {listed})')


def _closest(wanted: str, names: list[str]) -> str | None:
    """The name most like ``wanted``, case aside; a name it starts or is contained in wins."""
    folded = {name.casefold(): name for name in names}
    key = wanted.casefold()
    starts = [name for fold, name in folded.items() if key and fold.startswith(key)]
    if starts:
        return starts[0]
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.5)
    return folded[close[0]] if close else None


def known(session: Session) -> Known:
    """What rules may name in this store: its macros and agents."""
    macros = [(m.name, m.shortcut) for m in session.exec(select(Macro).order_by(col(Macro.name)))]
    agents = [(a.name, a.email) for a in session.exec(select(Agent).order_by(col(Agent.name)))]
    return Known(macros=macros, agents=agents)


def check_rules_text(store: Store, text: str, source: str) -> list[Rule]:
    """The rules of a TOML document checked against this store (nothing is written)."""
    with store.read() as session:
        return load_rules(text, source, known(session))


def read_rules_file(path: Path) -> str:
    """The text of a rules file: a regular file, of a sane size, UTF-8 without NUL."""
    # Regular files only: a FIFO would block, /dev/zero never end.
    text = read_utf8_file(path, what="a rules file", limit=MAX_RULES_FILE)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise UsageError(f"{path}:{line}: contains a NUL character")
    return text


def import_rules(store: Store, text: str, source: str, actor: Actor) -> ImportResult:
    """Import the ``[[rules]]`` of a TOML document (from ``source``), all or nothing.

    A rule whose name exists is replaced in place: it keeps its position, and its enabled
    state unless the file says ``enabled``. New rules go at the end, in the file's order
    (and are off unless the file says ``enabled = true``).
    """
    # Checked and written in one transaction: the macros and agents the check saw are the
    # ones there when the rules land.
    with store.write() as session:
        rules = load_rules(text, source, known(session))
        return _import(session, rules, actor)


def _import(session: Session, rules: list[Rule], actor: Actor) -> ImportResult:
    rows = _rows(session)
    by_name = {row.name.casefold(): row for row in rows}
    created: list[str] = []
    replaced: list[str] = []
    position = len(rows)
    now = utcnow()
    for rule in rules:
        row = by_name.get(rule.name.casefold())
        if row is None:
            row = RuleRow(name=rule.name, position=position, enabled=rule.enabled, created_at=now)
            row.armed_after = _last_event(session)
            row.definition = rule.definition()
            position += 1
            created.append(rule.name)
            kind = "rule.created"
        else:
            row.name = rule.name
            if rule.enabled_given:
                if rule.enabled and not row.enabled:
                    row.armed_after = _last_event(session)
                row.enabled = rule.enabled
            row.definition = rule.definition()
            row.version += 1
            replaced.append(rule.name)
            kind = "rule.updated"
        row.updated_at = now
        session.add(row)
        _event(session, actor, kind, row, definition=rule.definition())
    session.flush()
    return ImportResult(created, replaced)


def _last_event(session: Session) -> int:
    """The newest event's id: a rule turned on now runs on the events after it only."""
    return int(session.exec(select(func.max(Event.id))).one() or 0)


def _event(session: Session, actor: Actor, kind: str, row: RuleRow, **data: Any) -> None:
    append_event(
        session,
        None,
        kind,
        actor=actor.label,
        agent_id=actor.agent_id,
        rule=row.name,
        enabled=row.enabled,
        position=row.position,
        **data,
    )


def export_rules(store: Store) -> str:
    """Every rule, in order, as a TOML document ``import_rules`` reads back to the same."""
    return dump_rules([stored.rule for stored in list_rules(store)])


def set_enabled(store: Store, name: str, enabled: bool, actor: Actor) -> bool:
    """Turn the rule ``name`` on or off; False when it already was."""
    with store.write() as session:
        row = _find(_rows(session), name)
        if row.enabled == enabled:
            return False
        row.enabled = enabled
        if enabled:
            row.armed_after = _last_event(session)
        _touch(row)
        session.add(row)
        _event(session, actor, "rule.enabled" if enabled else "rule.disabled", row)
        return True


def _touch(row: RuleRow) -> None:
    row.version += 1
    row.updated_at = utcnow()


def move_rule(store: Store, name: str, before: str, actor: Actor) -> bool:
    """Move the rule ``name`` to just before the rule ``before``; False when it was there."""
    with store.write() as session:
        rows = _rows(session)
        row, other = _find(rows, name), _find(rows, before)
        if row.id == other.id:
            raise UsageError(f'cannot move rule "{row.name}" before itself')
        order = [r for r in rows if r.id != row.id]
        order.insert(order.index(other), row)
        if order == rows:
            return False
        old = row.position
        _renumber(session, order)
        _event(session, actor, "rule.moved", row, before=other.name, previous_position=old)
        return True


def _renumber(session: Session, order: list[RuleRow]) -> None:
    for position, row in enumerate(order):
        if row.position != position:
            row.position = position
            _touch(row)
            session.add(row)


def delete_rule(store: Store, name: str, actor: Actor) -> str:
    """Delete the rule ``name``; returns its exact name."""
    with store.write() as session:
        rows = _rows(session)
        row = _find(rows, name)
        _event(session, actor, "rule.deleted", row, definition=row.definition)
        session.delete(row)
        session.flush()
        _renumber(session, [r for r in rows if r.id != row.id])
        return row.name


# --- Starter rules (issue 14 item 5): a file shipped with deskterm, with its macros. ---

STARTER_RULES_FILE = "starter_rules.toml"
STARTER_MACROS_FILE = "starter_macros.toml"
STARTER_SOURCE = "starter rules"  # how errors name the shipped file


@dataclass(frozen=True, slots=True)
class StarterImport:
    """What importing rules did besides the rules: starter macros installed, and (for
    ``import_starter``) the starter rules left alone because the store has one so named."""

    result: ImportResult
    macros_installed: list[str]
    kept: list[str]


def _starter_text(name: str) -> str:
    from importlib.resources import files

    return files("deskterm.automation.rules").joinpath(name).read_text(encoding="utf-8")


def starter_rules_text() -> str:
    """The starter rules file as shipped (every rule off, a comment above each)."""
    return _starter_text(STARTER_RULES_FILE)


def starter_macros() -> list[dict[str, Any]]:
    """The macros the starter rules reply with, checked as ``macros import`` checks them."""
    import tomllib

    from deskterm.services.macros import check_macro

    document = tomllib.loads(_starter_text(STARTER_MACROS_FILE))
    return [
        check_macro(entry, f"{STARTER_MACROS_FILE}: macros[{n}]")
        for n, entry in enumerate(document["macros"])
    ]


def _missing_starter_macros(session: Session) -> list[dict[str, Any]]:
    """The starter macros this store has no macro of that name for (case aside)."""
    names = {m.name.casefold() for m in session.exec(select(Macro))}
    return [entry for entry in starter_macros() if entry["name"].casefold() not in names]


def _with_starter(session: Session) -> Known:
    """``known`` plus the starter macros the store lacks (an import installs them)."""
    have = known(session)
    extra = [(m["name"], m.get("shortcut")) for m in _missing_starter_macros(session)]
    return Known(macros=[*have.macros, *extra], agents=have.agents)


def _replies(rules: list[Rule]) -> set[str]:
    return {
        str(action.value).strip().lstrip(";").casefold()
        for rule in rules
        for action in rule.then
        if action.kind == "reply"
    }


def _install_macros(session: Session, wanted: set[str]) -> list[str]:
    """Create the missing starter macros a rule names (by name or shortcut); never touches
    a macro of the store. A shortcut another macro has is left off (rules name the macro
    by its name)."""
    from deskterm.services.macros import normalize_shortcut

    macros = list(session.exec(select(Macro)))
    taken = {(m.shortcut or "").casefold() for m in macros} - {""}
    installed: list[str] = []
    for entry in _missing_starter_macros(session):
        shortcut = normalize_shortcut(entry.get("shortcut"))
        if entry["name"].casefold() not in wanted and (shortcut or "").casefold() not in wanted:
            continue
        if shortcut and shortcut.casefold() in taken:
            shortcut = None
        session.add(
            Macro(
                name=entry["name"],
                shortcut=shortcut,
                body=entry["body"],
                actions=dict(entry.get("actions", {})),
                intents=" ".join(entry.get("intents", [])),
                updated_at=utcnow(),
            )
        )
        installed.append(entry["name"])
    session.flush()
    return installed


def check_rules_with_starter_macros(store: Store, text: str, source: str) -> list[Rule]:
    """``check_rules_text``, counting the starter macros the store lacks as present (an
    import installs the ones its rules name)."""
    with store.read() as session:
        return load_rules(text, source, _with_starter(session))


def import_rules_installing_macros(
    store: Store, text: str, source: str, actor: Actor
) -> StarterImport:
    """``import_rules``, installing first (same transaction) the starter macros the file's
    rules reply with that the store lacks; a macro of the store is never replaced."""
    with store.write() as session:
        rules = load_rules(text, source, _with_starter(session))
        installed = _install_macros(session, _replies(rules))
        return StarterImport(_import(session, rules, actor), installed, [])


def import_starter(store: Store, actor: Actor, *, enable: tuple[str, ...] = ()) -> StarterImport:
    """Import the starter rules the store has none of the same name of (those are kept
    as they are: edited, on or off), with the macros they need; each new rule is off,
    except those named in ``enable`` (the demo)."""
    from dataclasses import replace

    wanted = {name.casefold() for name in enable}
    with store.write() as session:
        rules = load_rules(starter_rules_text(), STARTER_SOURCE, _with_starter(session))
        unknown = wanted - {rule.name.casefold() for rule in rules}
        if unknown:
            raise UsageError(f"no starter rule named {sorted(unknown)[0]!r}")
        have = {row.name.casefold() for row in _rows(session)}
        new = [
            replace(rule, enabled=rule.name.casefold() in wanted, enabled_given=True)
            for rule in rules
            if rule.name.casefold() not in have
        ]
        kept = [rule.name for rule in rules if rule.name.casefold() in have]
        installed = _install_macros(session, _replies(new))
        result = _import(session, new, actor) if new else ImportResult([], [])
        return StarterImport(result, installed, kept)


# --- the F4 screen: one rule as text, saved in place, previewed on recent tickets -------


def _one_rule(session: Session, text: str, source: str) -> Rule:
    # As `rules import FILE` checks: a starter macro the store lacks counts (saving installs it).
    rules = load_rules(text, source, _with_starter(session))
    if len(rules) != 1:
        raise UsageError(f"{source}: one [[rules]] table here, not {len(rules)}")
    return rules[0]


def check_rule_text(store: Store, text: str, source: str = "editor") -> Rule:
    """The one rule of ``text`` checked as import checks it (nothing is written)."""
    with store.read() as session:
        return _one_rule(session, text, source)


@dataclass(frozen=True, slots=True)
class SavedRule:
    """What ``save_rule`` did: the rule's name as saved, the starter macros it installed."""

    name: str
    macros_installed: list[str]


def save_rule(
    store: Store, old_name: str | None, text: str, actor: Actor, source: str = "editor"
) -> SavedRule:
    """Save the one ``[[rules]]`` table of ``text`` as the rule once called ``old_name``
    (None: a new rule, at the end).

    Checked as ``rules import FILE`` checks a file, in the same transaction that writes
    it (installing, as import does, a starter macro it replies with that the store
    lacks). An edited rule keeps its place and its on/off state unless the text says
    ``enabled``; a rename keeps the rule's row (its run history) and is refused when
    another rule has the name.
    """
    with store.write() as session:
        rule = _one_rule(session, text, source)
        rows = _rows(session)
        row = _find(rows, old_name) if old_name is not None else None
        clash = next(
            (
                other
                for other in rows
                if other.name.casefold() == rule.name.casefold()
                and (row is None or other.id != row.id)
            ),
            None,
        )
        if clash is not None:
            raise UsageError(
                f'{source}: rule "{one_line(rule.name, 60)}": name: a rule named'
                f' "{one_line(clash.name, 60)}" exists already (names are unique, case aside)'
            )
        installed = _install_macros(session, _replies([rule]))
        if row is None:
            _import(session, [rule], actor)
            return SavedRule(rule.name, installed)
        previous = row.name
        row.name = rule.name
        if rule.enabled_given and rule.enabled != row.enabled:
            if rule.enabled:
                row.armed_after = _last_event(session)
            row.enabled = rule.enabled
        row.definition = rule.definition()
        _touch(row)
        session.add(row)
        renamed = {"renamed_from": previous} if previous != rule.name else {}
        _event(session, actor, "rule.updated", row, definition=rule.definition(), **renamed)
        return SavedRule(rule.name, installed)


@dataclass(frozen=True, slots=True)
class PreviewedTicket:
    """A ticket a previewed rule matched: its id, subject, and when it last matched."""

    ticket_id: int
    subject: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RulePreview:
    """Which recent tickets a rule (saved or not) would match, as ``rules test`` replays."""

    rule: str
    matched: int  # tickets matched
    tickets: int  # tickets with an event the rule runs on, in the window
    events: int
    matched_events: int
    shown: list[PreviewedTicket]  # the newest matches first, at most ``limit``


def preview_rule(
    store: Store,
    text: str,
    since: timedelta,
    *,
    settings: EngineSettings | None = None,
    now: datetime | None = None,
    limit: int = 20,
    source: str = "editor",
) -> RulePreview:
    """The tickets the one rule of ``text`` would have matched over the events since
    ``now - since``, read-only: the replay of ``rules test --since … --rule`` (the same
    events, judged by the same batch judge) run on text that need not be saved
    (UsageError, as import words it, when the text is invalid)."""
    from deskterm.services.rule_engine import EngineSettings
    from deskterm.services.rule_replay import replay_events

    settings = settings or EngineSettings()
    moment = now or datetime.now(UTC)
    with store.read() as session:
        rule = _one_rule(session, text, source)
        seen: set[int] = set()
        last_match: dict[int, datetime] = {}
        events = matched_events = 0
        for judged in replay_events(session, [rule], moment - since, settings, moment):
            events += len(judged.events)
            matched_events += len(judged.matched)
            for event in judged.events:
                seen.add(event.ticket_id)
                if event.id in judged.matched:
                    last_match[event.ticket_id] = as_utc(event.created_at)
        newest = sorted(last_match, key=lambda tid: (last_match[tid], tid), reverse=True)[:limit]
        subjects = {
            ticket.id: ticket.subject
            for ticket in session.exec(select(Ticket).where(col(Ticket.id).in_(newest)))
        }
    shown = [PreviewedTicket(tid, subjects.get(tid, ""), last_match[tid]) for tid in newest]
    return RulePreview(rule.name, len(last_match), len(seen), events, matched_events, shown)

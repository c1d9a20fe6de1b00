"""The rules file (TOML ``[[rules]]``): read and check all of it, or refuse it in one line.

Every mistake is one line naming the file, the rule (by name once it has one, else by
position) and the field: ``rules.toml: rule "WISMO": then[0].reply: no macro named …``.
Nothing of a file is taken unless every rule in it is valid (the service imports the list
in one transaction).
"""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Mapping
from typing import Any

import tomli_w

from deskterm.automation.rules.actions import ActionError, Known, check_action
from deskterm.automation.rules.conditions import parse_condition
from deskterm.automation.rules.model import EVENTS, Action, Rule
from deskterm.domain.errors import QueryError, UsageError
from deskterm.domain.text import escape_in_strings, one_line

KEYS = ("name", "description", "enabled", "when", "if", "then", "stop")
_REQUIRED = ("name", "when", "if", "then")
MAX_NAME = 100
MAX_DESCRIPTION = 1000
MAX_RULES = 1000
MAX_ACTIONS = 20
MAX_RULES_FILE = 4 << 20  # a shop's rules are kilobytes; /dev/zero must not fill memory


class RuleError(UsageError):
    """One rule's mistake: ``field`` (``then[0].reply``) and ``reason``; ``rule`` as named."""

    def __init__(self, rule: str, field: str, reason: str) -> None:
        self.rule, self.field, self.reason = rule, field, reason
        super().__init__(f"{rule}: {field}: {reason}" if field else f"{rule}: {reason}")


def load_rules(text: str, source: str, known: Known) -> list[Rule]:
    """Every rule of the TOML document ``text`` (from ``source``), checked; UsageError in
    one line (``source: rule "NAME": FIELD: reason``) at the first mistake."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source}: {exc}") from None
    extra = sorted(set(document) - {"rules"})
    if extra:
        raise UsageError(f"{source}: unknown table {extra[0]!r}: a rules file has [[rules]] only")
    entries = document.get("rules")
    if not isinstance(entries, list) or not entries:
        raise UsageError(f"{source}: expected [[rules]] tables (name, when, if, then)")
    if len(entries) > MAX_RULES:
        raise UsageError(f"{source}: at most {MAX_RULES} rules in a file")
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        try:
            rule = check_rule(entry, known, index)
        except RuleError as exc:
            raise UsageError(f"{source}: {exc}") from None
        earlier = seen.get(rule.name.casefold())
        if earlier is not None:
            raise UsageError(
                f"{source}: {_label(rule.name, index)} (rules[{index}]): name: the file already"
                " has a rule"
                f' named "{earlier}" (names are unique, case-insensitively)'
            )
        seen[rule.name.casefold()] = rule.name
        rules.append(rule)
    return rules


def _label(name: str | None, index: int) -> str:
    return f'rule "{one_line(name, 60)}"' if name else f"rules[{index}]"


def check_rule(entry: Any, known: Known, index: int = 0) -> Rule:
    """One ``[[rules]]`` table checked into a Rule; RuleError names the field and reason."""
    if not isinstance(entry, dict):
        raise RuleError(f"rules[{index}]", "", "a rule is a table: [[rules]] name = …")
    name = _name(entry, index)
    label = _label(name, index)
    for key in entry:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise RuleError(label, key, f"unknown key (known: {', '.join(KEYS)}){hint}")
    for key in _REQUIRED:
        if key not in entry:
            raise RuleError(label, key, _MISSING[key])
    return Rule(
        name=name,
        when=_when(entry["when"], label),
        condition=_condition(entry["if"], label),
        then=_then(entry["then"], label, known),
        stop=_bool(entry, "stop", label),
        enabled=_bool(entry, "enabled", label),
        description=_description(entry.get("description", ""), label),
        enabled_given="enabled" in entry,
    )


_MISSING = {
    "name": "a rule needs a name",
    "when": 'missing: the events it runs on, e.g. when = ["message.created"]',
    "if": 'missing: its condition, e.g. if = "intent:shipping/status" (or "*" for every event)',
    "then": 'missing: its actions, e.g. then = [{ tag = ["vip"] }]',
}


def _name(entry: Mapping[str, Any], index: int) -> str:
    value = entry.get("name")
    where = f"rules[{index}]"
    if "name" not in entry:
        raise RuleError(where, "name", _MISSING["name"])
    if not isinstance(value, str):
        raise RuleError(where, "name", f"expected text, got {type(value).__name__}")
    name = value.strip()
    if not name:
        raise RuleError(where, "name", "must not be empty")
    if name != one_line(name) or "\n" in value:
        raise RuleError(where, "name", "one line of text, without control characters")
    if len(name) > MAX_NAME:
        raise RuleError(where, "name", f"at most {MAX_NAME} characters")
    return name


def _when(value: Any, label: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise RuleError(label, "when", f"expected a list of events ({', '.join(EVENTS)})")
    for n, event in enumerate(value):
        if event not in EVENTS:
            close = difflib.get_close_matches(event, EVENTS, n=1)
            hint = f"did you mean {close[0]}?" if close else f"events: {', '.join(EVENTS)}"
            raise RuleError(label, f"when[{n}]", f"no event named {event!r} ({hint})")
    return tuple(dict.fromkeys(value))


def _condition(value: Any, label: str) -> str:
    if not isinstance(value, str):
        raise RuleError(label, "if", "expected a condition (text), e.g. 'tag:vip'")
    if not value.strip():
        raise RuleError(label, "if", 'empty condition: write "*" to match every event')
    try:
        parse_condition(value)
    except QueryError as exc:
        raise RuleError(label, "if", str(exc)) from None
    return value


def _then(value: Any, label: str, known: Known) -> tuple[Action, ...]:
    if not isinstance(value, list) or not value:
        raise RuleError(label, "then", 'expected a list of actions, e.g. [{ tag = ["vip"] }]')
    if len(value) > MAX_ACTIONS:
        raise RuleError(label, "then", f"at most {MAX_ACTIONS} actions")
    actions = []
    for n, table in enumerate(value):
        try:
            actions.append(check_action(table, known))
        except ActionError as exc:
            field = f"then[{n}].{exc.where}" if exc.where else f"then[{n}]"
            raise RuleError(label, field, exc.reason) from None
    return tuple(actions)


def _bool(entry: Mapping[str, Any], key: str, label: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise RuleError(label, key, f"expected true or false, got {json.dumps(value, default=str)}")
    return value


def _description(value: Any, label: str) -> str:
    if not isinstance(value, str):
        raise RuleError(label, "description", "expected text")
    if len(value) > MAX_DESCRIPTION:
        raise RuleError(label, "description", f"at most {MAX_DESCRIPTION} characters")
    return value


def stored_rule(name: str, enabled: bool, definition: Mapping[str, Any]) -> Rule:
    """A Rule from its store row (checked when it was imported; not checked again, so a
    macro deleted since does not hide the rule: the engine reports it when it runs)."""
    then = tuple(_stored_action(table) for table in definition.get("then", []))
    return Rule(
        name=name,
        when=tuple(definition.get("when", [])),
        condition=str(definition.get("if", "")),
        then=then,
        stop=bool(definition.get("stop", False)),
        enabled=enabled,
        description=str(definition.get("description", "")),
    )


def _stored_action(table: Mapping[str, Any]) -> Action:
    timeout = table.get("timeout")
    kind = next(key for key in table if key not in ("timeout", "limit"))
    value = table[kind]
    limit = table.get("limit", True) is not False
    return Action(kind, tuple(value) if isinstance(value, list) else value, timeout, limit)


def dump_rules(rules: list[Rule]) -> str:
    """The rules as a TOML document ``load_rules`` reads back to the same rules."""
    parts = ["# deskterm rules (`deskterm rules import FILE`); README: Rules.\n"]
    for rule in rules:
        lines = ["[[rules]]"]
        for key, value in rule.to_table().items():
            lines.append(f"{_key(key)} = {_inline(value)}")
        parts.append("\n".join(lines) + "\n")
    # tomli_w escapes C0 controls but writes C1 and bidi controls raw; escaped, the file
    # reads back the same and cannot act on the terminal it is printed to.
    return escape_in_strings("\n".join(parts))


def _key(key: str) -> str:
    return key if key.replace("_", "").isalnum() else json.dumps(key)


def _inline(value: Any) -> str:
    """One TOML value on one line; an action table inline, as the file format shows them."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")

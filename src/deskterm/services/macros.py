"""Macros as a use case: list, find, check, save (rename), delete, import/export as TOML, apply."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tomli_w
from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from sqlmodel import Session, col, select

from deskterm.automation.macros import MacroActions
from deskterm.automation.template_sandbox import BODY_CHARS
from deskterm.domain.errors import DesktermError, NotFoundError, UsageError
from deskterm.domain.labels import INTENTS
from deskterm.domain.text import escape_in_strings
from deskterm.domain.userfiles import read_utf8_file
from deskterm.domain.when import parse_when
from deskterm.services import tickets
from deskterm.services.actor import Actor
from deskterm.store.engine import Store
from deskterm.store.tables import Macro, utcnow

_KEYS = {"name", "shortcut", "body", "actions", "intents"}
_ACTION_KEYS = {"add_tags", "remove_tags", "status", "snooze", "assign"}
_SYNTAX = SandboxedEnvironment()  # parses only; rendering is automation.macros' job
MAX_MACROS_FILE = 16 << 20  # a team's macros are kilobytes; /dev/zero must not fill memory


def list_macros(store: Store) -> list[Macro]:
    """Every macro, by name."""
    with store.read() as session:
        return list(session.exec(select(Macro).order_by(col(Macro.name))))


def find_macro(store: Store, name_or_shortcut: str) -> Macro:
    """A macro by exact name or shortcut (case-insensitive)."""
    wanted = name_or_shortcut.strip().lstrip(";").casefold()
    for macro in list_macros(store):
        if macro.name.casefold() == wanted or (macro.shortcut or "").casefold() == wanted:
            return macro
    raise NotFoundError(f"no macro named {name_or_shortcut!r}")


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def normalize_shortcut(shortcut: str | None) -> str | None:
    """The stored form of a shortcut: no leading ``;`` (that is how it is typed), or None."""
    return (shortcut or "").strip().lstrip(";") or None


def check_macro(entry: Any, where: str = "") -> dict[str, Any]:
    """Refuse a malformed macro in one line naming the field (``where`` prefixes it).

    Pure: the TUI editor calls it on every save before anything is written, the importer
    for every table of a file.
    """
    if not isinstance(entry, dict):
        raise UsageError(f"{where or 'macro'}: a macro is a table with name and body")
    unknown = set(entry) - _KEYS
    if unknown:
        raise UsageError(
            f"{where or 'macro'}: unknown key {sorted(unknown)[0]!r}"
            f" (known: {', '.join(sorted(_KEYS))})"
        )
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise UsageError(f"{_at(where, 'name')}: a macro needs a name")
    shortcut = entry.get("shortcut")
    if shortcut is not None and not isinstance(shortcut, str):
        raise UsageError(f'{_at(where, "shortcut")}: a shortcut is text, e.g. "refund"')
    if shortcut and len((normalize_shortcut(shortcut) or "").split()) > 1:
        # The picker matches ";word": a space could never be typed as part of it.
        raise UsageError(f"{_at(where, 'shortcut')}: a shortcut is one word, got {shortcut!r}")
    if not isinstance(entry.get("body"), str):
        raise UsageError(f"{_at(where, 'body')}: a macro needs a body (text)")
    if len(entry["body"]) > BODY_CHARS:  # it would never render (template_sandbox)
        raise UsageError(f"{_at(where, 'body')}: a macro is at most {BODY_CHARS:,} characters")
    try:
        # Syntax only: a template that cannot parse would insert itself raw into a reply.
        _SYNTAX.parse(entry["body"])
    except TemplateSyntaxError as exc:
        raise UsageError(
            f"{_at(where, 'body')}: template error on line {exc.lineno}: {exc.message}"
        ) from None
    _check_actions(entry.get("actions", {}), _at(where, "actions"))
    _check_intents(entry.get("intents", []), where, entry["name"].strip())
    return entry


def _check_intents(intents: Any, where: str, name: str) -> None:
    """A list of the 21 intent names; a wrong one is named with the macro it is in."""
    if not isinstance(intents, list) or not all(isinstance(i, str) for i in intents):
        raise UsageError(f'{_at(where, "intents")}: a list of intents, e.g. ["shipping/status"]')
    for intent in intents:
        if intent not in INTENTS:
            close = difflib.get_close_matches(intent, INTENTS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(INTENTS)}"
            raise UsageError(
                f"{_at(where, 'intents')}: macro {name!r}: unknown intent {intent!r} ({hint})"
            )


def macro_intents(macro: Macro) -> list[str]:
    """The intents a stored macro answers, as a list."""
    return (macro.intents or "").split()


def _check_actions(actions: Any, where: str) -> None:
    if not isinstance(actions, dict) or set(actions) - _ACTION_KEYS:
        raise UsageError(f"{where}: known actions are {', '.join(sorted(_ACTION_KEYS))}")
    for key in ("add_tags", "remove_tags"):
        tags = actions.get(key, [])
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise UsageError(f'{where}.{key}: a list of tags, e.g. ["refund", "vip"]')
        for tag in tags:
            try:
                tickets.normalize_tag(tag)
            except UsageError as exc:
                raise UsageError(f"{where}.{key}: {exc}") from None
    if actions.get("status") not in (None, "open", "closed"):
        raise UsageError(f'{where}.status: must be "open" or "closed"')
    if actions.get("snooze"):
        try:
            parse_when(str(actions["snooze"]))  # a clear error now, not when applied
        except DesktermError as exc:
            raise UsageError(f"{where}.snooze: {exc}") from None
    assign = actions.get("assign")
    if assign is not None and (
        not isinstance(assign, str)
        or not (assign.strip().lower() in ("me", "none") or "@" in assign)
    ):
        raise UsageError(f"{where}.assign: an agent's email, me or none; got {assign!r}")


def check_unique(entry: dict[str, Any], others: Iterable[tuple[str, str | None]]) -> None:
    """Refuse a name or shortcut that one of ``others`` (name, shortcut) already has.

    Case-insensitive, because ``find_macro`` and the picker are: two macros differing only
    in case could never both be chosen by name.
    """
    name = entry["name"].strip().casefold()
    shortcut = (normalize_shortcut(entry.get("shortcut")) or "").casefold()
    for other_name, other_shortcut in others:
        if other_name.casefold() == name:
            raise UsageError(f"name: another macro is already called {other_name!r}")
        if shortcut and (other_shortcut or "").casefold() == shortcut:
            raise UsageError(
                f"shortcut: ;{normalize_shortcut(entry.get('shortcut'))} is already"
                f" the shortcut of {other_name!r}"
            )


def save_macro(
    store: Store, entry: dict[str, Any], *, original: str | None = None, new: bool = False
) -> bool:
    """Create or update a macro; True when it was new.

    ``original`` is the name the macro had (the TUI editor may rename it); ``new`` refuses
    to replace an existing macro (the TUI's "new"). With neither, a macro of the same name
    is replaced, which is what importing a file means.
    """
    entry = check_macro(entry)
    with store.write() as session:
        return _save(session, entry, original=original, new=new)


def _save(
    session: Session, entry: dict[str, Any], *, original: str | None = None, new: bool = False
) -> bool:
    name = entry["name"].strip()
    macros = list(session.exec(select(Macro)))
    macro: Macro | None
    if original is not None:
        macro = next((m for m in macros if m.name == original), None)
        if macro is None:
            raise NotFoundError(f"no macro named {original!r} (deleted meanwhile?)")
    elif new:
        macro = None
    else:
        macro = next((m for m in macros if m.name == name), None)
    check_unique(entry, [(m.name, m.shortcut) for m in macros if m is not macro])
    created = macro is None
    macro = macro or Macro(name=name)
    macro.name = name
    macro.shortcut = normalize_shortcut(entry.get("shortcut"))
    macro.body = entry["body"]
    macro.actions = dict(entry.get("actions", {}))
    # Kept in the order given, once each: the order is the seller's, shown as written.
    macro.intents = " ".join(dict.fromkeys(entry.get("intents", [])))
    macro.updated_at = utcnow()
    session.add(macro)
    session.flush()  # the next entry of an import must see this one
    return created


def delete_macro(store: Store, name: str) -> None:
    """Delete the macro ``name`` (exact name, else case-insensitive)."""
    with store.write() as session:
        macros = list(session.exec(select(Macro)))
        macro = next((m for m in macros if m.name == name), None) or next(
            (m for m in macros if m.name.casefold() == name.strip().casefold()), None
        )
        if macro is None:
            raise NotFoundError(f"no macro named {name!r}")
        session.delete(macro)


def import_macros(store: Store, path: Path) -> tuple[int, int]:
    """Load ``[[macros]]`` from a TOML file; returns (created, updated). All or nothing."""
    # Regular files only and a sane size: a FIFO would block, /dev/zero never end.
    text = read_utf8_file(path, what="a macros file", limit=MAX_MACROS_FILE)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: {exc}") from exc
    entries = document.get("macros", [])
    if not isinstance(entries, list) or not entries:
        raise UsageError(f"{path}: expected [[macros]] tables")
    checked = [check_macro(entry, f"{path}: macros[{n}]") for n, entry in enumerate(entries)]
    created = 0
    # One transaction: a clash found at the fifth macro leaves the first four unsaved too.
    with store.write() as session:
        for n, entry in enumerate(checked):
            try:
                created += _save(session, entry)
            except UsageError as exc:
                raise UsageError(f"{path}: macros[{n}].{exc}") from None
    return created, len(checked) - created


def export_macros(store: Store) -> str:
    """Every macro as a TOML document that ``import_macros`` reads back."""
    macros = []
    for macro in list_macros(store):
        entry: dict[str, Any] = {"name": macro.name, "body": macro.body}
        if macro.shortcut:
            entry["shortcut"] = macro.shortcut
        if macro.intents:
            entry["intents"] = macro_intents(macro)
        if macro.actions:
            entry["actions"] = macro.actions
        macros.append(entry)
    # tomli_w escapes C0 controls but writes C1 and bidi controls raw; escaped, the file
    # reads back the same and cannot act on the terminal it is printed to.
    return escape_in_strings(tomli_w.dumps({"macros": macros}, multiline_strings=True))


def apply_actions(
    store: Store, ticket_id: int, actions: MacroActions, actor: Actor, *, me_email: str
) -> None:
    """Apply a macro's actions to a ticket (after its reply was queued)."""
    if actions.add_tags:
        tickets.add_tags(store, ticket_id, actions.add_tags, actor)
    if actions.remove_tags:
        tickets.remove_tags(store, ticket_id, actions.remove_tags, actor)
    if actions.assign:
        who = {"me": me_email, "none": None}.get(actions.assign.lower(), actions.assign)
        tickets.assign(store, ticket_id, who, actor)
    if actions.snooze:
        tickets.snooze(store, ticket_id, parse_when(actions.snooze), actor)
    elif actions.status == "closed":
        tickets.close(store, ticket_id, actor)
    elif actions.status == "open":
        tickets.reopen(store, ticket_id, actor)

"""Macros as a use case: list, find, save, import/export as TOML, apply their actions."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from sqlmodel import col, select

from deskterm.automation.macros import MacroActions
from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.domain.when import parse_when
from deskterm.services import tickets
from deskterm.services.actor import Actor
from deskterm.store.engine import Store
from deskterm.store.tables import Macro, utcnow

_KEYS = {"name", "shortcut", "body", "actions"}
_ACTION_KEYS = {"add_tags", "remove_tags", "status", "snooze", "assign"}


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


def _check(entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: a macro is a table with name and body")
    unknown = set(entry) - _KEYS
    if unknown:
        raise UsageError(
            f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(_KEYS))})"
        )
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise UsageError(f"{where}.name: a macro needs a name")
    if not isinstance(entry.get("body"), str):
        raise UsageError(f"{where}.body: a macro needs a body (text)")
    actions = entry.get("actions", {})
    if not isinstance(actions, dict) or set(actions) - _ACTION_KEYS:
        raise UsageError(f"{where}.actions: known actions are {', '.join(sorted(_ACTION_KEYS))}")
    if actions.get("status") not in (None, "open", "closed"):
        raise UsageError(f'{where}.actions.status: must be "open" or "closed"')
    if actions.get("snooze"):
        parse_when(str(actions["snooze"]))  # a clear error now, not when applied
    return entry


def save_macro(store: Store, entry: dict[str, Any]) -> bool:
    """Create or update a macro from a checked entry; True when it was new."""
    with store.write() as session:
        macro = session.exec(select(Macro).where(Macro.name == entry["name"].strip())).first()
        created = macro is None
        macro = macro or Macro(name=entry["name"].strip())
        macro.shortcut = (entry.get("shortcut") or "").strip().lstrip(";") or None
        macro.body = entry["body"]
        macro.actions = dict(entry.get("actions", {}))
        macro.updated_at = utcnow()
        session.add(macro)
        return created


def import_macros(store: Store, path: Path) -> tuple[int, int]:
    """Load ``[[macros]]`` from a TOML file; returns (created, updated)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: {exc}") from exc
    entries = data.get("macros", [])
    if not isinstance(entries, list) or not entries:
        raise UsageError(f"{path}: expected [[macros]] tables")
    checked = [_check(entry, f"{path}: macros[{n}]") for n, entry in enumerate(entries)]
    created = sum(save_macro(store, entry) for entry in checked)
    return created, len(checked) - created


def export_macros(store: Store) -> str:
    """Every macro as a TOML document that ``import_macros`` reads back."""
    macros = []
    for macro in list_macros(store):
        entry: dict[str, Any] = {"name": macro.name, "body": macro.body}
        if macro.shortcut:
            entry["shortcut"] = macro.shortcut
        if macro.actions:
            entry["actions"] = macro.actions
        macros.append(entry)
    return tomli_w.dumps({"macros": macros}, multiline_strings=True)


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

"""What the programs refuse at start beyond the config's model, checked without starting them.

The inbox refuses unknown ``[ui.keys]`` ids and themes, the store cannot be a directory or
a device, a ``command`` secret must parse. Loading the config for a command does not check
these (a theme typo must not stop ``deskterm sync``); ``config check`` and ``doctor`` do,
so a user learns of every such mistake at once, before the program that cares trips on it.
Checks work on the parsed TOML, so they run even when other keys are invalid.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deskterm.config.errors import secret_field_names
from deskterm.config.model import resolve_store_path
from deskterm.config.naming import Loc, Problem
from deskterm.domain.keymap import keymap_problems
from deskterm.domain.text import one_line
from deskterm.domain.themes import theme_problem

# The dialects the store's migrations and queries are written for (DESIGN.md).
_DIALECTS = ("sqlite", "postgresql")
# SQLAlchemy's PostgreSQL drivers by URL suffix ("postgresql://" means psycopg2).
_PG_DRIVERS = {"": "psycopg2", "psycopg": "psycopg", "psycopg2": "psycopg2", "pg8000": "pg8000"}


def program_problems(raw: Mapping[str, Any], source: Path | None) -> list[Problem]:
    """Every problem the programs would refuse at start, located in the file."""
    return [
        *_store_problems(raw.get("store"), source),
        *_ui_problems(raw.get("ui")),
        *_command_problems(raw),
    ]


def store_file_problem(path: Path) -> str | None:
    """Why SQLite could not use ``path`` as its database file, or None when it could."""
    shown = one_line(str(path), 200)
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return _creation_problem(path)
    except ValueError:
        return None  # a NUL in the path: the path's own check reports it
    except OSError as exc:
        return f"cannot use {shown}: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return f"{shown} is a directory; name the database file inside it, e.g. {shown}/deskterm.db"
    if not stat.S_ISREG(mode):
        return f"{shown} is not a regular file (a device, pipe or socket); name a database file"
    return None


def _creation_problem(path: Path) -> str | None:
    """Why ``path`` (which does not exist) could not be created, or None."""
    ancestor = path.parent
    try:
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            return f"cannot create {one_line(str(path), 200)}: {ancestor} is not a directory"
    except (OSError, ValueError):
        return None  # unreadable ancestry: opening the store will say more
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot create {one_line(str(path), 200)}: no permission to write in {ancestor}"
    return None


def _store_problems(section: Any, source: Path | None) -> list[Problem]:
    if section is None:
        section = {}
    if not isinstance(section, dict):
        return []  # not a table: the model says so
    path, url = section.get("path"), section.get("url")
    if path is not None and url is not None:
        return []  # "set either path or url": the model says so
    if isinstance(url, str) and "://" in url:
        problem = _url_problem(url)
        return [(("store", "url"), problem)] if problem else []
    if path is None or (isinstance(path, str) and path):
        resolved = resolve_store_path(None if path is None else Path(path), source)
        problem = store_file_problem(resolved)
        if problem and path is None:
            problem = f"(default) {problem}"
        return [(("store", "path"), problem)] if problem else []
    return []


def _url_problem(url: str) -> str | None:
    scheme, _, rest = url.partition("://")
    dialect, _, driver = scheme.lower().partition("+")
    if dialect not in _DIALECTS:
        return (
            "deskterm stores in SQLite or PostgreSQL: "
            'use "sqlite:///PATH" or "postgresql+psycopg://USER@HOST/DB"'
        )
    if dialect == "postgresql":
        module = _PG_DRIVERS.get(driver)
        if module is not None and importlib.util.find_spec(module) is None:
            return (
                f"the PostgreSQL driver {module} is not installed: pip install 'deskterm[postgres]'"
            )
        return None
    database = rest[1:].split("?", 1)[0] if rest.startswith("/") else ""
    if not database or database == ":memory:":
        return None
    return store_file_problem(Path(database).expanduser())


def _ui_problems(section: Any) -> list[Problem]:
    if not isinstance(section, dict):
        return []
    problems: list[Problem] = []
    theme = section.get("theme")
    if isinstance(theme, str) and (problem := theme_problem(theme)):
        problems.append((("ui", "theme"), problem))
    keys = section.get("keys")
    if isinstance(keys, dict):
        problems += [(("ui", "keys", name), problem) for name, problem in keymap_problems(keys)]
    return problems


def _command_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """``{ command = "..." }`` secrets whose command line cannot be split (unclosed quote)."""
    places: list[tuple[Loc, Any]] = []
    for section in ("channels", "stores"):
        entries = raw.get(section)
        if isinstance(entries, list):
            places += [((section, index), entry) for index, entry in enumerate(entries)]
    classify = raw.get("classify")
    if isinstance(classify, dict):
        places.append((("classify", "llm"), classify.get("llm")))
    problems: list[Problem] = []
    for loc, entry in places:
        if not isinstance(entry, dict):
            continue
        for field, value in entry.items():
            command = value.get("command") if isinstance(value, dict) else None
            if field not in secret_field_names() or not isinstance(command, str):
                continue
            try:
                shlex.split(command)
            except ValueError as exc:
                # The wording of secrets.resolve_secret; the command is never echoed.
                problems.append(((*loc, field, "command"), f"cannot parse the command ({exc})"))
    return problems

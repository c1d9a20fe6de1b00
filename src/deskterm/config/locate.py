"""Where the config file is and its text: the lookup order, without validating anything
(the read-only commands start here and never import the pydantic models)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from deskterm import paths
from deskterm.domain.errors import ConfigError, UsageError
from deskterm.domain.userfiles import read_regular_file

CONFIG_ENV = "DESKTERM_CONFIG"
"""Environment variable naming the config file when ``--config`` is not given."""

MAX_CONFIG_BYTES = 1 << 20  # a config is a few KiB; anything near this is not one


@dataclass(frozen=True)
class ConfigPlace:
    """One place the config file is looked for (``config_places`` lists them in order)."""

    name: str
    """How the place is given: ``--config FILE``, ``$DESKTERM_CONFIG``, or ``default``."""

    path: Path | None
    """The file it names; None when the option is not given or the variable not set."""

    required: bool
    """Named explicitly (option or variable): the file must then exist."""


def config_places(cli_path: Path | None = None) -> list[ConfigPlace]:
    """Every place the config is looked for, in lookup order; the first with a path wins.

    ``find_config_path`` decides with this list, and the inbox's welcome pane shows it.
    """
    from_env = os.environ.get(CONFIG_ENV, "")
    return [
        ConfigPlace("--config FILE", cli_path.expanduser() if cli_path else None, True),
        ConfigPlace(f"${CONFIG_ENV}", Path(from_env).expanduser() if from_env else None, True),
        ConfigPlace("default", paths.default_config_path(), False),
    ]


def find_config_path(cli_path: Path | None = None) -> Path | None:
    """The config file to use: ``--config``, then ``$DESKTERM_CONFIG``, then the default.

    A file named explicitly (option or variable) must exist; a missing default
    file is fine and gives None (run with built-in defaults).
    """
    place = next(p for p in config_places(cli_path) if p.path is not None)
    assert place.path is not None
    if place.path.exists():
        return place.path
    if not place.required:
        return None
    named_by = f" (named by ${CONFIG_ENV})" if place.name.startswith("$") else ""
    raise ConfigError(f"{place.path}: no such config file{named_by}")


def read_config_text(path: Path) -> str:
    """The text of the config file at ``path``; ConfigError when it cannot be read."""
    try:
        # A FIFO would block and /dev/zero never end: regular files only, of a sane size.
        data = read_regular_file(path, what="a config file", limit=MAX_CONFIG_BYTES)
    except UsageError as exc:
        raise ConfigError(str(exc)) from None
    try:
        # utf-8-sig: editors on Windows like to start files with a BOM.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid UTF-8") from None

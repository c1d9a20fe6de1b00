"""Finding and reading the config file: lookup order, syntax, validation, ``config check``."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from deskterm import paths
from deskterm.config.checks import CONFIG_ENV
from deskterm.config.errors import problem_lines, syntax_message, validation_problems
from deskterm.config.model import Config, reference_problems
from deskterm.config.naming import Problem
from deskterm.config.program_checks import program_problems
from deskterm.domain.errors import ConfigError, UsageError
from deskterm.domain.userfiles import read_regular_file

MAX_CONFIG_BYTES = 1 << 20  # a config is a few KiB; anything near this is not one

# --- finding and loading -------------------------------------------------------------


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


def load_config(cli_path: Path | None = None) -> Config:
    """Find, read and validate the config; ``Config()`` if there is none.

    Every problem raises ConfigError with one line naming the file, the
    line:column (syntax) or the key path (validation) at fault; when there are
    several, the first in the file and how many more (``config check`` lists all).
    """
    path = find_config_path(cli_path)
    if path is None:
        return Config()
    return load_config_text(read_config_text(path), path)


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


def load_config_text(text: str, source: Path) -> Config:
    """Parse and validate TOML ``text`` as if it were read from ``source``."""
    config, problems = _validate(_parse(text, source), source, programs=False)
    if config is None or problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more)
    return config


@dataclass(frozen=True)
class ConfigCheck:
    """Everything ``config check`` found: the config (None when it cannot be loaded) and
    one line per problem, in file order."""

    source: Path | None
    """The file checked (absolute), or None when there is none (built-in defaults)."""

    config: Config | None
    """The loaded config; None when the model or its cross-references are invalid."""

    problems: list[str]
    """``FILE: key path: problem``, one per mistake, in the order of the file."""


def check_config(cli_path: Path | None = None) -> ConfigCheck:
    """Like :func:`load_config`, but list every problem instead of stopping at the first,
    including what the programs refuse at start (``program_checks``).

    ``config`` is set whenever :func:`load_config` would succeed. A file that cannot be
    found, read or parsed still raises ConfigError: nothing after that can be checked.
    """
    path = find_config_path(cli_path)
    if path is None:
        raw: dict[str, Any] = {}
        lines = problem_lines(program_problems(raw, None), raw, "built-in defaults")
        return ConfigCheck(None, Config(), lines)
    source = path.absolute()
    config, lines = _validate(_parse(read_config_text(path), path), path, programs=True)
    return ConfigCheck(source, config, lines)


def _parse(text: str, source: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(syntax_message(exc, text, source)) from None


def _validate(
    raw: dict[str, Any], source: Path, *, programs: bool
) -> tuple[Config | None, list[str]]:
    """The config (None unless the model and its references are valid) and every problem."""
    config: Config | None = None
    problems: list[Problem] = []
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        problems += validation_problems(exc, raw)
    references = reference_problems(raw)
    if references:
        config = None
    if config is not None:
        config._source = source.absolute()
    problems += references
    if programs:
        problems += program_problems(raw, source.absolute())
    lines = problem_lines(problems, raw, source)
    return config, lines

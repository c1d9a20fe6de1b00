"""Finding and reading the config file: lookup order, syntax, validation, ``config check``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from deskterm.config.errors import problem_lines, syntax_message, validation_problems
from deskterm.config.locate import (
    MAX_CONFIG_BYTES,
    ConfigPlace,
    config_places,
    find_config_path,
    read_config_text,
)
from deskterm.config.model import Config, reference_problems
from deskterm.config.naming import Problem
from deskterm.config.program_checks import program_problems
from deskterm.domain.errors import ConfigError

__all__ = [
    "MAX_CONFIG_BYTES",
    "ConfigCheck",
    "ConfigPlace",
    "check_config",
    "config_places",
    "find_config_path",
    "load_config",
    "load_config_text",
    "read_config_text",
]


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

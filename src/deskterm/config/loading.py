"""Finding and reading the config file: the lookup order, TOML syntax, validation."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import ValidationError

from deskterm import paths
from deskterm.config.checks import CONFIG_ENV
from deskterm.config.errors import syntax_message, validation_message
from deskterm.config.model import Config
from deskterm.domain.errors import ConfigError, UsageError
from deskterm.domain.userfiles import read_regular_file

MAX_CONFIG_BYTES = 1 << 20  # a config is a few KiB; anything near this is not one

# --- finding and loading -------------------------------------------------------------


def find_config_path(cli_path: Path | None = None) -> Path | None:
    """The config file to use: ``--config``, then ``$DESKTERM_CONFIG``, then the default.

    A file named explicitly (option or variable) must exist; a missing default
    file is fine and gives None (run with built-in defaults).
    """
    if cli_path is not None:
        path = cli_path.expanduser()
        if not path.exists():
            raise ConfigError(f"{path}: no such config file")
        return path
    from_env = os.environ.get(CONFIG_ENV, "")
    if from_env:
        path = Path(from_env).expanduser()
        if not path.exists():
            raise ConfigError(f"{path}: no such config file (named by ${CONFIG_ENV})")
        return path
    default = paths.default_config_path()
    return default if default.exists() else None


def load_config(cli_path: Path | None = None) -> Config:
    """Find, read and validate the config; ``Config()`` if there is none.

    Every problem raises ConfigError with one line naming the file, the
    line:column (syntax) or the key path (validation) at fault.
    """
    path = find_config_path(cli_path)
    if path is None:
        return Config()
    try:
        # A FIFO would block and /dev/zero never end: regular files only, of a sane size.
        data = read_regular_file(path, what="a config file", limit=MAX_CONFIG_BYTES)
    except UsageError as exc:
        raise ConfigError(str(exc)) from None
    try:
        # utf-8-sig: editors on Windows like to start files with a BOM.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid UTF-8") from None
    return load_config_text(text, path)


def load_config_text(text: str, source: Path) -> Config:
    """Parse and validate TOML ``text`` as if it were read from ``source``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(syntax_message(exc, text, source)) from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(validation_message(exc, raw, source)) from None
    config._source = source.absolute()
    return config

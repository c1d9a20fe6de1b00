"""Where deskterm keeps its config, data, cache and logs (platformdirs, env overrides)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "deskterm"

# Environment variables that override the platform directories. Tests, demos and
# servers run with several isolated deskterms on one account, so each must be able
# to point every directory somewhere else without touching the real ones.
CONFIG_DIR_ENV = "DESKTERM_CONFIG_DIR"
DATA_DIR_ENV = "DESKTERM_DATA_DIR"
CACHE_DIR_ENV = "DESKTERM_CACHE_DIR"
LOG_DIR_ENV = "DESKTERM_LOG_DIR"

CONFIG_FILE_NAME = "config.toml"
STORE_FILE_NAME = "deskterm.db"
ATTACHMENTS_DIR_NAME = "attachments"


def _override(env_var: str) -> Path | None:
    value = os.environ.get(env_var, "")
    # An empty variable means "unset": `DESKTERM_DATA_DIR= deskterm` must not
    # silently put the store in the current directory.
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    """Directory holding ``config.toml``: ``$DESKTERM_CONFIG_DIR`` or the platform default."""
    # appauthor=False keeps Windows from nesting an extra "deskterm\deskterm" level.
    return _override(CONFIG_DIR_ENV) or platformdirs.user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """Directory holding the store and attachments: ``$DESKTERM_DATA_DIR`` or the default."""
    return _override(DATA_DIR_ENV) or platformdirs.user_data_path(APP_NAME, appauthor=False)


# attachments_dir's parameter shadows the function; this alias keeps it reachable.
_default_data_dir = data_dir


def cache_dir() -> Path:
    """Directory for disposable caches: ``$DESKTERM_CACHE_DIR`` or the platform default."""
    return _override(CACHE_DIR_ENV) or platformdirs.user_cache_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """Directory for log files: ``$DESKTERM_LOG_DIR`` or the platform default."""
    return _override(LOG_DIR_ENV) or platformdirs.user_log_path(APP_NAME, appauthor=False)


def default_config_path() -> Path:
    """The config file used when neither ``--config`` nor ``$DESKTERM_CONFIG`` is given."""
    return config_dir() / CONFIG_FILE_NAME


def default_store_path() -> Path:
    """The SQLite store used when ``[store]`` names neither ``path`` nor ``url``."""
    return data_dir() / STORE_FILE_NAME


def attachments_dir(data_dir: Path | None = None) -> Path:
    """Directory for attachment files under ``data_dir`` (default: :func:`data_dir`)."""
    return (data_dir if data_dir is not None else _default_data_dir()) / ATTACHMENTS_DIR_NAME


def ensure_dir(path: Path, mode: int = 0o700) -> Path:
    """Create ``path`` (and parents) if missing and return it.

    A directory this call creates gets exactly ``mode`` (the umask is not applied),
    because the store and attachments hold customer data that other local users
    must not read. An existing directory is left as it is: the user may have
    chosen to share it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=mode)
    except FileExistsError:
        if path.is_dir():
            return path
        raise
    os.chmod(path, mode)
    return path

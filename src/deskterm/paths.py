"""Where deskterm keeps its config, data, cache and logs (platformdirs, env overrides)."""

from __future__ import annotations

import os
import stat
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
LOG_FILE_NAME = "deskterm.log"
SYNC_STATUS_FILE_NAME = "sync-status.json"
SYNC_LOCK_FILE_NAME = "sync.lock"
TOKEN_KEY_FILE_NAME = "tokens.key"  # noqa: S105  (a file name; the key seals rotated tokens)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


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


def ensure_dir(path: Path, mode: int = PRIVATE_DIR_MODE) -> Path:
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


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty and 0600 (whatever the umask) unless it exists; True if created.

    An existing file keeps its mode: the user may share it on purpose (``doctor`` says so).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return True


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, which is (or becomes) 0600 before any byte is written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        handle.write(text)


MAX_LISTED = 5  # loose files named one by one before the rest are counted


def loose_permissions(store_file: Path, logs: Path) -> list[str]:
    """One line per deskterm file or directory that other local users may read or change.

    Looks at the store's directory (the data directory) and deskterm's own entries in it
    (the store with its WAL/SHM/journal, attachments, sync status and lock, a log), at
    every file of the log directory and at the token key. Files the user keeps beside
    the store are not ours to judge. Each line names the path, its mode and the command
    that fixes it.
    """
    data = store_file.parent
    found: list[tuple[Path, int, bool]] = []
    own = {ATTACHMENTS_DIR_NAME, SYNC_STATUS_FILE_NAME, SYNC_LOCK_FILE_NAME}
    roots: list[Path] = [logs, config_dir() / TOKEN_KEY_FILE_NAME]
    if data.is_dir():
        _check(data, found, recurse=False)
        for entry in sorted(data.iterdir()):
            if (
                entry.name in own
                or entry.name.startswith(store_file.name)
                or entry.name.startswith(LOG_FILE_NAME)
            ):
                roots.append(entry)
    for root in roots:
        if root.exists() and not root.is_symlink():
            _check(root, found, recurse=True)
    lines = []
    for path, mode, is_dir in found[:MAX_LISTED]:
        fix = f"chmod {'700' if is_dir else '600'} {path}"
        lines.append(f"{path} is open to other users (mode {mode:04o}); run: {fix}")
    if len(found) > MAX_LISTED:
        rest = len(found) - MAX_LISTED
        lines.append(
            f"{rest} more files or directories under {data} and {logs} are open to other"
            f" users; run: chmod -R go-rwx {data} {logs}"
        )
    return lines


def _check(path: Path, found: list[tuple[Path, int, bool]], *, recurse: bool) -> None:
    """Add ``path`` (and with ``recurse`` everything below it) to ``found`` when loose."""
    try:
        info = path.lstat()
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode):
        return  # a link's own mode means nothing; its target is checked where it lives
    mode, is_dir = stat.S_IMODE(info.st_mode), stat.S_ISDIR(info.st_mode)
    if mode & 0o077:
        found.append((path, mode, is_dir))
    if recurse and is_dir:
        for top, dirs, files in os.walk(path):
            for name in sorted(dirs) + sorted(files):
                _check(Path(top) / name, found, recurse=False)

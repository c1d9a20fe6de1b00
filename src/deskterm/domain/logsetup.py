"""Logging for every entry point: a private, size-capped log file and/or stderr, secrets masked.

One setup for the TUI, the demo, ``deskterm sync`` and every other command, so that all
of them keep the same promises: no secret in any log (a :class:`RedactingFilter` on every
handler installed here), the HTTP client's per-request lines (full URLs, tokens and
signatures in the query) silent unless ``DESKTERM_DEBUG=1`` asks for them, and log files
that only their owner can read and that never grow without bound.
"""

from __future__ import annotations

import logging
import os
import sys
from io import TextIOWrapper
from pathlib import Path
from typing import IO, Any

from deskterm.domain.redact import redact
from deskterm.paths import ensure_dir

DEBUG_ENV = "DESKTERM_DEBUG"
"""Set to 1 to log debug records, the HTTP requests (secrets masked) among them."""

LOG_MAX_BYTES = 5 * 1024 * 1024
"""A log file is rotated when it would grow past this size."""

LOG_BACKUPS = 3
"""Rotated log files kept (``deskterm.log.1`` … ``.3``); older ones are deleted."""

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Libraries that log one line per request with its full URL (tokens, signatures) at INFO.
CHATTY_LOGGERS = ("httpx", "httpcore")

_installed: list[logging.Handler] = []  # the handlers set up here, replaced on the next call


def debug_enabled() -> bool:
    """Whether the user asked for debug logging (``DESKTERM_DEBUG=1``)."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message, traceback and stack before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            # A traceback's last line quotes the exception, often with a request URL.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _CurrentStderrHandler(logging.StreamHandler[IO[str]]):
    """Writes to whatever ``sys.stderr`` is at the time (a redirected or captured stream)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _private_file_handler(path: Path, *, max_bytes: int, backups: int) -> logging.Handler:
    from logging.handlers import RotatingFileHandler  # only the commands with a log file pay

    class PrivateRotatingFileHandler(RotatingFileHandler):
        """A rotating log whose every file is created 0600, whatever the umask."""

        def _open(self) -> TextIOWrapper:
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            # A log file an older deskterm left 0644 is ours to tighten.
            os.fchmod(fd, 0o600)
            return open(fd, "a", encoding=self.encoding, errors=self.errors)

    ensure_dir(path.parent)
    return PrivateRotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=False
    )


def setup_logging(
    log_file: Path | None = None,
    *,
    stderr_level: int | None = None,
    exclusive: bool = False,
) -> None:
    """Send log records to ``log_file`` (rotated, 0600) and/or stderr (from ``stderr_level``).

    Handlers from an earlier call are replaced; other handlers (a test's capture) stay
    unless ``exclusive``: a full-screen UI must have no handler writing to its terminal.
    With ``DESKTERM_DEBUG=1`` debug records are kept, stderr included, and the HTTP
    client's request lines are logged, their secrets masked like everything else.
    """
    debug = debug_enabled()
    root = logging.getLogger()
    for handler in [*_installed, *(root.handlers if exclusive else [])]:
        root.removeHandler(handler)
        if handler in _installed:
            handler.close()
    _installed.clear()
    handlers: list[logging.Handler] = []
    if log_file is not None:
        file_handler = _private_file_handler(log_file, max_bytes=LOG_MAX_BYTES, backups=LOG_BACKUPS)
        file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        file_handler.setLevel(logging.DEBUG if debug else logging.INFO)
        handlers.append(file_handler)
    if stderr_level is not None:
        stream_handler = _CurrentStderrHandler()
        # The daemon's journal lines carry a time; a command's warnings read like its errors.
        plain = "%(message)s" if stderr_level >= logging.WARNING else "%(asctime)s %(message)s"
        stream_handler.setFormatter(logging.Formatter(LOG_FORMAT if debug else plain))
        stream_handler.setLevel(logging.DEBUG if debug else stderr_level)
        handlers.append(stream_handler)
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
        _installed.append(handler)
    # Lowered to what the handlers want, never raised: a test's capture keeps its level.
    wanted = min([handler.level for handler in handlers], default=logging.WARNING)
    if wanted < root.level:
        root.setLevel(wanted)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)

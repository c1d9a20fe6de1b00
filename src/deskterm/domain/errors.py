"""Errors that carry a one-line message for the user and a process exit code."""

from deskterm.domain.redact import redact
from deskterm.domain.text import one_line


class DesktermError(Exception):
    """Base for every error meant to be shown to the user as one line."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        # Messages are often built from a library's error, which may quote a request URL
        # with its token or signature: whatever this error is shown in (a terminal, the
        # status line, a log, --json), the secret is masked here once for all of them.
        message = redact(message)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(DesktermError):
    """The user asked for something malformed (bad argument, bad query, missing file)."""

    exit_code = 2


class ConfigError(DesktermError):
    """The configuration file is missing, unreadable or invalid."""

    exit_code = 2


class SecretError(DesktermError):
    """A secret could not be resolved; the message says what to do."""

    exit_code = 2


class NotFoundError(DesktermError):
    """A named thing (ticket, channel, view) does not exist."""

    exit_code = 1


class StoreError(DesktermError):
    """The store could not be opened, migrated or written."""

    exit_code = 1


class QueryError(UsageError):
    """A query could not be parsed; ``position`` is the 0-based offset of the fault."""

    def __init__(self, message: str, query: str, position: int) -> None:
        self.query = query
        self.position = position
        super().__init__(f"query error at column {position + 1}: {message}")

    def pointer(self) -> str:
        """Two lines showing the query and a caret under the fault."""
        return f"  {self.query}\n  {' ' * self.position}^"


class ChannelError(DesktermError):
    """A channel could not be reached or refused us; ``transient`` errors are retried."""

    exit_code = 1

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


class ChannelAuthError(ChannelError):
    """The server rejected our credentials: retrying will not help until the user acts."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


def network_reason(exc: BaseException) -> str:
    """The system's words for a failed connection ("Connection refused"), found anywhere in
    the chain of ``exc`` (HTTP clients wrap the socket error twice), else its own text."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        current = current.__cause__ or current.__context__
    return one_line(str(exc), 200) or type(exc).__name__


class StoreFaultError(StoreError):
    """The store itself cannot be used now (full disk, damaged file, lock held too long).

    No single message or action is at fault, so retrying them one by one is pointless:
    long writers stop and say so; a re-run resumes.
    """


class StoreFullError(StoreFaultError):
    """The disk holding the store (or its attachments) is full."""

    def __init__(self, location: str, reason: str) -> None:
        self.location = location
        self.reason = reason
        super().__init__(
            f"disk full: {location} has no room left ({reason}); free some space there"
            " and try again"
        )


class StoreDamagedError(StoreFaultError):
    """The store file is damaged, empty or not a deskterm store; nothing is written to it."""


class StoreBusyError(StoreFaultError):
    """Another process held the store's write lock for longer than we wait."""

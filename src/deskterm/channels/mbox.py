"""Streaming mbox reading (mboxo/mboxrd) for imports, one message's bytes at a time."""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from deskterm.domain.errors import DesktermError, UsageError

# Lines longer than this are read in pieces, so one giant line cannot exhaust memory.
READ_LIMIT = 1 << 20
BUFFER_SIZE = 1 << 20
# A separator carries a time of day (`From sender Thu Jan  1 10:00:00 2024`). Requiring it,
# like mutt does, keeps an unescaped "From here on..." paragraph from splitting a message.
_INTERESTING_STARTS = frozenset({b"F", b">", b"\n", b"\r", b" ", b"\t"})
_SEPARATOR_TIME_RE = re.compile(rb"\d{1,2}:\d{2}")
_QUOTED_FROM_RE = re.compile(rb"^>+From ")
# The separator line is in a lookahead so that a rejected one ("From here on...") does not
# swallow the newline a following real separator needs.
_BLANK_THEN_FROM_RE = re.compile(rb"\n[ \t\r]*\n(?=(From [^\n]*\n))")
COUNT_CHUNK = 4 << 20
COUNT_OVERLAP = 4096


def iter_mbox(path: Path) -> Iterator[bytes]:
    """Yield each message of the mbox at ``path`` without its ``From `` separator line.

    A file that does not start with ``From `` is one raw message (an .eml). Raises
    UsageError at once when the file is missing, a directory, unreadable or empty.
    """
    _check_mailbox(path)
    return _messages(path)


def count_mbox(path: Path) -> int:
    """Count the messages in an mbox quickly, for a progress display.

    Scans big blocks with a regex instead of lines (about 1 GB/s); the count can differ
    from iter_mbox only for separator lines longer than COUNT_OVERLAP bytes.
    """
    _check_mailbox(path)
    with _open(path) as handle:
        first = _first_content_line(_lines(handle, path))
        if first is None:
            return 0
        if not first[0].startswith(b"From "):
            return 1
        # The reader now stands just after the first separator, which is already counted.
        return 1 + _count_separators(handle, path)


def _count_separators(handle: BinaryIO, path: Path) -> int:
    count = 0
    buffer = b""
    offset = 0  # file offset of buffer[0]
    counted_upto = 0  # file offset up to which separators have been counted
    while True:
        try:
            chunk = handle.read(COUNT_CHUNK)
        except OSError as exc:
            raise DesktermError(f"{path}: read error ({exc.strerror or exc})") from None
        if not chunk:
            return count
        buffer += chunk
        for match in _BLANK_THEN_FROM_RE.finditer(buffer):
            if offset + match.start() >= counted_upto and _is_separator(match.group(1)):
                count += 1
                counted_upto = offset + match.end()
        # Keep a tail so a separator cut by the block boundary is seen whole next time.
        keep_from = max(len(buffer) - COUNT_OVERLAP, 0)
        offset += keep_from
        buffer = buffer[keep_from:]


def _check_mailbox(path: Path) -> None:
    with _open(path) as handle:
        if _first_content_line(_lines(handle, path)) is None:
            raise UsageError(f"{path}: empty mailbox")


def _open(path: Path) -> BinaryIO:
    try:
        if path.is_dir():
            raise UsageError(f"{path}: is a directory, not a mailbox file")
        return open(path, "rb", buffering=BUFFER_SIZE)  # closed by the callers' `with`
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a mailbox file") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _lines(handle: BinaryIO, path: Path) -> Iterator[tuple[bytes, bool]]:
    """Yield (line, starts_a_line): pieces of an overlong line after the first say False."""
    at_line_start = True
    while True:
        try:
            line = handle.readline(READ_LIMIT)
        except OSError as exc:
            message = exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))
            raise DesktermError(f"{path}: read error ({message})") from None
        if not line:
            return
        yield line, at_line_start
        at_line_start = line.endswith(b"\n")


def _first_content_line(lines: Iterator[tuple[bytes, bool]]) -> tuple[bytes, bool] | None:
    """Skip leading blank lines; None when the file has nothing else."""
    for line, at_line_start in lines:
        if line.strip():
            return line, at_line_start
    return None


def _is_separator(line: bytes) -> bool:
    return line.startswith(b"From ") and _SEPARATOR_TIME_RE.search(line) is not None


def _messages(path: Path) -> Iterator[bytes]:
    with _open(path) as handle:
        lines = _lines(handle, path)
        first = _first_content_line(lines)
        if first is None:
            return
        if not first[0].startswith(b"From "):
            yield first[0] + b"".join(line for line, _ in lines)
            return
        yield from _split(lines)


def _split(lines: Iterator[tuple[bytes, bool]]) -> Iterator[bytes]:
    """Split the lines after a first ``From `` line into messages."""
    current: list[bytes] = []
    previous_blank = False
    for line, at_line_start in lines:
        # Only lines starting with F, > or whitespace can matter; test the rest cheaply.
        if not at_line_start or line[:1] not in _INTERESTING_STARTS:
            current.append(line)
            previous_blank = False
            continue
        if previous_blank and _is_separator(line):
            if message := _finish(current):
                yield message
            current = []
            previous_blank = False
            continue
        previous_blank = not line.strip()
        # mboxrd/mboxo quoting: `>From ` was `From `, `>>From ` was `>From `.
        current.append(line[1:] if _QUOTED_FROM_RE.match(line) else line)
    if message := _finish(current):
        yield message


def _finish(lines: list[bytes]) -> bytes:
    """The message's bytes, or b"" for an empty entry (two separators in a row)."""
    # The writer added one blank line to separate this message from the next one.
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    message = b"".join(lines)
    return message if message.strip() else b""

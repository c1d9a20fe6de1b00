"""Streaming mbox reading (mboxo/mboxrd) for imports, one message's bytes at a time.

A file is counted first (for a progress display) and then read. A pipe, a FIFO or
``/dev/stdin`` can be read only once, so it is split as it streams, uncounted. Whatever the
path names, memory stays bounded and nothing waits forever for a writer that never comes.
"""

from __future__ import annotations

import errno
import io
import os
import re
import select
import stat
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

from deskterm.domain.errors import DesktermError, UsageError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

# Lines longer than this are read in pieces, so one giant line cannot exhaust memory.
READ_LIMIT = 1 << 20
BUFFER_SIZE = 1 << 20
# Far above any real message (providers cap mail at 25-150 MB); past it the "mailbox" is
# something else (``From `` followed by /dev/zero), and holding it would exhaust memory.
MAX_MESSAGE_BYTES = 256 << 20
# How long a FIFO with no writer yet is given to produce its first bytes.
FIFO_WAIT_SECONDS = 10.0
# A separator carries a time of day (`From sender Thu Jan  1 10:00:00 2024`). Requiring it,
# like mutt does, keeps an unescaped "From here on..." paragraph from splitting a message.
_INTERESTING_STARTS = frozenset({b"F", b">", b"\n", b"\r", b" ", b"\t"})
_SEPARATOR_TIME_RE = re.compile(rb"\d{1,2}:\d{2}")
_QUOTED_FROM_RE = re.compile(rb"^>+From ")
# A single message (.eml) starts with a header field: printable ASCII name, then a colon.
_HEADER_FIELD_RE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
# The separator line is in a lookahead so that a rejected one ("From here on...") does not
# swallow the newline a following real separator needs.
_BLANK_THEN_FROM_RE = re.compile(rb"\n[ \t\r]*\n(?=(From [^\n]*\n))")
COUNT_CHUNK = 4 << 20
COUNT_OVERLAP = 4096


class Mailbox:
    """An opened mbox or single message; checked on opening, closed by ``with``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle, self.seekable = _open(path)
        self._consumed = False
        try:
            self._lines = _lines(self._handle, path)
            self._first = _checked_first_line(self._lines, path)
        except BaseException:
            self._handle.close()
            raise

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file."""
        self._handle.close()

    def count(self) -> int | None:
        """How many messages a file holds (quickly, for progress); None for a stream,
        which counting would consume."""
        if not self.seekable:
            return None
        lines = self._rewind()
        first = _first_content_line(lines)
        if first is None:
            return 0
        if not first[0].startswith(b"From "):
            return 1
        # The reader now stands just after the first separator, which is already counted.
        return 1 + _count_separators(self._handle, self.path)

    def messages(self) -> Iterator[bytes]:
        """Each message without its ``From `` separator line; a stream only once."""
        if self.seekable:
            lines = self._rewind()
            first = _first_content_line(lines)
        elif self._consumed:
            raise DesktermError(f"{self.path}: a stream can be read only once")
        else:
            lines, first = self._lines, self._first
        self._consumed = True
        if first is None:
            return
        if not first[0].startswith(b"From "):
            yield _single_message(first[0], lines, self.path)
            return
        yield from _split(lines, self.path)

    def _rewind(self) -> Iterator[tuple[bytes, bool]]:
        self._handle.seek(0)
        return _lines(self._handle, self.path)


def open_mailbox(path: Path) -> Mailbox:
    """Open the mbox (or .eml) at ``path``; UsageError at once, in one line, when it is
    missing, a directory, unreadable, empty, not mail, or a FIFO nobody writes to."""
    return Mailbox(path)


def iter_mbox(path: Path) -> Iterator[bytes]:
    """Yield each message of the mbox at ``path`` without its ``From `` separator line.

    A file that does not start with ``From `` is one raw message (an .eml). Raises
    UsageError at once when the file is missing, a directory, unreadable or empty.
    """
    return _each_then_close(open_mailbox(path))


def _each_then_close(box: Mailbox) -> Iterator[bytes]:
    with box:
        yield from box.messages()


def count_mbox(path: Path) -> int | None:
    """Count the messages in an mbox quickly, for a progress display (None for a stream).

    Scans big blocks with a regex instead of lines (about 1 GB/s); the count can differ
    from iter_mbox only for separator lines longer than COUNT_OVERLAP bytes.
    """
    with open_mailbox(path) as box:
        return box.count()


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


def _checked_first_line(
    lines: Iterator[tuple[bytes, bool]], path: Path
) -> tuple[bytes, bool] | None:
    first = _first_content_line(lines)
    if first is None:
        raise UsageError(f"{path}: empty mailbox")
    if not first[0].startswith(b"From ") and not _HEADER_FIELD_RE.match(first[0]):
        raise UsageError(
            f'{path}: not an mbox (it starts with neither a "From " line nor a mail header)'
        )
    return first


def _open_nonblocking(name: str, flags: int) -> int:
    # Opening a FIFO blocks until a writer appears; non-blocking, it returns at once.
    return os.open(name, flags | getattr(os, "O_NONBLOCK", 0))


def _open(path: Path) -> tuple[BinaryIO, bool]:
    """A buffered reader on ``path`` and whether it is a (seekable, countable) file."""
    try:
        if path.is_dir():
            raise UsageError(f"{path}: is a directory, not a mailbox file")
        raw = open(path, "rb", buffering=0, opener=_open_nonblocking)  # noqa: SIM115
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a mailbox file") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(raw.fileno()).st_mode
        if stat.S_ISREG(mode):
            os.set_blocking(raw.fileno(), True)
            return io.BufferedReader(raw, BUFFER_SIZE), True
        prefix = _first_bytes(raw, path, fifo=stat.S_ISFIFO(mode))
        os.set_blocking(raw.fileno(), True)
        return io.BufferedReader(_Prefixed(prefix, raw), BUFFER_SIZE), False
    except BaseException:
        raw.close()
        raise


def _read_now(raw: io.FileIO, path: Path) -> bytes | None:
    """What a non-blocking read gives: bytes, b"" at end of input, None for "not yet"."""
    try:
        return raw.read(BUFFER_SIZE)
    except OSError as exc:
        raise DesktermError(f"{path}: read error ({exc.strerror or exc})") from None


def _first_bytes(raw: io.FileIO, path: Path, *, fifo: bool) -> bytes:
    """The first bytes of a stream, read before it is switched to blocking reads.

    A FIFO reads as ended while no program has it open for writing; a writer may still be
    on its way (started right after us), so it gets FIFO_WAIT_SECONDS, not forever.
    """
    chunk = _read_now(raw, path)
    if chunk is None:  # a writer is there, with nothing yet: blocking reads will wait for it
        return b""
    if chunk or not fifo:
        return chunk
    ready, _, _ = select.select([raw.fileno()], [], [], FIFO_WAIT_SECONDS)
    if not ready:
        raise UsageError(
            f"{path}: a FIFO that nothing was written to in {FIFO_WAIT_SECONDS:.0f} s;"
            " start the program that writes the mailbox first"
        )
    return _read_now(raw, path) or b""


class _Prefixed(io.RawIOBase):
    """A raw stream that gives ``prefix`` (bytes already read from ``raw``) first."""

    def __init__(self, prefix: bytes, raw: io.FileIO) -> None:
        super().__init__()
        self._prefix = prefix
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._prefix:
            size = min(len(view), len(self._prefix))
            view[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        return self._raw.readinto(view) or 0

    def fileno(self) -> int:
        return self._raw.fileno()

    def close(self) -> None:
        self._raw.close()
        super().close()


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


def _too_large(path: Path, number: int) -> UsageError:
    return UsageError(
        f"{path}: message {number} is over {MAX_MESSAGE_BYTES >> 20} MiB;"
        " not a mailbox, or a message too large to import"
    )


def _single_message(first: bytes, lines: Iterator[tuple[bytes, bool]], path: Path) -> bytes:
    parts, size = [first], len(first)
    for line, _ in lines:
        size += len(line)
        if size > MAX_MESSAGE_BYTES:
            raise _too_large(path, 1)
        parts.append(line)
    return b"".join(parts)


def _split(lines: Iterator[tuple[bytes, bool]], path: Path) -> Iterator[bytes]:
    """Split the lines after a first ``From `` line into messages."""
    current: list[bytes] = []
    size = 0
    number = 1
    previous_blank = False
    for line, at_line_start in lines:
        size += len(line)
        if size > MAX_MESSAGE_BYTES:
            raise _too_large(path, number)
        # Only lines starting with F, > or whitespace can matter; test the rest cheaply.
        if not at_line_start or line[:1] not in _INTERESTING_STARTS:
            current.append(line)
            previous_blank = False
            continue
        if previous_blank and _is_separator(line):
            if message := _finish(current):
                yield message
            current, size, number = [], 0, number + 1
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

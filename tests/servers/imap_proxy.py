"""A loopback TCP proxy that records every IMAP command a client sends through it.

Tests put it between the adapter and a real server to prove what the adapter said (e.g.
"no STORE, EXPUNGE or plain BODY[]": reliability.md item 8) and to cut connections.
Literals (APPEND bodies, 8-bit search strings) are skipped, not parsed as commands.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import Self

_LITERAL_RE = re.compile(rb"\{(\d+)\+?\}$")


class _CommandParser:
    """Splits one client's byte stream into logical IMAP command lines."""

    def __init__(self, record: Callable[[str], None]) -> None:
        self._record = record
        self._buffer = b""
        self._literal_left = 0
        self._parts: list[str] = []
        self.opaque = False  # after STARTTLS/COMPRESS the bytes are no longer IMAP text

    def feed(self, data: bytes) -> None:
        if self.opaque:
            return
        self._buffer += data
        while self._buffer:
            if self._literal_left:
                taken = min(self._literal_left, len(self._buffer))
                self._buffer = self._buffer[taken:]
                self._literal_left -= taken
                continue
            end = self._buffer.find(b"\n")
            if end < 0:
                return
            line, self._buffer = self._buffer[:end].rstrip(b"\r"), self._buffer[end + 1 :]
            match = _LITERAL_RE.search(line)
            if match:
                size = int(match.group(1))
                self._parts.append(line[: match.start()].decode("latin-1") + f"{{{size} bytes}}")
                self._literal_left = size
                continue
            self._parts.append(line.decode("latin-1"))
            command = "".join(self._parts)
            self._parts = []
            self._record(command)
            words = command.split()
            if len(words) >= 2 and words[1].upper() in {"STARTTLS", "COMPRESS", "AUTHENTICATE"}:
                # Encrypted/compressed bytes or SASL exchanges follow: stop interpreting.
                self.opaque = words[1].upper() != "AUTHENTICATE"


# Commands that change a mailbox; sync must never send them (reliability.md item 8).
MAILBOX_CHANGING_VERBS = {
    "STORE",
    "UID STORE",
    "EXPUNGE",
    "UID EXPUNGE",
    "COPY",
    "UID COPY",
    "MOVE",
    "UID MOVE",
    "DELETE",
    "RENAME",
    "SELECT",  # read-write open: a later CLOSE would expunge, and \Recent is consumed
    "CLOSE",
    "APPEND",
}


def verb_of(line: str) -> str:
    """The IMAP verb of a recorded command line: "EXAMINE", "UID FETCH", "DONE", ..."""
    words = line.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0].upper()  # untagged continuation such as DONE (ends IDLE)
    verb = words[1].upper()
    if verb == "UID" and len(words) >= 3:
        return f"UID {words[2].upper()}"
    return verb


class ImapProxy:
    """Forwards loopback connections to ``upstream`` and logs the client's commands."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.host = "127.0.0.1"
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._acceptor = threading.Thread(target=self._accept_loop, name="imap-proxy", daemon=True)

    def __enter__(self) -> Self:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what tests read ---------------------------------------------------------------

    def lines(self) -> list[str]:
        """Every complete command line so far (literals shown as "{N bytes}", LOGIN masked)."""
        with self._lock:
            return list(self._lines)

    def commands(self) -> list[str]:
        """The verbs of ``lines()``: "LOGIN", "EXAMINE", "UID SEARCH", "UID FETCH", ..."""
        return [verb_of(line) for line in self.lines()]

    def clear(self) -> None:
        """Forget the commands recorded so far."""
        with self._lock:
            self._lines.clear()

    def drop_connections(self) -> None:
        """Cut every open connection, as a flaky network or a server restart would."""
        with self._lock:
            sockets = list(self._sockets)
            self._sockets.clear()
        for sock in sockets:
            _close(sock)

    def stop(self) -> None:
        """Stop accepting, cut all connections and wait for the worker threads."""
        self._stopping.set()
        self.drop_connections()
        if self._acceptor.is_alive():
            self._acceptor.join(timeout=10)
        _close(self._listener)
        for thread in self._threads:
            thread.join(timeout=10)

    # --- plumbing ------------------------------------------------------------------------

    def _record(self, line: str) -> None:
        words = line.split()
        if len(words) >= 2 and words[1].upper() == "LOGIN":
            line = " ".join([*words[:3], "***"])  # keep the password out of test logs
        with self._lock:
            self._lines.append(line)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.upstream, timeout=30)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets.update({client, upstream})
            parser = _CommandParser(self._record)
            for source, target, watch in ((client, upstream, parser), (upstream, client, None)):
                thread = threading.Thread(
                    target=self._pump, args=(source, target, watch), daemon=True
                )
                self._threads.append(thread)
                thread.start()

    def _pump(
        self, source: socket.socket, target: socket.socket, parser: _CommandParser | None
    ) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if parser is not None:
                    # Recorded before forwarding: the server cannot answer a command the
                    # log does not hold yet, so tests may read the log right after a call.
                    parser.feed(data)
                target.sendall(data)
        except OSError:
            pass  # either side went away: close both below
        finally:
            _close(source)
            _close(target)
            with self._lock:
                self._sockets.discard(source)
                self._sockets.discard(target)


def _close(sock: socket.socket) -> None:
    # shutdown() first: it wakes a thread blocked in recv() on this socket; close() may not.
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        sock.close()


@contextmanager
def imap_proxy(upstream_host: str, upstream_port: int) -> Iterator[ImapProxy]:
    """A running proxy to ``upstream_host:upstream_port``; stopped on exit."""
    with ImapProxy(upstream_host, upstream_port) as proxy:
        yield proxy

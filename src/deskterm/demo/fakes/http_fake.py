"""A loopback HTTP server for the platform fakes: routing, a request log and fault injection."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit


@dataclass
class FakeRequest:
    """One request as the fake saw it (the query keeps its last value per key)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass
class FakeResponse:
    """What a handler answers."""

    status: int = 200
    body: Any = None  # JSON-encoded unless bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Faults:
    """Failures to inject, consumed one per matching request (thread-safe via the lock)."""

    rate_limits: list[str | None] = field(default_factory=list)  # Retry-After values per 429
    drop_after_send: int = 0  # sends processed, then the connection closed without a reply
    lock: threading.Lock = field(default_factory=threading.Lock)


class HttpFake:
    """Subclasses implement ``handle``; this class serves them on 127.0.0.1."""

    send_paths: tuple[str, ...] = ()  # paths that send a message (for drop_after_send)
    rate_limit_body: ClassVar[Any] = {"message": "Too Many Requests"}  # the platform's 429 body

    def __init__(self) -> None:
        self.faults = Faults()
        self.requests: list[FakeRequest] = []
        self.calls: Counter[str] = Counter()  # path -> count
        self.lock = threading.RLock()  # handlers mutate the fake's state under it
        self.base_url = ""

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one request (override)."""
        raise NotImplementedError

    def is_send(self, request: FakeRequest) -> bool:
        """Whether ``request`` sends a message (override when the path alone cannot tell)."""
        return request.path in self.send_paths

    def inject_rate_limits(self, count: int, retry_after: str | None = "0") -> None:
        """The next ``count`` requests get HTTP 429 with this Retry-After (None: no header)."""
        with self.faults.lock:
            self.faults.rate_limits.extend([retry_after] * count)

    def drop_after_next_send(self, count: int = 1) -> None:
        """The next ``count`` sends are processed, then the connection drops before a reply."""
        with self.faults.lock:
            self.faults.drop_after_send += count

    def reset_log(self) -> None:
        """Forget the requests seen so far (between the phases of a benchmark)."""
        with self.lock:
            self.requests.clear()
            self.calls.clear()

    def _dispatch(self, request: FakeRequest) -> FakeResponse | None:
        with self.lock:
            self.requests.append(request)
            self.calls[request.path] += 1
        with self.faults.lock:
            if self.faults.rate_limits:
                retry_after = self.faults.rate_limits.pop(0)
                headers = {} if retry_after is None else {"retry-after": retry_after}
                return FakeResponse(429, self.rate_limit_body, headers)
            drop = self.faults.drop_after_send > 0 and self.is_send(request)
            if drop:
                self.faults.drop_after_send -= 1
        with self.lock:
            response = self.handle(request)
        return None if drop else response

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Run on a free loopback port; yields the base URL."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall

            def _any(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                request = FakeRequest(
                    self.command,
                    split.path,
                    dict(parse_qsl(split.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                response = fake._dispatch(request)
                if response is None:
                    self.close_connection = True
                    self.connection.shutdown(2)  # the send happened; the reply never comes
                    return
                body = (
                    response.body
                    if isinstance(response.body, bytes)
                    else json.dumps(response.body).encode()
                )
                self.send_response(response.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _any

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: tests and the demo read ``fake.requests`` instead."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, once per test.
        thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fake-http", daemon=True
        )
        thread.start()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self.base_url
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

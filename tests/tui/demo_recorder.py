"""Runs ``deskterm demo`` in this process and writes down every secret its fakes dealt in.

Usage: ``python -m tests.tui.demo_recorder RECORD.json [deskterm arguments...]``.

The demo is run unchanged (``deskterm.cli.main``); only two of its constructors are
wrapped so that the secrets never need to be hard-coded in the test: the marketplace
fakes (their app secrets and partner keys, every token they issued, every token and
signature they were sent) and the demo IMAP server (its random password). Every access
token is expired as soon as the fakes start, so the run also rotates every chat
channel's tokens: the rotated ones must not land in clear text anywhere either.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import deskterm.demo.run as demo_run
from deskterm.cli import main
from deskterm.demo.fakes.http_fake import FakeRequest

# Request fields that carry a token or a signature, in the query, a form or JSON body,
# or a header (lower-cased).
SECRET_FIELDS = frozenset({"access_token", "refresh_token", "sign", "signature"})
SECRET_HEADERS = frozenset({"x-tts-access-token", "x-shopify-access-token", "authorization"})


def _sent_secrets(request: FakeRequest) -> set[str]:
    found = {value for key, value in request.query.items() if key in SECRET_FIELDS}
    found |= {value for key, value in request.headers.items() if key in SECRET_HEADERS}
    body = request.body.decode("utf-8", "replace")
    if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
        found |= {value for key, value in parse_qsl(body) if key in SECRET_FIELDS}
    else:
        try:
            decoded = json.loads(body) if body else None
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            found |= {str(v) for k, v in decoded.items() if k in SECRET_FIELDS and v}
    return found


def secrets_of(markets: Any) -> set[str]:
    """Every secret the running fakes know or were sent so far (empty strings dropped)."""
    found = {
        markets.tiktokshop.app_secret,
        markets.shopee.partner_key,
        markets.lazada.app_secret,
    }
    for fake in fakes_of(markets).values():
        found |= {fake.access_token, getattr(fake, "refresh_token", "")}
        with fake.lock:
            seen = list(fake.requests)
        for request in seen:
            found |= _sent_secrets(request)
    # Every token a fake ever issued, including ones rotated away during the run.
    found |= set(markets.tiktokshop.tokens.access) | set(markets.tiktokshop.tokens.refresh)
    found |= set(markets.shopee._access) | set(markets.shopee._refresh)
    found |= set(markets.lazada.valid_access) | set(markets.lazada.valid_refresh)
    return {secret for secret in found if secret}


def fakes_of(markets: Any) -> dict[str, Any]:
    """The four fakes by platform."""
    return {
        "tiktokshop": markets.tiktokshop,
        "shopee": markets.shopee,
        "lazada": markets.lazada,
        "shopify": markets.shopify,
    }


class Recorder:
    """Collects secrets and how many requests each fake answered; written at exit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.secrets: set[str] = set()
        self.requests: dict[str, int] = {}

    def note_fakes(self, markets: Any) -> None:
        self.secrets |= secrets_of(markets)
        self.requests = {name: len(fake.requests) for name, fake in fakes_of(markets).items()}

    def write(self) -> None:
        record = {"secrets": sorted(self.secrets), "requests": self.requests}
        self.path.write_text(json.dumps(record), encoding="utf-8")


def run(record_path: Path, argv: list[str]) -> int:
    recorder = Recorder(record_path)
    real_serve = demo_run.serve_marketplaces
    real_imap = demo_run.DemoImap

    @contextmanager
    def serve_and_record(*args: Any, **kwargs: Any) -> Iterator[Any]:
        with real_serve(*args, **kwargs) as markets:
            markets.tiktokshop.expire_tokens()
            markets.shopee.expire_tokens()
            markets.lazada.expire_tokens()
            try:
                yield markets
            finally:
                recorder.note_fakes(markets)

    def imap_and_record(*args: Any, **kwargs: Any) -> Any:
        server = real_imap(*args, **kwargs)
        recorder.secrets.add(server.password)
        return server

    demo_run.serve_marketplaces = serve_and_record  # type: ignore[assignment]
    demo_run.DemoImap = imap_and_record  # type: ignore[assignment,misc]
    try:
        return main(argv)
    finally:
        recorder.write()


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]), sys.argv[2:]))

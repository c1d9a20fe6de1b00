"""Malformed-mail corpora (reliability.md item 6): every message is stored, none crashes ingest,
each parse stays under 2 s — replayed through the same import path as real mail."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from deskterm.channels.email.mime import parse_message
from deskterm.cli import main

CORPUS = Path(__file__).parent / "corpus"
PARSE_BUDGET = 2.0


def _deep(depth: int) -> bytes:
    head = b"From: a@b.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    body = b""
    for level in range(depth):
        body += f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'.encode()
    body += b"Content-Type: text/plain\r\n\r\nbottom\r\n"
    for level in reversed(range(depth)):
        body += f"--b{level}--\r\n".encode()
    return head + body


def _many_parts(count: int) -> bytes:
    parts = b"".join(b"--x\r\nContent-Type: text/plain\r\n\r\npart\r\n" for _ in range(count))
    return (
        b'From: a@b.test\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n'
        + parts
        + b"--x--\r\n"
    )


# Equivalents of the broken-mail corpora of notmuch (test/corpora/broken), mikel/mail
# (spec/fixtures/emails/error_emails) and SpamScope/mail-parser (mail_malformed_*),
# generated here instead of fetched.
GENERATED: dict[str, Callable[[], bytes]] = {
    "no_headers": lambda: b"just a body with no headers at all\r\n",
    "empty": lambda: b"",
    "only_headers": lambda: b"From: a@b.test\r\nSubject: nothing else",
    "header_without_colon": lambda: b"From a@b.test\r\nThis is not a header\r\n\r\nbody\r\n",
    "nul_bytes": lambda: b"From: a\x00@b.test\r\nSubject: n\x00ul\r\n\r\nbo\x00dy\r\n",
    "unknown_charset": lambda: (
        b"From: =?x-klingon?Q?Worf?= <w@b.test>\r\nSubject: =?x-klingon?B?SGk=?=\r\n"
        b"Content-Type: text/plain; charset=x-klingon\r\n\r\n\xff\xfe caf\xe9\r\n"
    ),
    "bad_base64": lambda: (
        b"From: a@b.test\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64@@@\r\n"
    ),
    "unknown_cte": lambda: (
        b"From: a@b.test\r\nContent-Transfer-Encoding: x-uuencode-ish\r\n\r\nx\r\n"
    ),
    "broken_boundary": lambda: (
        b'From: a@b.test\r\nContent-Type: multipart/mixed; boundary="never"\r\n\r\n'
        b"--other\r\nContent-Type: text/plain\r\n\r\nlost\r\n"
    ),
    "missing_boundary": lambda: b"From: a@b.test\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n",
    "bad_date": lambda: b"From: a@b.test\r\nDate: 45 Smarch 20266 99:99:99 +9999\r\n\r\nx\r\n",
    "bad_addresses": lambda: (
        b'From: "unterminated <<<@@@ , ,, <>\r\nTo: ;;;:::\r\nCc: @\r\n\r\nx\r\n'
    ),
    "odd_message_ids": lambda: (
        b"From: a@b.test\r\nMessage-ID: <<a@b>>\r\nIn-Reply-To: <\r\n"
        b"References: >< <x <y@z>\r\n\r\nx\r\n"
    ),
    "eight_bit_headers": lambda: (
        "From: Jo\u00e3o <j@b.test>\r\nSubject: Pedido n\u00ba 5 \u00e9 urgente\r\n"
        "\r\nx\r\n".encode("latin-1")
    ),
    "huge_header_line": lambda: b"From: a@b.test\r\nSubject: " + b"A" * 500_000 + b"\r\n\r\nx\r\n",
    "many_headers": lambda: (
        b"".join(f"X-H{n}: v\r\n".encode() for n in range(50_000)) + b"\r\nx\r\n"
    ),
    "deep_nesting_1000": lambda: _deep(1000),
    "parts_20000": lambda: _many_parts(20_000),
    "binary_garbage": lambda: bytes(range(256)) * 400,
    "truncated_attachment": lambda: (
        b'From: a@b.test\r\nContent-Type: multipart/mixed; boundary="q"\r\n\r\n--q\r\n'
        b'Content-Type: application/pdf; name="../../etc/passwd"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"%PDF" * 100)[:333]
    ),
    "escape_sequences": lambda: (
        b"From: =?utf-8?q?=1B]52;c;ZXZpbA=3D=3D=07?= <e@b.test>\r\n"
        b"Subject: \x1b[2J\x1b]0;pwn\x07\r\n"
        b"Content-Type: text/html\r\n\r\n"
        b"<p>&#x1b;]8;;http://evil&#x1b;\\click</p><script>x()</script>\r\n"
    ),
}


def _corpus() -> list[tuple[str, bytes]]:
    vendored = [(p.name, p.read_bytes()) for p in sorted((CORPUS / "cpython").glob("msg_*.txt"))]
    return vendored + [(name, make()) for name, make in GENERATED.items()]


@pytest.mark.parametrize(("name", "raw"), _corpus(), ids=[name for name, _ in _corpus()])
def test_every_corpus_message_parses_within_budget(name: str, raw: bytes) -> None:
    started = time.monotonic()
    message = parse_message(raw)
    elapsed = time.monotonic() - started
    assert elapsed <= PARSE_BUDGET, f"{name}: {elapsed:.2f}s"
    assert message.raw == raw and message.external_id and message.content_hash
    assert "\x1b" not in message.body_html_text


@pytest.mark.slow
def test_whole_corpus_is_stored_through_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = [raw for _, raw in _corpus() if raw]  # an empty message is not an mbox entry
    mbox = tmp_path / "corpus.mbox"
    with mbox.open("wb") as out:
        for raw in corpus:
            escaped = raw.replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From ")
            out.write(b"From corpus@test Thu Jan  1 00:00:00 2026\n" + escaped + b"\n\n")
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "store.db"}"\n')
    assert main(["--config", str(config), "import", "mbox", str(mbox), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["failed"] == 0
    assert summary["imported"] + summary["duplicates"] == summary["seen"]
    assert summary["seen"] == len(corpus), summary

"""Raw email bytes to InboundMessage: never raises, caps depth, part count and time.

The stdlib parser raises on odd headers, recurses on deep nesting and is slow on part
bombs (reliability.md item 6). The MIME tree is built by the compat32 feed parser, which
is 15x faster than ``policy.default`` on part bombs and keeps raw header strings; it is
fed in chunks through a message factory that counts parts and depth so a bomb is cut
short instead of hanging. Address lists and MIME parameters are read with
``policy.default``; where it raises or reports defects, compat32 tools and a loose scan
recover what they can. Subjects and names go through a lenient RFC 2047 decoder because
``policy.default`` turns bytes in unknown charsets into U+FFFD. Every problem is recorded
in ``parse_status``/``parse_error``; the raw bytes are always kept.
"""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.feedparser import BytesFeedParser
from email.message import Message
from email.policy import Policy

# _BodyCollector is also reached as mime._BodyCollector (tests patch it there).
from deskterm.channels.email.mime_body import MAX_TEXT_CHARS, _BodyCollector
from deskterm.channels.email.mime_headers import _Headers, _parse_ids
from deskterm.channels.email.mime_limits import (
    MAX_ERROR_CHARS,
    _Budget,
    _CapExceeded,
    _Notes,
    parse_clock,
)
from deskterm.channels.email.mime_text import _decode_bytes, _storable
from deskterm.domain.enums import ParseStatus
from deskterm.domain.messages import InboundMessage, Party

FEED_CHUNK = 64 * 1024
MAX_HEADER_FIELDS = 5000
HTML_CHARS_PER_SECOND = 250_000  # html2text manages ~1 MB/s; keep conversion well inside budget

# Headers added on the way in (MTAs, delivery agents, mbox writers, Gmail exports): the same
# message delivered twice differs only in these, so content_hash ignores them.
_TRACE_HEADER_NAMES = (
    "received|x-received|return-path|delivered-to|x-original-to|envelope-to|x-envelope-from"
    "|x-envelope-to|x-apparently-to|status|x-status|x-keywords|x-uid|content-length|lines"
    "|x-mozilla-status2?|x-mozilla-keys|x-gm-thrid|x-gmail-labels|authentication-results"
    "|received-spf|x-virus-scanned|arc-[!-9;-~]*|x-spam-[!-9;-~]*"
    "|x-ms-exchange-organization-[!-9;-~]*"
)
# Whole-block regexes, no per-line Python: a 1M-line header bomb must hash in well under a second.
_HASH_TRACE_RE = re.compile(
    rb"^(?:" + _TRACE_HEADER_NAMES.encode() + rb")[ \t]*:[^\n]*(?:\n|$)",
    re.MULTILINE | re.IGNORECASE,
)
_HASH_FOLD_RE = re.compile(rb"\n[ \t]+")
# Header fields and their continuation lines, up to the first line that is neither.
_HEADER_BLOCK_RE = re.compile(rb"(?:[!-9;-~]+[ \t]*:[^\n]*\n|[ \t][^\n]*\n)*")
_HASH_BLANKS_RE = re.compile(rb"[ \t]+")
_HASH_LINE_EDGES_RE = re.compile(rb" ?\n ?")
_HASH_TRAILING_WS_RE = re.compile(rb"[ \t]+$", re.MULTILINE)
_HASH_MBOX_FROM_RE = re.compile(rb"^>+From ", re.MULTILINE)


class _TrackedMessage(Message):
    """A compat32 message that knows its depth, so the feed parser cannot nest without limit."""

    def __init__(self, policy: Policy, budget: _Budget) -> None:
        super().__init__(policy)
        self.deskterm_depth = 0
        self.deskterm_budget = budget

    def set_raw(self, name: str, value: str) -> None:
        # Every header lookup scans the list; a million headers would cost seconds each.
        if len(self) >= MAX_HEADER_FIELDS:
            raise _CapExceeded(f"more than {MAX_HEADER_FIELDS} header fields in one part")
        super().set_raw(name, value)

    def attach(self, payload: Message | str) -> None:
        super().attach(payload)
        if isinstance(payload, _TrackedMessage):
            payload.deskterm_depth = self.deskterm_depth + 1
            # Raising here unwinds the parser's nested generators before they hit the
            # recursion limit; the partial tree stays reachable from the root.
            self.deskterm_budget.check_depth(payload.deskterm_depth)


class _Factory:
    """Message factory for the feed parser: counts parts and remembers the root."""

    def __init__(self, budget: _Budget) -> None:
        self.budget = budget
        self.root: _TrackedMessage | None = None
        self.counting = False

    def __call__(self, policy: Policy = policy.compat32) -> _TrackedMessage:
        message = _TrackedMessage(policy, self.budget)
        if self.counting:
            if self.root is None:
                self.root = message
            self.budget.count_part()
        return message

    def start(self) -> None:
        # FeedParser calls the factory once at construction to probe its signature;
        # only the calls after that build the tree.
        self.counting = True


# ---------------------------------------------------------------- content hash


def content_hash(raw: bytes) -> str:
    """SHA-256 hex of a message, stable across deliveries and line-ending changes.

    Trace headers (Received, Return-Path, Delivered-To, mbox status headers ...), the mbox
    ``From `` line, CRLF vs LF, folding, trailing whitespace and mboxrd ``>From`` quoting
    do not change it; any change to the other headers or the body does.
    """
    data = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if data.startswith(b"From "):
        data = data.partition(b"\n")[2]
    head, _, body = data.lstrip(b"\n").partition(b"\n\n")
    body = _HASH_TRAILING_WS_RE.sub(b"", body)
    body = _HASH_MBOX_FROM_RE.sub(b"From ", body).rstrip(b"\n")
    digest = hashlib.sha256(_hash_headers(head))
    digest.update(b"\n\n")
    digest.update(body)
    return digest.hexdigest()


def _hash_headers(head: bytes) -> bytes:
    """The header block unfolded, without trace headers, whitespace runs collapsed."""
    head = _HASH_TRACE_RE.sub(b"", _HASH_FOLD_RE.sub(b" ", head))
    return _HASH_LINE_EDGES_RE.sub(b"\n", _HASH_BLANKS_RE.sub(b" ", head)).strip(b" \n")


# ---------------------------------------------------------------- entry point


def parse_message(
    raw: bytes, *, max_depth: int = 30, max_parts: int = 500, time_limit: float = 2.0
) -> InboundMessage:
    """Parse raw RFC 5322 bytes into an InboundMessage. Never raises.

    Exceeding ``max_depth``, ``max_parts`` or ``time_limit`` (seconds) yields a PARTIAL
    message with what was recovered; ``parse_error`` says what went wrong.
    """
    try:
        raw = _as_bytes(raw)
        budget = _Budget(max_depth, max_parts, parse_clock() + time_limit)
        return _Parse(raw, budget, time_limit).run()
    except Exception as exc:  # the contract: no exception ever escapes the sync loop
        return _failed(raw, f"unexpected {type(exc).__name__}: {exc}")


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    if isinstance(raw, bytearray | memoryview):
        return bytes(raw)
    raise TypeError(f"raw message must be bytes, not {type(raw).__name__}")


def _failed(raw: object, reason: str) -> InboundMessage:
    """The last resort: raw bytes kept, a stable id, text decoded as well as it goes."""
    data = raw if isinstance(raw, bytes) else b""
    try:
        digest = content_hash(data)
    except Exception:
        digest = hashlib.sha256(data).hexdigest()
    try:
        text = _storable(_decode_bytes(data[: MAX_TEXT_CHARS * 2], "")[0])[:MAX_TEXT_CHARS]
    except Exception:
        text = ""
    return InboundMessage(
        external_id=_synthetic_id(digest),
        content_hash=digest,
        subject="",
        sender=Party("", ""),
        body_text=text,
        raw=data,
        parse_status=ParseStatus.FAILED,
        parse_error=reason[:MAX_ERROR_CHARS],
    )


def _synthetic_id(digest: str) -> str:
    return f"deskterm-{digest[:32]}@local"


class _Parse:
    """One parse: builds the tree, reads the headers, walks the parts."""

    def __init__(self, raw: bytes, budget: _Budget, time_limit: float) -> None:
        self.raw = raw
        self.budget = budget
        self.html_limit = max(int(time_limit * HTML_CHARS_PER_SECOND), 10_000)
        self.notes = _Notes()

    def run(self) -> InboundMessage:
        digest = content_hash(self.raw)
        root = self._build_tree()
        if root is None:
            return _failed(self.raw, "; ".join([*self.notes.items, "no message structure"]))
        headers = _Headers(root, self.notes)
        body = _BodyCollector(self.budget, self.notes, self.html_limit).collect(root)
        reply_ids = _parse_ids(headers.first("in-reply-to"))
        message = InboundMessage(
            external_id=headers.message_id() or _synthetic_id(digest),
            content_hash=digest,
            subject=headers.subject(),
            sender=headers.sender(),
            recipients=headers.addresses("to"),
            cc=headers.addresses("cc"),
            reply_to=headers.addresses("reply-to"),
            sent_at=headers.sent_at(),
            body_text=body.body_text(),
            body_html_text=body.html_text,
            in_reply_to=reply_ids[0] if reply_ids else "",
            references=_parse_ids(headers.first("references")),
            attachments=body.attachments,
            raw=self.raw,
            auto_submitted=headers.auto_submitted() or body.is_report,
            headers=headers.kept(),
        )
        # Decided last: reading the fields above is what finds most problems.
        if not headers.present:
            self.notes.add("no headers found")
            message.parse_status = ParseStatus.FAILED
        elif self.notes.items:
            message.parse_status = ParseStatus.PARTIAL
        message.parse_error = self.notes.text()
        return message

    def _bounded_header_block(self) -> bytes:
        """The raw bytes with the top header block cut to MAX_HEADER_FIELDS lines.

        Cutting here, rather than in the parser, keeps the body of a header bomb readable.
        """
        match = _HEADER_BLOCK_RE.match(self.raw)
        end = match.end() if match else 0
        if self.raw.count(b"\n", 0, end) <= MAX_HEADER_FIELDS:
            return self.raw
        self.notes.add(f"more than {MAX_HEADER_FIELDS} header lines; the rest ignored")
        cut = 0
        for _ in range(MAX_HEADER_FIELDS):
            cut = self.raw.index(b"\n", cut) + 1
        return self.raw[:cut] + self.raw[end:]

    def _build_tree(self) -> Message | None:
        factory = _Factory(self.budget)
        try:
            parser = BytesFeedParser(_factory=factory, policy=policy.compat32)
            factory.start()
            # The time is checked after each chunk, so the headers are read even when
            # hashing a huge message has already used the budget up.
            data = self._bounded_header_block()
            for start in range(0, len(data), FEED_CHUNK):
                parser.feed(data[start : start + FEED_CHUNK])
                if start + FEED_CHUNK < len(data):
                    self.budget.check_time()
            root: Message = parser.close()
        except _CapExceeded as exc:
            self.notes.add(f"{exc}; later parts skipped")
            return factory.root
        except RecursionError:
            self.notes.add("MIME nesting too deep; later parts skipped")
            return factory.root
        except Exception as exc:
            self.notes.add(f"MIME structure broken ({type(exc).__name__}); later parts skipped")
            return factory.root
        return root

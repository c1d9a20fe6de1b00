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

import base64
import binascii
import codecs
import hashlib
import io
import mimetypes
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors as email_errors
from email import policy, utils
from email.feedparser import BytesFeedParser
from email.generator import BytesGenerator
from email.message import Message
from email.policy import Policy

from deskterm.channels.email.html_text import html_to_text
from deskterm.domain.enums import ParseStatus
from deskterm.domain.filenames import safe_filename
from deskterm.domain.messages import AttachmentData, InboundMessage, Party
from deskterm.domain.text import clean_stored_text

FEED_CHUNK = 64 * 1024
MAX_HEADER_CHARS = 64 * 1024  # policy.default's header parser is slow on huge values
MAX_ADDRESSES = 1000
MAX_HEADER_FIELDS = 5000
MAX_ID_CHARS = 500
MAX_TEXT_CHARS = 2_000_000
HTML_CHARS_PER_SECOND = 250_000  # html2text manages ~1 MB/s; keep conversion well inside budget
MAX_ERROR_CHARS = 1000
HTML_CHARS_AFTER_DEADLINE = 20_000
KEPT_HEADERS = ("Message-ID", "Date", "Reply-To", "Auto-Submitted", "X-Mailer", "List-Id")

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

_SURROGATE_RUN_RE = re.compile("[\udc80-\udcff]+")
_ANY_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_UNFOLD_RE = re.compile(r"\r?\n(?=[ \t])")
_NEWLINES_RE = re.compile(r"[ \t]*[\r\n]+[ \t]*")
_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")
_BRACKETED_ID_RE = re.compile(r"<([^<>]*)>")
# A bracketed id, or a bare token with an '@' (some mailers drop the brackets).
_ID_TOKEN_RE = re.compile(r"<[^<>]*>|[^\s,;<>\"']+@[^\s,;<>\"']+")
_COMMENT_RE = re.compile(r"\([^()]*\)")
_LOOSE_ADDRESS_RE = re.compile(r"[^\s<>,;:\"'()\[\]]+@[^\s<>,;:\"'()\[\]]+")
_ADDR = r"[^\s<>@\",;:()\[\]\\=?]+@[^\s<>@\",;:()\[\]\\=?]+"
_SIMPLE_ADDRESS_RE = re.compile(
    rf'^\s*(?:(?:"([^"\\=]*)"|([^"<>,;:@\\()=]*?))\s*<({_ADDR})>|<?({_ADDR})>?)\s*$'
)
_VALID_HANDLE_RE = re.compile(r"^[^\s<>,;:\"'()\[\]@]+@[^\s<>,;:\"'()\[\]@]+$")
_TYPE_NOISE_RE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_CONTENT_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
# Whitespace, controls and bidi marks never belong in a message id.
_ID_NOISE_RE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")

# Labels mail clients use that Python does not know, or knows under a narrower codec
# (WHATWG: a latin-1 label means windows-1252, whose smart quotes are otherwise C1 controls).
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac-roman",
    "windows-874": "cp874",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
}
# Text codecs that interpret escape sequences rather than decode a character set.
_UNSAFE_CODECS = frozenset({"unicode-escape", "raw-unicode-escape", "punycode", "idna"})
_STRUCTURAL_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.MissingHeaderBodySeparatorDefect,
)


class _CapExceeded(Exception):
    """A depth, part-count or time cap was hit; what was parsed so far is kept."""


@dataclass(slots=True)
class _Budget:
    """The caps of one parse, checked while the tree is built and while it is walked."""

    max_depth: int
    max_parts: int
    deadline: float
    parts: int = 0

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise _CapExceeded("time limit exceeded")

    def count_part(self) -> None:
        self.parts += 1
        if self.parts > self.max_parts:
            raise _CapExceeded(f"more than {self.max_parts} MIME parts")
        if self.parts > 1:  # the root always gets its headers read, however late it is
            self.check_time()

    def check_depth(self, depth: int) -> None:
        if depth > self.max_depth:
            raise _CapExceeded(f"MIME nesting deeper than {self.max_depth}")


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


@dataclass(slots=True)
class _Notes:
    """Problems met while parsing; any note makes the result PARTIAL."""

    items: list[str] = field(default_factory=list)

    def add(self, note: str) -> None:
        if note not in self.items:
            self.items.append(note)

    def text(self) -> str:
        joined = "; ".join(self.items)
        return joined if len(joined) <= MAX_ERROR_CHARS else joined[: MAX_ERROR_CHARS - 1] + "…"


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
        budget = _Budget(max_depth, max_parts, time.monotonic() + time_limit)
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


# ---------------------------------------------------------------- text decoding


def _codec(charset: str) -> str | None:
    """A safe Python codec name for a declared charset, or None when unusable."""
    name = charset.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name or len(name) > 40:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    return None if info.name in _UNSAFE_CODECS else info.name


def _decode_bytes(data: bytes, charset: str) -> tuple[str, bool]:
    """Decode with the declared charset, then UTF-8, then cp1252 with replacement.

    Returns the text and whether a fallback had to be used.
    """
    declared = _codec(charset) if charset else None
    for index, candidate in enumerate((declared, "utf-8")):
        if candidate is None:
            continue
        try:
            return data.decode(candidate), index > 0 and bool(charset)
        except (UnicodeError, LookupError, ValueError):
            continue
    return data.decode("cp1252", errors="replace"), True


def _fix_surrogates(text: str) -> str:
    """Turn bytes smuggled as surrogate escapes (8-bit headers, unknown charsets) into text."""
    if not _ANY_SURROGATE_RE.search(text):
        return text

    def decode_run(match: re.Match[str]) -> str:
        data = bytes(ord(ch) - 0xDC00 for ch in match.group())
        return _decode_bytes(data, "utf-8")[0]

    text = _SURROGATE_RUN_RE.sub(decode_run, text)
    return _ANY_SURROGATE_RE.sub("\ufffd", text)


def _storable(text: str) -> str:
    """Text that encodes as UTF-8 and has unified newlines and no NULs."""
    return clean_stored_text(_fix_surrogates(text))


def _one_line(text: str) -> str:
    # A decoded header may hold CR/LF (CVE-2024-6923 style); it must stay one line.
    return _NEWLINES_RE.sub(" ", text).strip()


def _decode_words(value: str) -> str:
    """Lenient RFC 2047 decoding, tolerant of unknown charsets and bad base64.

    Adjacent encoded words in one charset are decoded together: mailers split a UTF-8
    character across two words, which decoding word by word would turn into mojibake.
    """
    value = _fix_surrogates(value)
    out: list[str] = []
    run: list[bytes] = []
    run_charset = ""
    pos = 0
    for match in _ENCODED_WORD_RE.finditer(value):
        between = value[pos : match.start()]
        charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 language: utf-8*en
        data = _encoded_word_bytes(match.group(2), match.group(3))
        # Whitespace between two encoded words is folding, not content (RFC 2047 §6.2).
        adjacent = pos > 0 and not between.strip()
        if run and (not adjacent or charset != run_charset or data is None):
            out.append(_decode_bytes(b"".join(run), run_charset)[0])
            run = []
        if not adjacent:
            out.append(between)
        if data is None:
            out.append(match.group())
        else:
            run.append(data)
            run_charset = charset
        pos = match.end()
    if run:
        out.append(_decode_bytes(b"".join(run), run_charset)[0])
    out.append(value[pos:])
    return "".join(out)


def _encoded_word_bytes(encoding: str, text: str) -> bytes | None:
    data = text.encode("utf-8", "replace")
    try:
        if encoding in "Qq":
            return binascii.a2b_qp(data, header=True)
        compact = b"".join(data.split())
        return base64.b64decode(compact + b"=" * (-len(compact) % 4))
    except (binascii.Error, ValueError):
        return None


# ---------------------------------------------------------------- headers


class _Headers:
    """The top-level headers: raw values, decoded with policy.default or the lenient decoder."""

    def __init__(self, root: Message, notes: _Notes) -> None:
        self.notes = notes
        self.raw: dict[str, list[str]] = {}
        try:
            for name, value in root.raw_items():
                self.raw.setdefault(str(name).strip().lower(), []).append(_unfold(str(value)))
        except Exception as exc:
            notes.add(f"headers unreadable ({type(exc).__name__})")
        self.present = bool(self.raw)

    def first(self, name: str) -> str:
        values = self.raw.get(name)
        return values[0] if values else ""

    def has(self, name: str) -> bool:
        return name in self.raw

    def decoded(self, name: str) -> str:
        """One header decoded to storable single-line text ("" when absent)."""
        raw = self.first(name)
        if not raw:
            return ""
        return _one_line(_storable(_decode_words(raw[:MAX_HEADER_CHARS])))

    def message_id(self) -> str:
        """The bare Message-ID, or "" when there is none (noted when one was there but empty)."""
        found = _normalise_id(self.first("message-id"))
        # A missing id is common (contact forms) and not damage; the synthetic id says it all.
        if not found and self.has("message-id"):
            self.notes.add("Message-ID empty; a stable one was made from the content")
        return found

    def sent_at(self) -> datetime | None:
        """Naive UTC; a missing Date is no damage (ingest uses the arrival time)."""
        if not self.has("date"):
            return None
        parsed = _sent_at(self.first("date"))
        if parsed is None:
            self.notes.add("Date header unusable")
        return parsed

    def subject(self) -> str:
        return self.decoded("subject")

    def sender(self) -> Party:
        for name in ("from", "sender", "reply-to", "return-path"):
            parties = self.addresses(name)
            if parties:
                if name != "from":
                    self.notes.add(f"no usable From header; sender taken from {name}")
                return parties[0]
        self.notes.add("no usable From header")
        return Party("", "")

    def addresses(self, name: str) -> list[Party]:
        """Parties of an address header: policy.default first, lenient recovery second."""
        raw = ", ".join(self.raw.get(name, []))
        if not raw.strip():
            return []
        parsed, clean = _structured_addresses(name, raw)
        valid = [p for p in parsed if _VALID_HANDLE_RE.match(p.handle)]
        if not clean or len(valid) < len(parsed) or (not parsed and "@" in raw):
            known = {p.handle for p in valid}
            extra = [
                p for p in _fallback_addresses(raw[: MAX_HEADER_CHARS * 4]) if p.handle not in known
            ]
            if extra:
                self.notes.add(f"{name} header malformed; addresses recovered")
                valid += extra
        return _dedupe_parties(valid)[:MAX_ADDRESSES]

    def auto_submitted(self) -> bool:
        # RFC 3834: any value but `no` (parameters may follow a semicolon).
        auto = self.first("auto-submitted").split(";")[0].strip().lower()
        if auto and auto != "no":
            return True
        if self.first("precedence").strip().lower() in ("bulk", "list", "junk"):
            return True
        markers = ("list-id", "list-unsubscribe", "x-autoreply", "x-autorespond")
        return any(self.has(marker) for marker in markers)

    def kept(self) -> dict[str, str]:
        return {name: self.decoded(name.lower()) for name in KEPT_HEADERS if self.has(name.lower())}


def _unfold(value: str) -> str:
    return _UNFOLD_RE.sub("", value)


def _handle(address: str) -> str:
    return "".join(_storable(address).split()).strip("<>").lower()


def _party(name: str, address: str) -> Party:
    handle = _handle(address)
    display = _one_line(_storable(name)).strip().strip("\"'").strip()
    if display.lower() == handle:
        display = ""
    return Party(display, handle)


def _structured_addresses(name: str, raw: str) -> tuple[list[Party], bool]:
    """Parties as policy.default reads them, and whether it read them without defects."""
    simple = _SIMPLE_ADDRESS_RE.match(raw)
    if simple:
        # `Name <a@b>` or `a@b`: what policy.default would return, at a fraction of its cost.
        display = simple.group(1) if simple.group(1) is not None else simple.group(2) or ""
        return [_party(display, simple.group(3) or simple.group(4))], True
    if len(raw) > MAX_HEADER_CHARS:
        return [], False
    try:
        header = policy.default.header_fetch_parse(name, raw)
        found = [(a.display_name, a.addr_spec) for a in getattr(header, "addresses", ())]
        clean = not getattr(header, "defects", ())
    except Exception:
        return [], False
    if "=?" in raw and any("\ufffd" in display for display, _ in found):
        # policy.default turns words in unknown charsets into U+FFFD; decode names leniently.
        lenient = {party.handle: party.name for party in _fallback_addresses(raw)}
        return [_party(lenient.get(_handle(addr), display), addr) for display, addr in found], clean
    return [_party(display, addr) for display, addr in found], clean


def _fallback_addresses(raw: str) -> list[Party]:
    """Recover addresses from a header the strict parser rejected.

    getaddresses keeps display names; a loose scan then adds any address it missed.
    """
    value = _fix_surrogates(raw)
    try:
        pairs = utils.getaddresses([value])
    except Exception:
        pairs = []
    parties = [_party(_decode_words(name), addr) for name, addr in pairs]
    parties = [p for p in parties if _VALID_HANDLE_RE.match(p.handle)]
    known = {p.handle for p in parties}
    for address in _LOOSE_ADDRESS_RE.findall(_decode_words(value)):
        if _handle(address) not in known:
            parties.append(_party("", address))
            known.add(_handle(address))
    return parties


def _dedupe_parties(parties: list[Party]) -> list[Party]:
    seen: set[str] = set()
    unique = []
    for party in parties:
        key = party.handle or party.name
        if key and key not in seen:
            seen.add(key)
            unique.append(party)
    return unique


def _sent_at(value: str) -> datetime | None:
    """The Date header as naive UTC, or None when it is missing or unusable."""
    value = _one_line(_fix_surrogates(value))
    if not value:
        return None
    try:
        parsed = utils.parsedate_to_datetime(value)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed


def _normalise_id(value: str) -> str:
    """A bare message id: no angle brackets, no whitespace; "" when there is none."""
    value = _fix_surrogates(value)
    match = _BRACKETED_ID_RE.search(value)
    candidate = match.group(1) if match else value
    candidate = _ID_NOISE_RE.sub("", candidate).strip("<>")
    return candidate[:MAX_ID_CHARS]


def _parse_ids(value: str) -> list[str]:
    """Ids from In-Reply-To/References, in order, tolerating commas, garbage and no brackets."""
    value = _COMMENT_RE.sub(" ", _fix_surrogates(value))
    if not value.strip():
        return []
    found = [_normalise_id(m.group()) for m in _ID_TOKEN_RE.finditer(value)]
    if not any(found):
        tokens = [t.strip("<>\"'") for t in value.split()]
        if len(tokens) == 1:  # a lone bare id without '@', e.g. `In-Reply-To: 1234.abc`
            found = [_normalise_id(tokens[0])]
    return list(dict.fromkeys(i for i in found if i))


# ---------------------------------------------------------------- body and attachments


@dataclass(slots=True)
class _Leaf:
    """One non-multipart part with what the walk knows about it."""

    part: Message
    content_type: str
    parent_type: str
    parent_key: int  # identifies the container, to tell its alternatives apart


class _BodyCollector:
    """Walks the tree (iteratively, within the caps) into body text, HTML and attachments."""

    def __init__(self, budget: _Budget, notes: _Notes, html_limit: int) -> None:
        self.budget = budget
        self.notes = notes
        self.html_limit = html_limit
        self.plain: list[str] = []
        self.html: list[str] = []
        self.html_text = ""
        self.attachments: list[AttachmentData] = []
        self.is_report = False
        self._alternatives_taken: set[tuple[str, int]] = set()

    def collect(self, root: Message) -> _BodyCollector:
        self.is_report = _content_type(root) == "multipart/report"
        try:
            for leaf in self._leaves(root):
                self._take(leaf)
        except _CapExceeded as exc:
            self.notes.add(f"{exc}; later parts skipped")
        self._convert_html()
        return self

    def body_text(self) -> str:
        text = "\n\n".join(t for t in self.plain if t.strip()) or self.html_text
        if len(text) > MAX_TEXT_CHARS:
            self.notes.add(f"body text longer than {MAX_TEXT_CHARS} characters; truncated")
            text = text[:MAX_TEXT_CHARS]
        return text

    def _leaves(self, root: Message) -> Iterator[_Leaf]:
        stack: list[tuple[Message, int, Message | None]] = [(root, 0, None)]
        visited = 0
        while stack:
            part, depth, parent = stack.pop()
            visited += 1
            if visited > self.budget.max_parts:
                raise _CapExceeded(f"more than {self.budget.max_parts} MIME parts")
            self.budget.check_time()
            self._note_defects(part)
            content_type = _content_type(part)
            # get_payload() without is_multipart() would decode text with the declared
            # charset, which raises on RFC 2231 tuples and NULs.
            payload = part.get_payload() if part.is_multipart() else None
            if isinstance(payload, list) and not content_type.startswith("message/"):
                if depth >= self.budget.max_depth:
                    self.notes.add(
                        f"MIME nesting deeper than {self.budget.max_depth}; later parts skipped"
                    )
                    continue
                children = [c for c in payload if isinstance(c, Message)]
                stack.extend((c, depth + 1, part) for c in reversed(children))
                continue
            parent_type = "" if parent is None else _content_type(parent)
            yield _Leaf(part, content_type, parent_type, id(parent))

    def _note_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", ()):
            if isinstance(defect, _STRUCTURAL_DEFECTS):
                self.notes.add(f"MIME structure defect: {type(defect).__name__}")

    def _take(self, leaf: _Leaf) -> None:
        part = leaf.part
        disposition = _disposition(part)
        filename = _filename(part)
        kind = leaf.content_type
        if kind.startswith("multipart/"):
            kind = "text/plain"  # a multipart without usable boundary: its body is text
        is_text_body = kind in ("text/plain", "text/html")
        if is_text_body and not filename and disposition != "attachment":
            self._take_text(leaf, kind)
            return
        self._take_attachment(leaf, disposition, filename)

    def _take_text(self, leaf: _Leaf, kind: str) -> None:
        # Within one multipart/alternative a later part of the same kind repeats the first;
        # anywhere else (Apple Mail splits text around inline images) it continues it.
        key = (kind, leaf.parent_key)
        if leaf.parent_type == "multipart/alternative" and key in self._alternatives_taken:
            return
        text = self._part_text(leaf.part)
        if text:
            (self.plain if kind == "text/plain" else self.html).append(text)
            self._alternatives_taken.add(key)

    def _part_text(self, part: Message) -> str:
        data = _payload_bytes(part)
        charset = _content_charset(part)
        text, fell_back = _decode_bytes(data, charset)
        if fell_back:
            shown = _one_line(_storable(charset))[:40] or "none"
            self.notes.add(f"text part charset {shown!r} unusable; decoded leniently")
        return _storable(text)

    def _take_attachment(self, leaf: _Leaf, disposition: str, filename: str) -> None:
        part = leaf.part
        content_type = leaf.content_type
        if content_type.startswith("message/"):
            content = _message_bytes(part)
            default_name = "forwarded.eml" if content_type == "message/rfc822" else ""
        else:
            content = _payload_bytes(part)
            default_name = ""
        content_id = _normalise_id(_unfold(str(part.get("content-id", "") or "")))
        name = filename or default_name or _default_name(content_type)
        self.attachments.append(
            AttachmentData(
                filename=safe_filename(name),
                content_type=content_type,
                content=content,
                inline=disposition == "inline" or (disposition == "" and bool(content_id)),
                content_id=content_id,
            )
        )

    def _convert_html(self) -> None:
        if not self.html:
            return
        limit = self.html_limit
        if time.monotonic() > self.budget.deadline:
            # Out of time already (a bomb): a short prefix still gives the agent something.
            limit = min(limit, HTML_CHARS_AFTER_DEADLINE)
        source = "\n<br>\n".join(self.html)
        if len(source) > limit:
            self.notes.add(f"HTML part longer than {limit} characters; truncated")
        self.html_text = html_to_text(source, max_chars=limit)


def _content_type(part: Message) -> str:
    """The part's type, lowercased and checked; the default type when it is garbage."""
    try:
        declared = _TYPE_NOISE_RE.sub("", part.get_content_type())
        return declared if _CONTENT_TYPE_RE.match(declared) else part.get_default_type()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str:
    try:
        return part.get_content_disposition() or ""
    except Exception:
        return ""


def _content_charset(part: Message) -> str:
    try:
        return str(part.get_content_charset("") or "")
    except Exception:
        return ""


def _raw_header(part: Message, name: str) -> str | None:
    for key, value in part.raw_items():
        if str(key).strip().lower() == name:
            return _unfold(str(value))
    return None


def _filename(part: Message) -> str:
    """The attachment's own name, decoded (RFC 2231, RFC 2047 in quotes, 8-bit), unsanitised."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = _raw_header(part, header)
        if not raw or len(raw) > MAX_HEADER_CHARS or "name" not in raw.lower():
            continue
        value = _param_default_policy(header, raw, param)
        if value is None:
            value = _param_compat32(part, header, param)
        if value:
            return _one_line(_storable(_decode_words(value) if "=?" in value else value))
    return ""


def _param_default_policy(header: str, raw: str, param: str) -> str | None:
    try:
        parsed = policy.default.header_fetch_parse(header, raw)
        params = getattr(parsed, "params", {})
        value = params.get(param)
        return None if value is None else str(value)
    except Exception:
        return None


def _param_compat32(part: Message, header: str, param: str) -> str | None:
    try:
        value = part.get_param(param, None, header)
        return None if value is None else str(utils.collapse_rfc2231_value(value))
    except Exception:
        return None


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    try:
        text = part.get_payload()
    except Exception:
        return b""
    return text.encode("ascii", "surrogateescape") if isinstance(text, str) else b""


def _message_bytes(part: Message) -> bytes:
    """The bytes of an attached message (message/rfc822 and friends)."""
    payload = part.get_payload() if part.is_multipart() else None
    if not isinstance(payload, list):
        return _payload_bytes(part)
    out = io.BytesIO()
    try:
        for inner in payload:
            if isinstance(inner, Message):
                BytesGenerator(out, mangle_from_=False, policy=policy.compat32).flatten(inner)
    except Exception:
        return out.getvalue()
    return out.getvalue()


def _default_name(content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type, strict=False) or ""
    return f"attachment{extension}"

"""Top-level header reading for the MIME parser: addresses, message ids and the date."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy, utils
from email.message import Message

from deskterm.channels.email.mime_limits import _Notes
from deskterm.channels.email.mime_text import (
    _decode_words,
    _fix_surrogates,
    _one_line,
    _storable,
    _unfold,
)
from deskterm.domain.messages import Party

MAX_HEADER_CHARS = 64 * 1024  # policy.default's header parser is slow on huge values
MAX_ADDRESSES = 1000
MAX_ID_CHARS = 500
MAX_REFERENCES = 100  # ids kept from a References header (ingest threads on fewer)
KEPT_HEADERS = ("Message-ID", "Date", "Reply-To", "Auto-Submitted", "X-Mailer", "List-Id")

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
# Whitespace, controls and bidi marks never belong in a message id.
_ID_NOISE_RE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")


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


def _parse_ids(value: str, limit: int = MAX_REFERENCES) -> list[str]:
    """Ids from In-Reply-To/References, in order, tolerating commas, garbage and no brackets.

    Past ``limit`` ids only the first (the thread's root) and the newest are kept, as mail
    clients keep them: a header naming 250,000 ids costs no more than a normal one.
    """
    value = _COMMENT_RE.sub(" ", _fix_surrogates(value))
    if not value.strip():
        return []
    tokens = [m.group() for m in _ID_TOKEN_RE.finditer(value)]
    if len(tokens) > limit:
        tokens = [tokens[0], *tokens[len(tokens) - (limit - 1) :]]
    found = [_normalise_id(token) for token in tokens]
    if not any(found):
        tokens = [t.strip("<>\"'") for t in value.split()]
        if len(tokens) == 1:  # a lone bare id without '@', e.g. `In-Reply-To: 1234.abc`
            found = [_normalise_id(tokens[0])]
    return list(dict.fromkeys(i for i in found if i))

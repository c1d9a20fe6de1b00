"""MIME tree walk into body text, HTML and attachments, with content-type and filename helpers."""

from __future__ import annotations

import io
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import errors as email_errors
from email import policy, utils
from email.generator import BytesGenerator
from email.message import Message

from deskterm.channels.email.html_text import html_to_text
from deskterm.channels.email.mime_headers import MAX_HEADER_CHARS, _normalise_id
from deskterm.channels.email.mime_limits import _Budget, _CapExceeded, _Notes, parse_clock
from deskterm.channels.email.mime_text import (
    _decode_bytes,
    _decode_words,
    _one_line,
    _storable,
    _unfold,
)
from deskterm.domain.filenames import safe_filename
from deskterm.domain.messages import AttachmentData

MAX_TEXT_CHARS = 2_000_000
HTML_CHARS_AFTER_DEADLINE = 20_000

_TYPE_NOISE_RE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_CONTENT_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_STRUCTURAL_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.MissingHeaderBodySeparatorDefect,
)


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
        if parse_clock() > self.budget.deadline:
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

"""RFC 5322 replies built safely from untrusted text: one Subject, no injected headers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy as email_policy
from email.charset import Charset
from email.header import Header
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, formataddr, getaddresses

from deskterm.domain.errors import DesktermError
from deskterm.domain.files_to_send import FileToSend
from deskterm.domain.messages import Party
from deskterm.domain.subjects import reply_subject

MAILER = "deskterm"
MAX_REFERENCES = 20  # long threads grow References without bound; mailers keep ~20
MAX_ID_CHARS = 250  # an id is never folded, so it must leave its line well under 998 octets
MAX_NAME_CHARS = 100  # keeps an encoded display name plus its address on one legal line
MAX_SUBJECT_CHARS = 900
LINE_WIDTH = 78  # RFC 5322 §2.1.1 "SHOULD"; policy.SMTP folds at the same width
MAX_LINE_OCTETS = 998  # RFC 5322 §2.1.1, excluding CRLF

# SMTP policy (CRLF, 78 columns). refold_source="none" only affects the values we store
# pre-folded with set_raw (subject, addresses, ids): the stdlib refolder would turn a long
# Message-ID into an encoded word, which no mailer can thread on.
POLICY = email_policy.SMTP.clone(refold_source="none", max_line_length=LINE_WIDTH)

# C0/C1 controls, DEL and every character str.splitlines() treats as a line break.
_CONTROLS_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SURROGATES_RE = re.compile("[\ud800-\udfff]")
_ID_RE = re.compile(r"[!-~]+")  # printable ASCII, no spaces
_LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_DOMAIN_RE = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9-]+"  # host names
    r"|\[[0-9A-Fa-f:.]+\]"  # address literals
)
_UTF8 = Charset("utf-8")
_HEADER_LINE_RE = re.compile(rb"[!-9;-~]+:|[ \t]")


class ComposeError(DesktermError):
    """A reply cannot be built (bad address, unusable Message-ID); sending it would fail."""


def header_text(value: str, limit: int | None = None) -> str:
    """One line of header-safe text: controls and line breaks become spaces, runs collapse.

    This runs BEFORE the text reaches the email package, so a decoded subject such as
    ``Hi\\nBcc: x@evil`` can never become a header of its own (CVE-2024-6923).
    """
    value = _SURROGATES_RE.sub("\ufffd", value)
    line = " ".join(_CONTROLS_RE.sub(" ", value).split())
    return line[:limit].rstrip() if limit is not None else line


def _domain(domain: str) -> str:
    domain = domain.strip().rstrip(".")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ComposeError(f"cannot encode the mail domain {domain!r}: {exc}") from exc
    if not _DOMAIN_RE.fullmatch(domain):
        raise ComposeError(f"not a usable mail domain: {header_text(domain, 80)!r}")
    return domain


def _addr_spec(handle: str) -> str:
    handle = handle.strip()
    local, at, domain = handle.rpartition("@")
    if not at or not local:
        raise ComposeError(f"not an email address: {header_text(handle, 80)!r}")
    if not _LOCAL_RE.fullmatch(local):
        # Non-ASCII local parts need SMTPUTF8, which we do not negotiate; quoted local
        # parts are too rare to be worth the quoting rules.
        raise ComposeError(f"unsupported email address: {header_text(handle, 80)!r}")
    return f"{local}@{_domain(domain)}"


def _mailbox(party: Party) -> str:
    """``Name <addr>``, the name quoted or RFC 2047-encoded as needed."""
    address = _addr_spec(party.handle)
    name = header_text(party.name, MAX_NAME_CHARS)
    if not name:
        return address
    if name.isascii() and "=?" not in name:
        return formataddr((name, address))  # quotes and escapes , " \ and other specials
    # One encoded word for the whole name: specials inside it need no quoting, and
    # decoders (the stdlib's too) keep a single word intact, while a name split over
    # several words comes back with stray spaces. "=?" in a plain name would otherwise
    # be decoded by the receiver as an encoded word, so such names are encoded too.
    return f"{_UTF8.header_encode(name)} <{address}>"


def _address_field(parties: Sequence[Party]) -> str:
    # One mailbox per line: every line stays short without folding inside a mailbox.
    return ",\r\n ".join(_mailbox(party) for party in parties)


def _clean_id(value: str) -> str:
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    if len(value) > MAX_ID_CHARS or not _ID_RE.fullmatch(value) or "<" in value or ">" in value:
        return ""
    return value


def thread_ids(in_reply_to: str, references: Sequence[str]) -> list[str]:
    """The References of a reply: the parent's chain plus the parent, de-duplicated.

    Ids that cannot be written safely are dropped. Past ``MAX_REFERENCES`` the thread's
    root is kept with the newest ids, as RFC 5322 §3.6.4 suggests for long chains.
    """
    parent = _clean_id(in_reply_to)
    ids: list[str] = []
    seen = {parent} if parent else set()
    for raw in references:
        for token in raw.split():  # tolerate a whole References header given as one item
            cleaned = _clean_id(token)
            if cleaned and cleaned not in seen:
                seen.add(cleaned)
                ids.append(cleaned)
    if parent:
        ids.append(parent)
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return ids


def _id_field(ids: Sequence[str], name: str) -> str:
    """``<a> <b>`` folded between ids, never inside one."""
    lines: list[str] = []
    line = ""
    width = len(name) + 2
    for token in (f"<{i}>" for i in ids):
        if line and width + len(line) + 1 + len(token) > LINE_WIDTH:
            lines.append(line)
            line, width = token, 1
        else:
            line = f"{line} {token}" if line else token
    lines.append(line)
    return "\r\n ".join(lines)


def _fold_words(text: str, name: str) -> str:
    """Fold one-space-separated ASCII text at its spaces; unfolding restores it exactly."""
    lines: list[str] = []
    line = ""
    width = len(name) + 2
    for word in text.split(" "):
        if line and width + len(line) + 1 + len(word) > LINE_WIDTH:
            lines.append(line)
            line, width = word, 1  # the continuation line starts with the space we fold at
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\r\n ".join(lines)


def _subject_field(subject: str) -> str:
    """The Subject value, folded or RFC 2047-encoded by us rather than by the email package.

    The email package decodes anything that looks like an encoded word in the text it is
    given and writes the decoded form back out, CR/LF included (CVE-2024-6923), and its
    folder (3.11) drops the space between two encoded words it splits at. Text with
    "=?" or non-ASCII is therefore encoded here whole: a receiver gets the literal text.
    """
    if subject.isascii() and "=?" not in subject:
        return _fold_words(subject, "Subject")
    return Header(subject, "utf-8", header_name="Subject").encode(
        linesep="\r\n", maxlinelen=LINE_WIDTH
    )


def _body_text(body: str) -> str:
    body = _SURROGATES_RE.sub("\ufffd", body).replace("\x00", "")
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    return body if body.endswith("\n") else body + "\n"


def _body_cte(body: str) -> str:
    # 7bit only for short ASCII lines; anything else is quoted-printable, which keeps every
    # line short and 7-bit clean (no reliance on the server's 8BITMIME) and stays readable.
    lines = body.split("\n")
    if body.isascii() and max(len(line) for line in lines) <= LINE_WIDTH:
        return "7bit"
    return "quoted-printable"


def _check_headers(raw: bytes) -> None:
    """Refuse to hand out a message whose header block is not exactly what we meant."""
    head, sep, _ = raw.partition(b"\r\n\r\n")
    if not sep:
        raise ComposeError("built message has no header/body separator")
    if b"\r" in head.replace(b"\r\n", b"") or b"\n" in head.replace(b"\r\n", b""):
        raise ComposeError("built message has a bare CR or LF in its header")
    subjects = 0
    for line in head.split(b"\r\n"):
        if len(line) > MAX_LINE_OCTETS or not _HEADER_LINE_RE.match(line):
            raise ComposeError("built message has a malformed header line")
        if line[:8].lower() == b"subject:":
            subjects += 1
        if line[:4].lower() == b"bcc:":
            raise ComposeError("built message has a Bcc header")
    if subjects != 1:
        raise ComposeError("built message must have exactly one Subject")


def build_reply(
    *,
    sender: Party,
    to: Sequence[Party],
    subject: str,
    body: str,
    message_id: str,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    date: datetime | None = None,
    cc: Sequence[Party] = (),
    auto: bool = False,
    attachments: Sequence[FileToSend] = (),
) -> bytes:
    """The exact bytes of a text/plain UTF-8 reply (CRLF line endings); with
    ``attachments``, multipart/mixed with each file after the text (names RFC 2231
    encoded when not plain ASCII).

    ``subject`` is the subject being answered (``Re:`` is added once); ``references`` are
    the parent's References and ``in_reply_to`` the parent's Message-ID. ``auto`` marks a
    rule-generated reply (``Auto-Submitted: auto-replied``, RFC 3834). The same arguments
    always give the same bytes, so a retried delivery sends an identical message.
    Raises ComposeError when an address or the Message-ID cannot be written safely.
    """
    if not to:
        raise ComposeError("a reply needs at least one recipient")
    own_id = _clean_id(message_id)
    if not own_id or "@" not in own_id:
        # Never send without our Message-ID: it is how an unknown delivery is found again.
        raise ComposeError(f"unusable Message-ID: {header_text(message_id, 80)!r}")
    when = date or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the store keeps naive UTC
    line = reply_subject(header_text(subject, MAX_SUBJECT_CHARS))

    msg = EmailMessage(policy=POLICY)
    msg.set_raw("From", _address_field([sender]))
    msg.set_raw("To", _address_field(to))
    if cc:
        msg.set_raw("Cc", _address_field(cc))
    msg.set_raw("Subject", _subject_field(line))
    msg["Date"] = format_datetime(when.astimezone(UTC))
    msg.set_raw("Message-ID", f"<{own_id}>")
    parent = _clean_id(in_reply_to)
    if parent:
        msg.set_raw("In-Reply-To", f"<{parent}>")
    chain = thread_ids(in_reply_to, references)
    if chain:
        msg.set_raw("References", _id_field(chain, "References"))
    msg["X-Mailer"] = MAILER
    if auto:
        msg["Auto-Submitted"] = "auto-replied"
    text = _body_text(body)
    msg.set_content(text, subtype="plain", charset="utf-8", cte=_body_cte(text))
    for file in attachments:
        maintype, _, subtype = file.content_type.partition("/")
        if not maintype or not subtype or maintype in ("message", "multipart"):
            # A saved mail (.eml: message/rfc822) or a bounce part goes as plain bytes:
            # email would write it unencoded with bare LFs, or fail on it.
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(
            file.data, maintype=maintype, subtype=subtype, filename=_file_name(file.filename)
        )
    if attachments:
        # email picks a random boundary; a retried delivery must send the same bytes.
        digest = hashlib.sha256(own_id.encode("utf-8")).hexdigest()[:32]
        msg.set_boundary(f"=_deskterm_{digest}")
    raw = msg.as_bytes(policy=POLICY)
    _check_headers(raw)
    return raw


def _file_name(name: str) -> str:
    """A file name safe in a header: no path, no control characters, not empty."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip() or "attachment"
    return clean[:180]


def recipients_of(raw: bytes) -> list[str]:
    """Envelope recipients of a built message: its To and Cc addresses, de-duplicated."""
    headers = BytesHeaderParser(policy=email_policy.compat32).parsebytes(raw)
    fields = [str(v) for name in ("To", "Cc") for v in headers.get_all(name, [])]
    found: list[str] = []
    seen: set[str] = set()
    for _, address in getaddresses(fields):
        if address and address.lower() not in seen:
            seen.add(address.lower())
            found.append(address)
    return found

"""IMAP adapter over imapclient: read-only incremental fetch, flag changes, IDLE, Sent lookup.

Sync must never change the server (reliability.md item 8): every folder is opened with
EXAMINE, bodies are fetched with ``BODY.PEEK[]`` (a plain ``BODY[]`` sets \\Seen), and this
module issues no STORE, EXPUNGE, COPY, MOVE or DELETE. The one writing call is ``append``,
used only to file a reply the user sent. Every failure leaves as a one-line
``ChannelError`` (``ChannelAuthError`` for rejected credentials) naming the host and never
the password, so a sync loop needs to catch nothing else.
"""

from __future__ import annotations

import email.parser
import email.policy
import imaplib
import re
import selectors
import socket
import ssl
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final, NoReturn, Self

import imapclient
from imapclient import exceptions as imap_errors

from deskterm.channels.email.types import FetchedMail, FolderStatus
from deskterm.config import ImapConfig
from deskterm.domain.errors import ChannelAuthError, ChannelError
from deskterm.domain.text import one_line

IDLE_MAX_SECONDS: Final = 25 * 60.0
"""Longest single IDLE: servers may drop an IDLE after 30 minutes (RFC 2177 says renew <29)."""

DEFAULT_MAX_BATCH_BYTES: Final = 32 * 1024 * 1024
"""Upper bound on the message bytes held by one ``fetch_new`` batch (a small server's RAM)."""

SENT_FOLDER_NAMES: Final = (
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Sent Mail",
    "INBOX.Sent",
    "INBOX/Sent",
    "[Gmail]/Sent Mail",
)
"""Names tried, in order, when no folder carries the RFC 6154 \\Sent attribute."""

# NO/BAD response codes (RFC 5530) after which the same command may well succeed later.
_TRANSIENT_CODES: Final = frozenset(
    {"UNAVAILABLE", "INUSE", "LIMIT", "SERVERBUG", "EXPUNGEISSUED", "CONTACTADMIN"}
)
_CODE_RE: Final = re.compile(r"\[([A-Za-z-]+)")
# imaplib/imapclient prefix server text with "<command> failed: "; the user wants the text.
_FAILED_PREFIX_RE: Final = re.compile(
    r"^(?:[A-Za-z ]+ (?:failed|command error): |command: \S+ => )"
)
# Dovecot appends "(0.001 + 0.000 secs)." to replies: noise in a one-line error.
_TIMING_RE: Final = re.compile(r"\s*\([0-9.]+ \+ [^)]*secs\)\.?$")
_CHANGE_LINE_RE: Final = re.compile(rb"\* \d+ (?:EXISTS|RECENT|FETCH)\b", re.IGNORECASE)
_CHANGE_RESPONSES: Final = frozenset({b"EXISTS", b"RECENT", b"FETCH"})
_FETCH_CHUNK: Final = 500  # UIDs per command: keeps command lines far below server limits
_MESSAGE_ID_HEADER: Final = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"


@dataclass(frozen=True, slots=True)
class _Selected:
    """The folder currently open read-only on this connection."""

    name: str
    uidvalidity: int


def _text(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _flags(raw: Iterable[object]) -> tuple[str, ...]:
    # \Recent is per-session noise (whoever selects first "sees" it), not a message fact.
    return tuple(flag for flag in (_text(item) for item in raw) if flag.lower() != "\\recent")


def _utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:  # a server or parser that gave no zone: assume UTC
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _bare_message_id(value: str) -> str:
    return value.strip().strip("<>").strip()


def _has_change(responses: Iterable[Any]) -> bool:
    return any(
        isinstance(resp, tuple) and len(resp) >= 2 and resp[1] in _CHANGE_RESPONSES
        for resp in responses
    )


def _message_id_of(header_block: bytes) -> str:
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(header_block)
    value = parsed.get("Message-ID", "")
    return _bare_message_id(" ".join(str(value).split()))


class UidValidityChanged(ChannelError):
    """A folder's UIDVALIDITY is not the one the caller's UIDs belong to: re-map, then resume."""

    def __init__(self, host: str, folder: str, expected: int, actual: int) -> None:
        super().__init__(
            f"{host}: UIDVALIDITY of folder {folder!r} changed ({expected} -> {actual}); "
            "its messages must be re-mapped",
            transient=False,
        )
        self.folder = folder
        self.expected = expected
        self.actual = actual


class ImapMailbox:
    """One IMAP account: connect, examine folders, fetch new mail read-only, append sent mail.

    Operations connect lazily, so after a ``ChannelError`` the caller may simply call
    again (after its own back-off) and a fresh connection is made. Not thread-safe: use
    one instance per worker.
    """

    def __init__(self, config: ImapConfig, password: str, *, timeout: float = 30.0) -> None:
        self._config = config
        self._password = password
        self._timeout = timeout
        self._client: Any = None
        self._capabilities: tuple[str, ...] = ()
        self._condstore = False
        self._selected: _Selected | None = None
        # UIDNEXT per folder at its last EXAMINE: what idle_wait compares against.
        self._uidnext: dict[str, int] = {}

    # --- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def label(self) -> str:
        """``host:port`` as named in error messages."""
        return f"{self._config.host}:{self._config.port}"

    @property
    def connected(self) -> bool:
        """True while a logged-in connection is open (it may still turn out to be dead)."""
        return self._client is not None

    @property
    def capabilities(self) -> tuple[str, ...]:
        """The server's capabilities after login, upper case (empty before ``connect``)."""
        return self._capabilities

    def supports(self, capability: str) -> bool:
        """True when the logged-in server advertised ``capability`` (e.g. "IDLE")."""
        return capability.upper() in self._capabilities

    @property
    def condstore(self) -> bool:
        """True when CONDSTORE is enabled, i.e. ``changed_flags`` can report anything."""
        return self._condstore

    def connect(self) -> None:
        """Open the connection, secure it as configured and log in (no-op when connected)."""
        if self._client is not None:
            return
        client = self._open()
        try:
            self._login(client)
            caps = self._command(client, "reading capabilities", client.capabilities)
            self._capabilities = tuple(_text(cap).upper() for cap in caps)
            self._condstore = False
            if "CONDSTORE" in self._capabilities:
                if "ENABLE" in self._capabilities:
                    # RFC 7162: without ENABLE the server may leave MODSEQ out of responses.
                    self._command(client, "enabling CONDSTORE", client.enable, "CONDSTORE")
                self._condstore = True
        except BaseException:
            self._shutdown(client)
            raise
        # Times are converted to aware UTC here rather than to imapclient's naive local time.
        client.normalise_times = False
        self._client = client
        self._selected = None

    def close(self) -> None:
        """Log out and drop the connection; errors are ignored (it may already be gone)."""
        client, self._client, self._selected = self._client, None, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            self._shutdown(client)

    def noop(self) -> None:
        """Send NOOP: keeps the session alive and lets the server report changes."""
        client = self._conn()
        self._command(client, "sending NOOP", client.noop)

    # --- reading ---------------------------------------------------------------------

    def status(self, folder: str) -> FolderStatus:
        """EXAMINE ``folder`` afresh and report UIDVALIDITY, UIDNEXT, EXISTS, HIGHESTMODSEQ."""
        client = self._conn()
        response = self._examine(client, folder)
        uidnext = response.get(b"UIDNEXT")
        if uidnext is None:
            # UIDNEXT is required by RFC 3501 but a few servers omit it; derive it instead.
            uidnext = self._uidnext_fallback(client, folder)
            self._uidnext[folder] = int(uidnext)
        modseq = response.get(b"HIGHESTMODSEQ")
        return FolderStatus(
            name=folder,
            uidvalidity=int(response[b"UIDVALIDITY"]),
            uidnext=int(uidnext),
            exists=int(response.get(b"EXISTS", 0)),
            highestmodseq=int(modseq) if modseq is not None and self._condstore else None,
        )

    def fetch_new(
        self,
        folder: str,
        after_uid: int,
        *,
        batch: int = 100,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        uidvalidity: int | None = None,
    ) -> Iterator[list[FetchedMail]]:
        """Yield the messages with UID > ``after_uid`` in ascending UID order, in batches.

        A batch holds at most ``batch`` messages and, unless one message alone is larger,
        at most ``max_batch_bytes`` of message data. Messages expunged meanwhile are
        skipped. ``uidvalidity`` is the one ``after_uid`` belongs to: if the folder's
        differs (now or between batches), ``UidValidityChanged`` — the UIDs must be
        re-mapped before anything is fetched by number.
        """
        batch = max(1, batch)
        client = self._conn()
        # A fresh EXAMINE: pymap and Dovecot alike leave mail appended by another session
        # out of SEARCH on an already open folder until the next sync point.
        self._examine(client, folder)
        selected = self._selected
        assert selected is not None
        if uidvalidity is not None and selected.uidvalidity != uidvalidity:
            raise UidValidityChanged(self._config.host, folder, uidvalidity, selected.uidvalidity)
        found = self._command(
            client, f"searching folder {folder!r}", client.search, ["UID", f"{after_uid + 1}:*"]
        )
        # "n:*" always matches the highest UID, even when n is above it (RFC 3501 9).
        uids = sorted({int(uid) for uid in found if int(uid) > after_uid})
        for chunk in _chunks(uids, batch):
            client = self._conn()
            if self._selected is None or self._selected.name != folder:
                # Another call re-used the connection between batches: re-open and check.
                self._examine(client, folder)
                current = self._selected
                assert current is not None
                if current.uidvalidity != selected.uidvalidity:
                    raise UidValidityChanged(
                        self._config.host, folder, selected.uidvalidity, current.uidvalidity
                    )
            for sub in self._split_by_size(client, folder, chunk, max_batch_bytes):
                mails = self._fetch_bodies(client, folder, sub)
                if mails:
                    yield mails

    def changed_flags(self, folder: str, since_modseq: int) -> dict[int, tuple[str, ...]]:
        """Flags of messages changed after mod-sequence ``since_modseq`` (CONDSTORE), else {}."""
        client = self._conn()
        if not self._condstore:
            return {}
        self._examine(client, folder)  # fresh, so changes made by other sessions show
        # SEARCH MODSEQ first: one round trip when nothing changed, and the FETCH then
        # names only changed UIDs (imapclient cannot FETCH a "1:*" range with modifiers).
        found = self._command(
            client,
            f"searching changes in folder {folder!r}",
            client.search,
            ["MODSEQ", str(since_modseq + 1)],
        )
        changed: dict[int, tuple[str, ...]] = {}
        for chunk in _chunks(sorted(int(uid) for uid in found), _FETCH_CHUNK):
            response = self._command(
                client,
                f"fetching flags in folder {folder!r}",
                client.fetch,
                chunk,
                ["FLAGS"],
                [f"CHANGEDSINCE {since_modseq}"],
            )
            for uid, data in response.items():
                if b"FLAGS" in data:
                    changed[int(uid)] = _flags(data[b"FLAGS"])
        return changed

    def search_message_id(self, folder: str, message_id: str) -> list[int]:
        """UIDs in ``folder`` whose Message-ID equals ``message_id`` (brackets optional)."""
        wanted = _bare_message_id(message_id)
        if not wanted:
            return []
        client = self._conn()
        self._examine(client, folder)  # fresh, so a copy filed a moment ago is seen
        charset = None if wanted.isascii() else "UTF-8"
        # HEADER search is a substring match and servers differ on brackets, so search
        # the bare id and confirm each hit by reading its Message-ID header.
        found = self._command(
            client,
            f"searching folder {folder!r}",
            client.search,
            ["HEADER", "Message-ID", wanted],
            charset,
        )
        uids = sorted(int(uid) for uid in found)
        matches: list[int] = []
        for chunk in _chunks(uids, _FETCH_CHUNK):
            response = self._command(
                client,
                f"reading Message-IDs in folder {folder!r}",
                client.fetch,
                chunk,
                [_MESSAGE_ID_HEADER],
            )
            for uid, data in response.items():
                header = next(
                    (v for k, v in data.items() if _text(k).upper().startswith("BODY[HEADER")),
                    None,
                )
                if isinstance(header, bytes) and _message_id_of(header) == wanted:
                    matches.append(int(uid))
        return sorted(matches)

    def sent_folder(self) -> str | None:
        """The configured Sent folder, else the one flagged \\Sent, else a usual name, else None."""
        if self._config.sent_folder:
            return self._config.sent_folder
        client = self._conn()
        listing = self._command(client, "listing folders", client.list_folders)
        names: list[str] = []
        for flags, _delimiter, name in listing:
            attrs = {_text(flag).lower() for flag in flags}
            if attrs & {"\\noselect", "\\nonexistent"}:
                continue
            if "\\sent" in attrs:
                return _text(name)
            names.append(_text(name))
        for candidate in SENT_FOLDER_NAMES:
            if candidate in names:
                return candidate
        lowered = {name.lower(): name for name in names}
        for candidate in SENT_FOLDER_NAMES:
            if candidate.lower() in lowered:
                return lowered[candidate.lower()]
        return None

    def idle_wait(self, folder: str, timeout: float, *, uidnext: int | None = None) -> bool:
        """Wait up to ``timeout`` s (capped at 25 min) for the server to report a change.

        True when the server reported EXISTS, RECENT or FETCH (new mail or flags), False
        on timeout — and False at once when the server has no IDLE (the caller polls).
        Mail that arrived before IDLE began is reported by no IDLE response (Dovecot and
        pymap alike), so the folder is re-opened first and True is returned at once when
        its UIDNEXT moved past ``uidnext`` — by default the UIDNEXT of the last ``status``
        or ``fetch_new`` of this folder on this connection.
        """
        client = self._conn()
        if not self.supports("IDLE"):
            return False
        known = uidnext if uidnext is not None else self._uidnext.get(folder)
        response = self._examine(client, folder)
        current = response.get(b"UIDNEXT")
        if known is not None and current is not None and int(current) != known:
            return True
        timeout = min(max(timeout, 0.0), IDLE_MAX_SECONDS)
        deadline = time.monotonic() + timeout
        with self._guard(f"waiting in IDLE on folder {folder!r}"):
            client.idle()
            changed = self._idle_until(client, deadline)
            _text_done, responses = client.idle_done()
        return changed or _has_change(responses)

    # --- writing ---------------------------------------------------------------------

    def append(
        self,
        folder: str,
        raw: bytes,
        *,
        flags: Sequence[str] = ("\\Seen",),
        when: datetime | None = None,
    ) -> None:
        """APPEND ``raw`` to ``folder`` — the one writing call, made only for a user's send."""
        client = self._conn()
        # RFC 3501 literals carry CRLF lines; a lone LF is rejected or rewritten by servers.
        data = re.sub(rb"\r?\n", b"\r\n", raw)
        self._command(
            client,
            f"appending to folder {folder!r}",
            client.append,
            folder,
            data,
            tuple(flags),
            when,
        )

    # --- internals -------------------------------------------------------------------

    def _idle_until(self, client: Any, deadline: float) -> bool:
        """Read IDLE responses until one reports a change (True) or ``deadline`` (False).

        Not imapclient's ``idle_check``: it reads lines from a non-blocking socket and
        fails with "unterminated line" when a response arrives split across TCP segments
        (imapclient issue #519; pymap does this routinely). Here the socket is only
        polled; once data is there, the line is read blocking (bounded by the timeout).
        """
        imap = client._imap  # imapclient's own idle_check reads lines the same way
        sock = client.socket()
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if not self._buffered(imap, sock) and not selector.select(left):
                    return False
                line = imap._get_line()
                if _CHANGE_LINE_RE.match(line):
                    return True
                if not line.startswith(b"* ") or line.upper().startswith(b"* BYE"):
                    # BYE, or the server ended IDLE by itself: the session is over.
                    raise imap_errors.IMAPClientAbortError(
                        f"server ended IDLE: {_text(line)[:200]}"
                    )

    def _buffered(self, imap: Any, sock: Any) -> bool:
        """True when response bytes already sit in a buffer a socket poll cannot see."""
        pending = getattr(sock, "pending", None)  # TLS: decrypted bytes inside the SSL object
        if pending is not None and pending() > 0:
            return True
        peek = getattr(getattr(imap, "file", None), "peek", None)
        if peek is None:
            return False
        sock.setblocking(False)  # peek must not wait for the network
        try:
            return bool(peek(1))
        except (OSError, ValueError):
            return False
        finally:
            sock.settimeout(self._timeout)

    def _conn(self) -> Any:
        self.connect()
        return self._client

    def _clean(self, text: str) -> str:
        line = one_line(text, 300)
        if len(self._password) >= 3:
            line = line.replace(self._password, "***")
        return line

    def _server_text(self, exc: BaseException) -> str:
        text = _text(exc.args[0]) if exc.args else str(exc)
        text = _FAILED_PREFIX_RE.sub("", text, count=1)
        if text.startswith(("b'", 'b"')) and text.endswith(("'", '"')):
            text = text[2:-1]  # imapclient formats bytes replies with repr()
        text = _TIMING_RE.sub("", text)
        return self._clean(text) or type(exc).__name__

    @staticmethod
    def _transient_reply(text: str) -> bool:
        match = _CODE_RE.search(text)
        return bool(match and match.group(1).upper() in _TRANSIENT_CODES)

    def _open(self) -> Any:
        cfg = self._config
        tls = cfg.security == "tls"
        try:
            client = imapclient.IMAPClient(
                cfg.host,
                port=cfg.port,
                ssl=tls,
                ssl_context=ssl.create_default_context() if tls else None,
                timeout=self._timeout,
            )
        except Exception as exc:
            self._raise_connect_error(exc)
        if cfg.security == "starttls":
            try:
                client.starttls(ssl.create_default_context())
            except imap_errors.CapabilityError:
                self._shutdown(client)
                raise ChannelError(
                    f"{self.label}: server does not offer STARTTLS; "
                    'use security = "tls" (usually port 993)',
                    transient=False,
                ) from None
            except Exception as exc:
                self._shutdown(client)
                self._raise_connect_error(exc)
        return client

    def _raise_connect_error(self, exc: Exception) -> NoReturn:
        label = self.label
        message: str
        if isinstance(exc, socket.gaierror):
            message = f"{label}: cannot resolve host name ({exc.strerror or exc})"
        elif isinstance(exc, ConnectionRefusedError):
            message = f"{label}: connection refused"
        elif isinstance(exc, TimeoutError):
            message = f"{label}: no answer within {self._timeout:g} s"
        elif isinstance(exc, ssl.SSLCertVerificationError):
            message = f"{label}: TLS certificate rejected: {exc.verify_message or exc.reason}"
        elif isinstance(exc, ssl.SSLError):
            message = f"{label}: TLS handshake failed: {exc.reason or exc}"
            if exc.reason == "WRONG_VERSION_NUMBER":
                message += ' (the server answered in plain text; port 143 wants "starttls")'

        elif isinstance(exc, OSError):
            message = f"{label}: cannot connect: {exc.strerror or exc}"
        elif isinstance(exc, imaplib.IMAP4.error):
            message = f"{label}: unexpected greeting: {self._server_text(exc)}"
        else:
            message = f"{label}: cannot connect: {type(exc).__name__}: {exc}"
        raise ChannelError(self._clean(message), transient=True) from exc

    def _login(self, client: Any) -> None:
        cfg = self._config
        caps = {
            _text(cap).upper()
            for cap in self._command(client, "reading capabilities", client.capabilities)
        }
        if "LOGINDISABLED" in caps:
            raise ChannelError(
                f"{self.label}: server refuses to log in over this connection (LOGINDISABLED); "
                'use security = "tls" or "starttls"',
                transient=False,
            )
        try:
            client.login(cfg.username, self._password)
        except imap_errors.LoginError as exc:
            text = self._server_text(exc)
            if self._transient_reply(text):
                raise ChannelError(
                    f"{cfg.host}: login for {cfg.username} failed for now: {text}"
                ) from None
            raise ChannelAuthError(f"{cfg.host}: login failed for {cfg.username}: {text}") from None
        except Exception as exc:
            self._convert(exc, f"logging in as {cfg.username}")

    def _examine(self, client: Any, folder: str) -> dict[bytes, Any]:
        self._selected = None
        response: dict[bytes, Any] = self._command(
            client, f"opening folder {folder!r}", client.select_folder, folder, True
        )
        if b"UIDVALIDITY" not in response:
            raise ChannelError(
                f"{self._config.host}: folder {folder!r} has no UIDVALIDITY; cannot sync it",
                transient=False,
            )
        self._selected = _Selected(folder, int(response[b"UIDVALIDITY"]))
        if response.get(b"UIDNEXT") is not None:
            self._uidnext[folder] = int(response[b"UIDNEXT"])
        return response

    def _uidnext_fallback(self, client: Any, folder: str) -> int:
        status = self._command(
            client, f"reading status of {folder!r}", client.folder_status, folder, ["UIDNEXT"]
        )
        if status.get(b"UIDNEXT") is not None:
            return int(status[b"UIDNEXT"])
        found = self._command(client, f"searching folder {folder!r}", client.search, ["ALL"])
        return max((int(uid) for uid in found), default=0) + 1

    def _split_by_size(
        self, client: Any, folder: str, uids: list[int], max_bytes: int
    ) -> Iterator[list[int]]:
        response = self._command(
            client, f"reading sizes in folder {folder!r}", client.fetch, uids, ["RFC822.SIZE"]
        )
        current: list[int] = []
        total = 0
        for uid in uids:
            data = response.get(uid)
            if data is None:
                continue  # expunged since SEARCH
            size = int(data.get(b"RFC822.SIZE", 0))
            if current and total + size > max_bytes:
                yield current
                current, total = [], 0
            current.append(uid)
            total += size
        if current:
            yield current

    def _fetch_bodies(self, client: Any, folder: str, uids: list[int]) -> list[FetchedMail]:
        response = self._command(
            client,
            f"fetching messages from folder {folder!r}",
            client.fetch,
            uids,
            ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"],
        )
        mails: list[FetchedMail] = []
        for uid in uids:
            data = response.get(uid) or {}
            body = data.get(b"BODY[]", data.get(b"RFC822"))
            if not isinstance(body, bytes | bytearray):
                continue  # expunged since SEARCH
            mails.append(
                FetchedMail(
                    uid=uid,
                    raw=bytes(body),
                    flags=_flags(data.get(b"FLAGS", ())),
                    internaldate=_utc(data.get(b"INTERNALDATE")),
                )
            )
        return mails

    def _command(self, client: Any, action: str, method: Any, *args: Any) -> Any:
        with self._guard(action):
            return method(*args)

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except ChannelError:
            raise
        except Exception as exc:
            self._convert(exc, action)

    def _convert(self, exc: Exception, action: str) -> NoReturn:
        host = self._config.host
        if isinstance(exc, imaplib.IMAP4.abort | OSError | EOFError | imap_errors.ProtocolError):
            # The connection is unusable; the next call reconnects.
            self._drop()
            if isinstance(exc, TimeoutError):
                detail = f"no answer within {self._timeout:g} s"
            elif isinstance(exc, OSError):
                detail = exc.strerror or str(exc) or type(exc).__name__
            else:
                detail = self._server_text(exc)
            raise ChannelError(
                self._clean(f"{self.label}: connection lost while {action}: {detail}")
            ) from exc
        if isinstance(exc, imaplib.IMAP4.error):
            # The server said NO or BAD: the request was refused, the connection is fine...
            text = self._server_text(exc)
            transient = self._transient_reply(text)
            if transient:
                # ...unless the server is in trouble ([SERVERBUG], [UNAVAILABLE]): a session
                # that hit an internal error tends to keep failing, a new one may not.
                self._drop()
            raise ChannelError(
                self._clean(f"{host}: {action} failed: {text}"), transient=transient
            ) from exc
        # A reply imapclient could not parse: do not trust the connection's state any more.
        self._drop()
        raise ChannelError(
            self._clean(f"{host}: unexpected reply while {action}: {type(exc).__name__}: {exc}")
        ) from exc

    def _drop(self) -> None:
        client, self._client, self._selected = self._client, None, None
        if client is not None:
            self._shutdown(client)

    @staticmethod
    def _shutdown(client: Any) -> None:
        try:
            client.shutdown()
        except Exception:  # already closed: nothing left to release
            return

"""One SMTP delivery attempt (sent, temporary, permanent, unknown) or login check; never raises."""

from __future__ import annotations

import base64
import contextlib
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass

from deskterm.channels.email.types import SendOutcome, SendResult
from deskterm.config import SmtpConfig

MAX_REPLY_CHARS = 300
QUIT_TIMEOUT = 5.0  # after the outcome is known, a slow goodbye must not hold the worker

_CONTROLS_RE = re.compile("[\x00-\x1f\x7f-\x9f]+")
_EOL_RE = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT_RE = re.compile(rb"(?m)^\.")


class _Outcome(Exception):
    """Ends an attempt early with a classified result."""

    def __init__(self, result: SendResult) -> None:
        super().__init__(result.detail)
        self.result = result


class _Attempt:
    """Where one delivery attempt has got to; decides how a failure is classified."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.step = "connect"
        # True once the whole message and its final "." were handed to the kernel: from
        # then on the server may have accepted it, so a lost reply means UNKNOWN.
        self.payload_sent = False

    def fail(self, code: int, reply: bytes | str, what: str = "") -> _Outcome:
        """A reply code that ends the attempt, classified by its first digit."""
        text = _reply_text(reply)
        label = what or f"{self.where} refused {self.step}"
        detail = f"{label}: {code} {text}".rstrip()
        if 400 <= code < 500:
            return _Outcome(SendResult(SendOutcome.TEMPORARY, detail, code))
        if 500 <= code < 600:
            return _Outcome(SendResult(SendOutcome.PERMANENT, detail, code))
        # A reply that is not an SMTP code: before the payload, nothing was delivered.
        outcome = SendOutcome.UNKNOWN if self.payload_sent else SendOutcome.TEMPORARY
        return _Outcome(SendResult(outcome, f"{self.where} sent a malformed reply", None))


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    line = " ".join(_CONTROLS_RE.sub(" ", text).split())
    return line if len(line) <= MAX_REPLY_CHARS else line[: MAX_REPLY_CHARS - 1] + "…"


def _where(config: SmtpConfig) -> str:
    host = f"[{config.host}]" if ":" in config.host else config.host
    return f"{host}:{config.port}"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _ehlo_name(conn: smtplib.SMTP) -> str:
    """An address literal for EHLO: says nothing about the machine and needs no DNS."""
    try:
        address = str(conn.sock.getsockname()[0]) if conn.sock else ""
    except OSError:
        address = ""
    if not address:
        return "localhost"
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


def _payload(raw: bytes) -> bytes:
    """The DATA payload: CRLF line endings, dot-stuffed, ending with CRLF "." CRLF."""
    # Bare CR or LF in DATA is refused by strict servers (SMTP smuggling defences).
    data = _LEADING_DOT_RE.sub(b"..", _EOL_RE.sub(b"\r\n", raw))
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _connect(
    config: SmtpConfig, attempt: _Attempt, timeout: float, context: ssl.SSLContext
) -> smtplib.SMTP:
    """Connect and read the greeting; the host is given here so TLS can check its name."""
    attempt.step = "the connection"
    # local_hostname is given so smtplib does not call socket.getfqdn(), which can stall
    # for seconds on a machine without working reverse DNS; the real name is set below.
    # A greeting other than 220 raises SMTPConnectError, classified by its code.
    conn: smtplib.SMTP
    if config.security == "tls":
        conn = smtplib.SMTP_SSL(
            config.host, config.port, "localhost", timeout=timeout, context=context
        )
    else:
        conn = smtplib.SMTP(config.host, config.port, "localhost", timeout=timeout)
    conn.local_hostname = _ehlo_name(conn)
    return conn


def _hello(
    conn: smtplib.SMTP, config: SmtpConfig, attempt: _Attempt, context: ssl.SSLContext
) -> None:
    """EHLO and, for "starttls", the upgrade and a second EHLO."""
    attempt.step = "EHLO"
    code, reply = conn.ehlo()
    if 500 <= code < 600:
        # An old server that does not know EHLO; a 4xx (e.g. 421 then hang-up) is kept.
        code, reply = conn.helo()
    if not 200 <= code < 300:
        raise attempt.fail(code, reply)
    if config.security != "starttls":
        return
    if not conn.has_extn("starttls"):
        raise _Outcome(
            SendResult(
                SendOutcome.PERMANENT,
                f"{attempt.where} does not offer STARTTLS; check the channel's smtp "
                'security setting ("tls" for port 465)',
            )
        )
    attempt.step = "STARTTLS"
    conn.starttls(context=context)  # a refusal raises SMTPResponseException
    attempt.step = "EHLO after STARTTLS"
    code, reply = conn.ehlo()
    if not 200 <= code < 300:
        raise attempt.fail(code, reply)


def _login(conn: smtplib.SMTP, attempt: _Attempt, username: str, password: str) -> None:
    """AUTH PLAIN (or LOGIN) in UTF-8; smtplib's login() cannot send a non-ASCII password."""
    offered = conn.esmtp_features.get("auth", "").upper().split()
    attempt.step = "AUTH"
    if "PLAIN" in offered:
        code, reply = conn.docmd("AUTH", "PLAIN " + _b64(f"\0{username}\0{password}"))
    elif "LOGIN" in offered:
        code, reply = conn.docmd("AUTH", "LOGIN")
        if code == 334:
            code, reply = conn.docmd(_b64(username))
        if code == 334:
            code, reply = conn.docmd(_b64(password))
    else:
        raise _Outcome(
            SendResult(
                SendOutcome.PERMANENT,
                f"{attempt.where} offers no login method deskterm supports (PLAIN, LOGIN); "
                f"it offers: {_reply_text(' '.join(offered)) or 'none'}",
            )
        )
    if code in (235, 503):  # 503: already authenticated
        return
    if code == 334:
        conn.docmd("*")  # cancel an exchange the server wants to continue (RFC 4954)
        raise attempt.fail(535, reply, f"login rejected by {attempt.where} for {username!r}")
    if 500 <= code < 600:
        raise attempt.fail(code, reply, f"login rejected by {attempt.where} for {username!r}")
    raise attempt.fail(code, reply, f"login failed at {attempt.where} for {username!r}")


def _transaction(
    conn: smtplib.SMTP, attempt: _Attempt, sender: str, recipients: list[str], raw: bytes
) -> SendResult:
    options: list[str] = []
    if conn.has_extn("size"):
        options.append(f"SIZE={len(raw)}")
    if conn.has_extn("8bitmime") and not raw.isascii():
        options.append("BODY=8BITMIME")
    attempt.step = "the sender (MAIL FROM)"
    code, reply = conn.mail(sender, options)
    if code != 250:
        raise attempt.fail(code, reply)
    refused: list[tuple[str, int, bytes]] = []
    for recipient in recipients:
        attempt.step = f"recipient {recipient}"
        code, reply = conn.rcpt(recipient)
        if code not in (250, 251):
            refused.append((recipient, code, reply))
    # A 4xx refusal ends the attempt for everyone: the retry then delivers to all at once,
    # where sending to the rest now would leave the deferred recipient without a copy.
    for recipient, code, reply in refused:
        if not 500 <= code < 600:
            attempt.step = f"recipient {recipient}"
            raise attempt.fail(code, reply)
    if len(refused) == len(recipients):
        recipient, code, reply = refused[0]
        attempt.step = f"recipient {recipient}"
        raise attempt.fail(code, reply)
    attempt.step = "DATA"
    conn.putcmd("data")
    code, reply = conn.getreply()
    if code != 354:
        raise attempt.fail(code, reply)
    # The payload is sent by us, not smtplib.data(), to know exactly when the final "."
    # has left: before that a failure is TEMPORARY, after it UNKNOWN (RFC 5321 §6.1).
    attempt.step = "the message"
    conn.send(_payload(raw))
    attempt.payload_sent = True
    code, reply = conn.getreply()
    if not 200 <= code < 300:
        raise attempt.fail(code, reply)
    detail = f"{attempt.where} accepted the message: {code} {_reply_text(reply)}".rstrip()
    if refused:
        detail += "; refused " + ", ".join(
            f"{who} ({code} {_reply_text(reply)})" for who, code, reply in refused
        )
    return SendResult(SendOutcome.SENT, detail, code)


def _quit(conn: smtplib.SMTP) -> None:
    # The outcome is already known; the goodbye is a courtesy whose failure changes nothing.
    with contextlib.suppress(Exception):
        if conn.sock is not None:
            conn.sock.settimeout(QUIT_TIMEOUT)
            conn.quit()
    _close(conn)


def _scrub(detail: str, username: str, password: str) -> str:
    # A server may echo what it was sent; the password must never reach a log or the UI.
    if password:
        for secret in (_b64(f"\0{username}\0{password}"), _b64(password), password):
            detail = detail.replace(secret, "***")
    return detail


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and not isinstance(exc, ssl.SSLError):
        return exc.strerror  # "Connection refused", not "[Errno 111] Connection refused"
    return _reply_text(str(exc)) or type(exc).__name__


def send_message(
    config: SmtpConfig,
    password: str,
    *,
    sender: str,
    recipients: list[str],
    raw: bytes,
    timeout: float = 30.0,
    ssl_context: ssl.SSLContext | None = None,
) -> SendResult:
    """Deliver ``raw`` to ``recipients`` in one SMTP session; never raises.

    SENT: 2xx after the data. TEMPORARY: a 4xx reply, or any failure before the final
    "." was sent (retry later with the same bytes). PERMANENT: a 5xx reply (bad address,
    login rejected, policy) or a setup the server cannot serve. UNKNOWN: the connection
    failed after the final "." and before the reply, so the message may have been
    delivered; look for its Message-ID in the Sent folder before any resend.
    ``timeout`` bounds each network operation; ``ssl_context`` defaults to the system's
    certificate store with hostname checks.
    """
    where = _where(config)
    attempt = _Attempt(where)
    conn: smtplib.SMTP | None = None
    try:
        if not recipients:
            return SendResult(SendOutcome.PERMANENT, "no recipients to send to")
        if not (sender.isascii() and all(r.isascii() for r in recipients)):
            return SendResult(
                SendOutcome.PERMANENT,
                "an address is not ASCII; international addresses (SMTPUTF8) are not supported",
            )
        context = ssl_context or ssl.create_default_context()
        conn = _connect(config, attempt, timeout, context)
        _hello(conn, config, attempt, context)
        if conn.has_extn("auth"):
            # Log in only when AUTH is offered: a local relay accepts mail without one.
            _login(conn, attempt, config.username, password)
        result = _transaction(conn, attempt, sender, recipients, raw)
        _quit(conn)
    except _Outcome as outcome:
        result = outcome.result
        if conn is not None:
            _quit(conn)  # the server is still talking: end the session politely
    except Exception as exc:
        result = _unexpected(attempt, exc)
        if conn is not None:
            _close(conn)
    try:
        return SendResult(
            result.outcome, _scrub(result.detail, config.username, password), result.code
        )
    except Exception:
        return SendResult(result.outcome, f"{where}: delivery attempt ended", result.code)


@dataclass(frozen=True)
class LoginCheck:
    """How a login attempt (``check_login``) went: ``ok`` and one line saying so."""

    ok: bool
    detail: str


def check_login(
    config: SmtpConfig,
    password: str,
    *,
    timeout: float = 30.0,
    ssl_context: ssl.SSLContext | None = None,
) -> LoginCheck:
    """Connect, EHLO, secure the connection as configured and log in, as ``send_message``
    does, then QUIT without sending anything; never raises (``deskterm doctor``).

    A server that offers no AUTH (a local relay) passes: delivery would not log in either.
    """
    where = _where(config)
    attempt = _Attempt(where)
    conn: smtplib.SMTP | None = None
    try:
        context = ssl_context or ssl.create_default_context()
        conn = _connect(config, attempt, timeout, context)
        _hello(conn, config, attempt, context)
        if conn.has_extn("auth"):
            _login(conn, attempt, config.username, password)
            result = LoginCheck(True, f"{where} accepted the login for {config.username}")
        else:
            result = LoginCheck(True, f"{where} asks for no login (a relay); mail is accepted")
        _quit(conn)
    except _Outcome as outcome:
        result = LoginCheck(False, outcome.result.detail)
        if conn is not None:
            _quit(conn)
    except Exception as exc:
        result = LoginCheck(False, _unexpected(attempt, exc).detail)
        if conn is not None:
            _close(conn)
    try:
        return LoginCheck(result.ok, _scrub(result.detail, config.username, password))
    except Exception:
        return LoginCheck(result.ok, f"{where}: login check ended")


def _close(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(Exception):  # closing a broken socket has nothing to report
        conn.close()


def _unexpected(attempt: _Attempt, exc: Exception) -> SendResult:
    """A network or protocol failure without a usable reply code."""
    if attempt.payload_sent:
        return SendResult(
            SendOutcome.UNKNOWN,
            f"connection to {attempt.where} lost after the message was sent, before the "
            f"server confirmed it ({_error_text(exc)}); it may have been delivered",
        )
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code > 0:
        return attempt.fail(exc.smtp_code, exc.smtp_error).result
    if isinstance(exc, ssl.SSLError):
        what = f"TLS with {attempt.where} failed"
    elif isinstance(exc, socket.gaierror):
        what = f"cannot resolve {attempt.where}"
    elif attempt.step == "the connection":
        what = f"cannot connect to {attempt.where}"
    else:
        what = f"connection to {attempt.where} failed during {attempt.step}"
    return SendResult(SendOutcome.TEMPORARY, f"{what}: {_error_text(exc)}")

"""Real aiosmtpd SMTP servers on free loopback ports, including the faults a sender must survive.

Each variant is a context manager yielding an ``SmtpServer`` (host, port, messages) and
stops its server thread on exit. ``messages`` holds every message whose DATA the server
received completely (ending "."), whatever it answered afterwards: a test can prove that
a message was delivered even when the client never saw the 250.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"
# Generous: the server thread must come up on a loaded 2-core CI machine.
READY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Received:
    """One message as the server got it (dot-unstuffed DATA bytes)."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class SmtpServer:
    """What a running test server exposes."""

    host: str
    port: int
    messages: list[Received]
    logins: list[tuple[str, str]] = field(default_factory=list)  # (mechanism, user) accepted


class _Recorder:
    """Accepts every message and records it; variants change what happens around DATA."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.logins: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def record(self, envelope: Envelope) -> None:
        content = envelope.original_content or b""
        with self._lock:
            self.messages.append(
                Received(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(content))
            )

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.record(envelope)
        return "250 2.0.0 OK: queued"

    def accept_any_login(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        login = data.login.decode() if isinstance(data, LoginPassword) else ""
        with self._lock:
            self.logins.append((mechanism, login))
        return AuthResult(success=True)


class _ReplyAfterData(_Recorder):
    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.record(envelope)
        return self.reply


class _RefuseFirst(_Recorder):
    """Refuses the first message after DATA (a permanent error), accepts every later one."""

    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply
        self.refused = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self.refused:
            self.refused += 1
            return self.reply
        self.record(envelope)
        return "250 2.0.0 OK: queued"


class _DropAfterData(_Recorder):
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        # The message is in (as a real MTA would have queued it); the connection then dies
        # before the 250, the case RFC 5321 §6.1 warns may cause duplicates.
        self.record(envelope)
        assert server.transport is not None
        server.transport.close()
        # Closing the transport cancels this session's task; never reply.
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class _SlowData(_Recorder):
    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.record(envelope)
        await asyncio.sleep(self.seconds)
        return "250 2.0.0 OK: queued (slowly)"


class _SlowEhlo(_Recorder):
    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        await asyncio.sleep(self.seconds)
        session.host_name = hostname
        return responses


class _RefuseRecipients(_Recorder):
    def __init__(self, refusals: dict[str, str]) -> None:
        super().__init__()
        self.refusals = {address.lower(): reply for address, reply in refusals.items()}

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = self.refusals.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"


class _AuthRequired(_Recorder):
    def __init__(self, user: str, password: str) -> None:
        super().__init__()
        self.user = user.encode()
        self.password = password.encode()

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if (
            isinstance(data, LoginPassword)
            and data.login == self.user
            and data.password == self.password
        ):
            with self._lock:
                self.logins.append((mechanism, data.login.decode()))
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # Enforced here rather than with aiosmtpd's auth_required, which warns loudly when
        # combined with plaintext AUTH (allowed here: loopback only).
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"


class _GreetWith421(SMTP):
    """Answers every connection with 421 and hangs up, like an overloaded MTA."""

    async def _handle_client(self) -> None:
        await self.push("421 4.3.2 Service not available, closing transmission channel")
        assert self.transport is not None
        self.transport.close()


class _Controller(Controller):
    """aiosmtpd's threaded controller on an OS-chosen free port."""

    def __init__(self, handler: Any, smtp_class: type[SMTP] = SMTP, **kwargs: Any) -> None:
        self._smtp_class = smtp_class
        super().__init__(
            handler,
            hostname=HOST,
            port=0,
            ready_timeout=READY_TIMEOUT,
            server_hostname="smtp.deskterm.test",  # skips getfqdn(), slow without DNS
            **kwargs,
        )

    def factory(self) -> SMTP:
        return self._smtp_class(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        # Port 0 avoids racing other tests for a port; the start-up probe needs the real one.
        assert isinstance(self.server, asyncio.Server)
        self.port = int(self.server.sockets[0].getsockname()[1])
        super()._trigger_server()  # type: ignore[no-untyped-call]


@contextmanager
def _serve(
    handler: _Recorder, smtp_class: type[SMTP] = SMTP, **kwargs: Any
) -> Iterator[SmtpServer]:
    controller = _Controller(handler, smtp_class, **kwargs)
    controller.start()
    try:
        yield SmtpServer(HOST, controller.port, handler.messages, handler.logins)
    finally:
        controller.stop()


def ok(
    *, starttls: ssl.SSLContext | None = None, implicit_tls: ssl.SSLContext | None = None
) -> AbstractContextManager[SmtpServer]:
    """Accepts and stores every message; optionally offers STARTTLS or speaks TLS at once.

    AUTH is offered only over TLS (aiosmtpd's default), where any login is accepted.
    """
    handler = _Recorder()
    kwargs: dict[str, Any] = {"authenticator": handler.accept_any_login}
    if starttls is not None:
        kwargs["tls_context"] = starttls
    if implicit_tls is not None:
        kwargs["ssl_context"] = implicit_tls
        # aiosmtpd only counts STARTTLS as TLS; this connection is TLS from the start.
        kwargs["auth_require_tls"] = False
    return _serve(handler, **kwargs)


def reply_after_data(code: int, text: str) -> AbstractContextManager[SmtpServer]:
    """Receives the whole message, then answers ``code text`` (e.g. 451 or 550)."""
    return _serve(_ReplyAfterData(f"{code} {text}"))


def refuse_first(code: int, text: str) -> AbstractContextManager[SmtpServer]:
    """Answers ``code text`` to the first message (e.g. 550 mailbox full), accepts later ones."""
    return _serve(_RefuseFirst(f"{code} {text}"))


def connect_421() -> AbstractContextManager[SmtpServer]:
    """Greets with 421 and closes the connection."""
    return _serve(_Recorder(), _GreetWith421)


def drop_after_data() -> AbstractContextManager[SmtpServer]:
    """Receives (and records) the whole message, then closes without any reply."""
    return _serve(_DropAfterData())


def auth_required(
    user: str, password: str, *, mechanisms: Iterable[str] = ()
) -> AbstractContextManager[SmtpServer]:
    """Requires AUTH (PLAIN and LOGIN, or only ``mechanisms``) over plaintext on loopback."""
    offered = {m.upper() for m in mechanisms}
    handler = _AuthRequired(user, password)
    return _serve(
        handler,
        authenticator=handler.authenticate,
        auth_require_tls=False,
        auth_exclude_mechanism=[m for m in ("PLAIN", "LOGIN") if offered and m not in offered],
    )


def refuse_recipients(refusals: dict[str, str]) -> AbstractContextManager[SmtpServer]:
    """Answers RCPT for each listed address with its reply line (e.g. "550 5.1.1 no such user")."""
    return _serve(_RefuseRecipients(refusals))


def slow(seconds: float, *, stage: str = "data") -> AbstractContextManager[SmtpServer]:
    """Stalls for ``seconds``: before answering EHLO (``stage="ehlo"``) or after DATA."""
    if stage == "ehlo":
        return _serve(_SlowEhlo(seconds))
    if stage == "data":
        return _serve(_SlowData(seconds))
    raise ValueError(f"unknown stage {stage!r}")


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1/localhost and the contexts that use it."""

    certfile: Path
    keyfile: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certfile, self.keyfile)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Trusts only this certificate, with hostname checking left on."""
        return ssl.create_default_context(cafile=str(self.certfile))


def make_certificate(directory: Path) -> Certificate:
    """Write a fresh self-signed certificate (needs ``cryptography``) into ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "deskterm test SMTP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    certfile = directory / "smtp-cert.pem"
    keyfile = directory / "smtp-key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(certfile, keyfile)

"""send_message against real aiosmtpd servers: every outcome class, and what the server got."""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from deskterm.channels.email.compose import build_reply, recipients_of
from deskterm.channels.email.smtp import check_login, send_message
from deskterm.channels.email.types import SendOutcome, SendResult
from deskterm.config import SmtpConfig
from deskterm.domain.messages import Party
from tests.servers import smtp_servers
from tests.servers.smtp_servers import Certificate, SmtpServer

USER = "support@shop.test"
PASSWORD = "s3cret-Pässwörd"
MESSAGE_ID = "deskterm.0123456789abcdef@shop.test"
# Per-operation timeout: far above a loopback round trip even on a loaded 2-core machine.
TIMEOUT = 20.0
SLOW_TIMEOUT = 2.0  # for the stalling servers, which stall much longer than this


def message(subject: str = "Where is my order?", body: str = "It ships today.\n") -> bytes:
    return build_reply(
        sender=Party("Toko Sinar", USER),
        to=[Party("Alice", "alice@example.com")],
        subject=subject,
        body=body,
        message_id=MESSAGE_ID,
        in_reply_to="m1@example.com",
        date=datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
    )


def config(server: SmtpServer, security: str = "none", username: str = USER) -> SmtpConfig:
    return SmtpConfig(host=server.host, port=server.port, security=security, username=username)  # type: ignore[arg-type]


def send(
    server: SmtpServer,
    raw: bytes | None = None,
    *,
    password: str = PASSWORD,
    timeout: float = TIMEOUT,
    recipients: list[str] | None = None,
    **kwargs: object,
) -> SendResult:
    raw = raw if raw is not None else message()
    return send_message(
        config(server, **kwargs),  # type: ignore[arg-type]
        password,
        sender=USER,
        recipients=recipients if recipients is not None else recipients_of(raw),
        raw=raw,
        timeout=timeout,
    )


def assert_one_line_without_secrets(result: SendResult) -> None:
    assert result.detail
    assert "\n" not in result.detail and "\r" not in result.detail
    assert PASSWORD not in result.detail
    assert base64.b64encode(PASSWORD.encode()).decode() not in result.detail


def only_copy(server: SmtpServer) -> bytes:
    assert len(server.messages) == 1
    [received] = server.messages
    assert received.mail_from == USER
    assert received.rcpt_tos == ["alice@example.com"]
    msg = message_from_bytes(received.content, policy=policy.default)
    assert msg["Message-ID"] == f"<{MESSAGE_ID}>"
    return received.content


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    pytest.importorskip("cryptography", reason="cryptography makes the test certificate")
    return smtp_servers.make_certificate(tmp_path)


@pytest.fixture
def refused_port() -> Iterator[int]:
    # A bound socket that never listens: connecting to it is refused, and no other test
    # can take the port while we hold it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


# ------------------------------------------------------------------ success


def test_sent_and_the_server_got_exactly_one_copy() -> None:
    with smtp_servers.ok() as server:
        result = send(server)
        assert result.outcome is SendOutcome.SENT, result
        assert result.code == 250
        assert f"{server.host}:{server.port}" in result.detail
        assert_one_line_without_secrets(result)
        assert only_copy(server) == message()


def test_message_bytes_arrive_unchanged_despite_leading_dots() -> None:
    raw = message(body=".\n..two dots\n.\nend\n")
    with smtp_servers.ok() as server:
        assert send(server, raw).outcome is SendOutcome.SENT
        assert only_copy(server) == raw


def test_header_injection_subject_sends_with_one_subject_and_no_bcc() -> None:
    raw = message(subject="Hi\nBcc: x@evil")
    with smtp_servers.ok() as server:
        assert send(server, raw).outcome is SendOutcome.SENT
        content = only_copy(server)
    head = content.partition(b"\r\n\r\n")[0]
    names = [line.split(b":")[0].lower() for line in head.split(b"\r\n") if line[:1] != b" "]
    assert names.count(b"subject") == 1
    assert b"bcc" not in names
    assert message_from_bytes(content, policy=policy.default)["Subject"] == "Re: Hi Bcc: x@evil"


def test_auth_plain_with_a_non_ascii_password() -> None:
    with smtp_servers.auth_required(USER, PASSWORD) as server:
        result = send(server)
        assert result.outcome is SendOutcome.SENT, result
        assert server.logins == [("PLAIN", USER)]
        only_copy(server)


def test_auth_login_when_plain_is_not_offered() -> None:
    with smtp_servers.auth_required(USER, PASSWORD, mechanisms=["LOGIN"]) as server:
        result = send(server)
        assert result.outcome is SendOutcome.SENT, result
        assert server.logins == [("LOGIN", USER)]


def test_no_login_without_auth_on_a_local_relay() -> None:
    with smtp_servers.ok() as server:
        assert send(server, password="").outcome is SendOutcome.SENT
        assert server.logins == []


def test_starttls(certificate: Certificate) -> None:
    with smtp_servers.ok(starttls=certificate.server_context()) as server:
        result = send_message(
            config(server, security="starttls"),
            PASSWORD,
            sender=USER,
            recipients=["alice@example.com"],
            raw=message(),
            timeout=TIMEOUT,
            ssl_context=certificate.client_context(),
        )
        assert result.outcome is SendOutcome.SENT, result
        assert server.logins == [("PLAIN", USER)]
        only_copy(server)


def test_implicit_tls(certificate: Certificate) -> None:
    with smtp_servers.ok(implicit_tls=certificate.server_context()) as server:
        result = send_message(
            SmtpConfig(host="localhost", port=server.port, security="tls", username=USER),
            PASSWORD,
            sender=USER,
            recipients=["alice@example.com"],
            raw=message(),
            timeout=TIMEOUT,
            ssl_context=certificate.client_context(),
        )
        assert result.outcome is SendOutcome.SENT, result
        assert server.logins == [("PLAIN", USER)]
        only_copy(server)


# ------------------------------------------------------------------ temporary


def test_451_after_data_is_temporary() -> None:
    with smtp_servers.reply_after_data(451, "4.3.0 Try again later") as server:
        result = send(server)
    assert result.outcome is SendOutcome.TEMPORARY
    assert result.code == 451
    assert "Try again later" in result.detail
    assert_one_line_without_secrets(result)


def test_421_on_connect_is_temporary() -> None:
    with smtp_servers.connect_421() as server:
        result = send(server)
    assert result.outcome is SendOutcome.TEMPORARY, result
    assert result.code == 421
    assert "Service not available" in result.detail
    assert f"{server.host}:{server.port}" in result.detail


def test_connection_refused_is_temporary(refused_port: int) -> None:
    result = send_message(
        SmtpConfig(host="127.0.0.1", port=refused_port, security="none", username=USER),
        PASSWORD,
        sender=USER,
        recipients=["alice@example.com"],
        raw=message(),
        timeout=TIMEOUT,
    )
    assert result.outcome is SendOutcome.TEMPORARY
    assert result.code is None
    assert f"127.0.0.1:{refused_port}" in result.detail
    assert_one_line_without_secrets(result)


def test_unknown_host_is_temporary() -> None:
    result = send_message(
        SmtpConfig(host="localhost", port=25, security="none", username=USER).model_copy(
            update={"host": "no-such-host.invalid"}
        ),
        PASSWORD,
        sender=USER,
        recipients=["alice@example.com"],
        raw=message(),
        timeout=TIMEOUT,
    )
    assert result.outcome is SendOutcome.TEMPORARY
    assert "no-such-host.invalid:25" in result.detail


def test_untrusted_certificate_is_temporary_and_nothing_is_sent(certificate: Certificate) -> None:
    with smtp_servers.ok(starttls=certificate.server_context()) as server:
        result = send(server, security="starttls")  # system trust store: the cert is unknown
        assert result.outcome is SendOutcome.TEMPORARY, result
        assert "TLS" in result.detail
        assert server.messages == []


def test_stall_before_data_is_temporary() -> None:
    with smtp_servers.slow(60, stage="ehlo") as server:
        result = send(server, timeout=SLOW_TIMEOUT)
        assert result.outcome is SendOutcome.TEMPORARY, result
        assert server.messages == []


def test_deferred_recipient_defers_the_whole_message() -> None:
    # Sending to the others now would leave the deferred one without a copy on retry.
    with smtp_servers.refuse_recipients({"bob@example.com": "450 4.2.0 mailbox busy"}) as server:
        result = send(server, recipients=["alice@example.com", "bob@example.com"])
        assert result.outcome is SendOutcome.TEMPORARY, result
        assert "bob@example.com" in result.detail
        assert server.messages == []


# ------------------------------------------------------------------ permanent


def test_550_after_data_is_permanent_with_the_servers_text() -> None:
    with smtp_servers.reply_after_data(550, "5.7.1 Message rejected as spam") as server:
        result = send(server)
    assert result.outcome is SendOutcome.PERMANENT
    assert result.code == 550
    assert "5.7.1 Message rejected as spam" in result.detail
    assert_one_line_without_secrets(result)


def test_wrong_password_is_permanent_login_rejected_without_the_password() -> None:
    with smtp_servers.auth_required(USER, "the-right-one") as server:
        result = send(server)
        assert server.messages == []
    assert result.outcome is SendOutcome.PERMANENT
    assert result.code == 535
    assert "login rejected" in result.detail
    assert USER in result.detail
    assert_one_line_without_secrets(result)


def test_all_recipients_refused_is_permanent() -> None:
    refusals = {"alice@example.com": "550 5.1.1 no such user"}
    with smtp_servers.refuse_recipients(refusals) as server:
        result = send(server)
        assert server.messages == []
    assert result.outcome is SendOutcome.PERMANENT
    assert result.code == 550
    assert "alice@example.com" in result.detail
    assert "no such user" in result.detail


def test_one_refused_recipient_does_not_stop_the_others() -> None:
    refusals = {"bob@example.com": "550 5.1.1 no such user"}
    with smtp_servers.refuse_recipients(refusals) as server:
        result = send(server, recipients=["alice@example.com", "bob@example.com"])
        assert result.outcome is SendOutcome.SENT, result
        assert "bob@example.com" in result.detail
        only_copy(server)


def test_starttls_not_offered_is_permanent() -> None:
    with smtp_servers.ok() as server:
        result = send(server, security="starttls")
        assert result.outcome is SendOutcome.PERMANENT
        assert "STARTTLS" in result.detail
        assert server.messages == []


def test_no_recipients_is_permanent() -> None:
    with smtp_servers.ok() as server:
        assert send(server, recipients=[]).outcome is SendOutcome.PERMANENT


# ------------------------------------------------------------------ unknown


def test_drop_after_data_is_unknown_and_the_server_did_get_it() -> None:
    with smtp_servers.drop_after_data() as server:
        result = send(server)
        assert result.outcome is SendOutcome.UNKNOWN, result
        assert result.code is None
        assert "may have been delivered" in result.detail
        assert_one_line_without_secrets(result)
        # Delivered without a 250: exactly why the outbox checks Sent before resending.
        only_copy(server)


def test_stall_after_data_is_unknown() -> None:
    with smtp_servers.slow(60, stage="data") as server:
        result = send(server, timeout=SLOW_TIMEOUT)
        assert result.outcome is SendOutcome.UNKNOWN, result
        only_copy(server)


# ------------------------------------------------------------------ the servers themselves


@pytest.mark.parametrize(
    "variant",
    [
        smtp_servers.ok,
        smtp_servers.connect_421,
        smtp_servers.drop_after_data,
        lambda: smtp_servers.reply_after_data(451, "later"),
        lambda: smtp_servers.auth_required("u", "p"),
        lambda: smtp_servers.slow(60),
    ],
)
def test_servers_use_distinct_ports_and_stop_cleanly(
    variant: Callable[[], AbstractContextManager[SmtpServer]],
) -> None:
    threads = threading.active_count()
    with variant() as first, variant() as second:
        assert first.port != second.port
        assert threading.active_count() == threads + 2  # one server thread each
    assert threading.active_count() == threads


# --- check_login: doctor's login without sending ----------------------------------------


def test_check_login_logs_in_and_sends_nothing() -> None:
    """issue 9 finding 15: doctor logs in to SMTP (AUTH) the way delivery does."""
    with smtp_servers.auth_required(USER, PASSWORD) as server:
        result = check_login(config(server), PASSWORD, timeout=TIMEOUT)
        assert server.logins and server.messages == []
    assert result.ok, result.detail
    assert f"accepted the login for {USER}" in result.detail


def test_check_login_with_a_wrong_password_fails_without_the_password() -> None:
    """issue 9 finding 15: a wrong password failed only at the first reply, never in doctor."""
    with smtp_servers.auth_required(USER, "the-right-one") as server:
        result = check_login(config(server), PASSWORD, timeout=TIMEOUT)
        assert server.messages == []
    assert not result.ok
    assert "login rejected" in result.detail and "535" in result.detail
    assert PASSWORD not in result.detail and "\n" not in result.detail


def test_check_login_over_starttls(tmp_path: Path) -> None:
    cert = smtp_servers.make_certificate(tmp_path)
    with smtp_servers.ok(starttls=cert.server_context()) as server:
        result = check_login(
            config(server, "starttls"),
            PASSWORD,
            timeout=TIMEOUT,
            ssl_context=cert.client_context(),
        )
        assert server.logins == [("PLAIN", USER)] and server.messages == []
    assert result.ok, result.detail


def test_check_login_to_a_closed_port_fails_at_once() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    smtp = SmtpConfig(host="127.0.0.1", port=port, security="none", username=USER)
    result = check_login(smtp, PASSWORD, timeout=TIMEOUT)
    assert not result.ok and "connection refused" in result.detail.lower()

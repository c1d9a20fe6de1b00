"""Replies through the outbox against real SMTP (aiosmtpd) and IMAP servers: exactly once."""

from __future__ import annotations

import email
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from deskterm.sync.faults import CRASH_ENV
from tests.servers import smtp_servers
from tests.servers.imap_servers import ImapServer
from tests.servers.smtp_servers import SmtpServer
from tests.sync.conftest import dt, dt_json, dt_process, write_config
from tests.sync.mail import customer_mail


def first_ticket(config: Path) -> dict[str, Any]:
    tickets = dt_json("--config", str(config), "tickets", "--view", "All", "--json")
    assert tickets
    return tickets[0]  # type: ignore[no-any-return]


def synced(imap: ImapServer, config: Path, raw: bytes | None = None) -> int:
    imap.append("INBOX", raw or customer_mail(1, to=imap.username))
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 0, out + err
    return int(first_ticket(config)["id"])


def delivery(config: Path, ticket_id: int) -> dict[str, Any]:
    shown = dt_json("--config", str(config), "show", str(ticket_id), "--json")
    outs = [m for m in shown["messages"] if m["direction"] == "out"]
    assert outs
    return outs[-1]  # type: ignore[no-any-return]


def parsed(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=policy.default)  # type: ignore[return-value]


def test_reply_is_delivered_once_threaded_and_filed(imap: ImapServer, tmp_path: Path) -> None:
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp)
        tid = synced(imap, config)
        code, out, err = dt(
            "--config", str(config), "reply", str(tid), "--body", "Halo Kak, sudah dikirim 🙏"
        )
        assert code == 0, out + err
        assert "delivery: sent" in out
        assert len(smtp.messages) == 1
        sent = parsed(smtp.messages[0].content)
        assert sent["Subject"].startswith("Re: ") and sent["In-Reply-To"] == "<m1@example.com>"
        assert sent["From"].addresses[0].addr_spec == imap.username
        assert smtp.messages[0].rcpt_tos == ["customer1@example.com"]
        assert "sudah dikirim 🙏" in sent.get_content()
        message = delivery(config, tid)
        assert message["delivery"]["state"] == "sent"
        assert f"<{message['external_id']}>" == sent["Message-ID"]
        # A copy is filed in Sent, and nothing is sent twice by later passes.
        assert message["external_id"] in imap.message_ids("Sent").values()
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 1


def test_header_injection_subject_sends_as_one_line(imap: ImapServer, tmp_path: Path) -> None:
    hostile = customer_mail(7, to=imap.username, subject="=?utf-8?q?Hi=0ABcc:_x@evil.test?=")
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp)
        tid = synced(imap, config, hostile)
        assert dt("--config", str(config), "reply", str(tid), "--body", "hello")[0] == 0
        assert len(smtp.messages) == 1
        assert smtp.messages[0].rcpt_tos == ["customer7@example.com"]
        sent = parsed(smtp.messages[0].content)
        assert len(sent.get_all("Subject") or []) == 1 and sent["Bcc"] is None
        header_block = smtp.messages[0].content.split(b"\r\n\r\n", 1)[0]
        assert b"\nBcc:" not in header_block and b"x@evil.test" in header_block


def test_temporary_failure_is_retried_with_the_same_message_id(
    imap: ImapServer, tmp_path: Path
) -> None:
    with smtp_servers.reply_after_data(451, "4.3.0 try again later") as busy:
        config = write_config(tmp_path / "config.toml", imap, busy)
        tid = synced(imap, config)
        code, out, _ = dt("--config", str(config), "reply", str(tid), "--body", "hi")
        assert code == 0 and "delivery: queued" in out and "451" in out
    first_id = parsed(busy.messages[0].content)["Message-ID"]
    with smtp_servers.ok() as smtp:
        config = write_config(config, imap, smtp)
        _make_due(config)
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 1
        assert parsed(smtp.messages[0].content)["Message-ID"] == first_id
    assert delivery(config, tid)["delivery"]["attempts"] == 2


def test_permanent_failure_is_shown_with_the_reason(imap: ImapServer, tmp_path: Path) -> None:
    with smtp_servers.reply_after_data(550, "5.7.1 relaying denied") as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp)
        tid = synced(imap, config)
        code, out, _ = dt("--config", str(config), "reply", str(tid), "--body", "hi")
        assert code == 1 and "delivery: failed" in out and "relaying denied" in out
        assert dt("--config", str(config), "sync", "--once")[0] == 0  # never retried
        assert len(smtp.messages) == 1
    assert delivery(config, tid)["delivery"]["state"] == "failed"


def test_drop_after_data_is_resolved_from_the_sent_folder(imap: ImapServer, tmp_path: Path) -> None:
    with smtp_servers.drop_after_data() as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp, sent_copy="server")
        tid = synced(imap, config)
        _, out, _ = dt("--config", str(config), "reply", str(tid), "--body", "hi")
        assert "delivery: unknown" in out
        assert len(smtp.messages) == 1  # it did arrive
        # The provider filed it in Sent (as Gmail does): the next pass finds it there.
        imap.append("Sent", smtp.messages[0].content)
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 1
    assert delivery(config, tid)["delivery"]["state"] == "sent"


def test_unknown_not_in_sent_is_resent_with_the_same_message_id(
    imap: ImapServer, tmp_path: Path
) -> None:
    with smtp_servers.drop_after_data() as dropped:
        config = write_config(tmp_path / "config.toml", imap, dropped, sent_copy="server")
        tid = synced(imap, config)
        dt("--config", str(config), "reply", str(tid), "--body", "hi")
    with smtp_servers.ok() as smtp:
        config = write_config(config, imap, smtp, sent_copy="server")
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 1
        assert (
            parsed(smtp.messages[0].content)["Message-ID"]
            == parsed(dropped.messages[0].content)["Message-ID"]
        )
    assert delivery(config, tid)["delivery"]["state"] == "sent"


def _make_due(config: Path) -> None:
    db = sqlite3.connect(config.parent / "store" / "deskterm.db")
    db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01 00:00:00.000000'")
    db.commit()
    db.close()


@contextmanager
def filing_smtp(imap: ImapServer) -> Iterator[SmtpServer]:
    """An SMTP server that files every accepted message in the IMAP Sent folder (like Gmail)."""

    class Filing(smtp_servers._Recorder):
        async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
            self.record(envelope)
            imap.append("Sent", envelope.original_content or b"")
            return "250 2.0.0 OK: queued"

    with smtp_servers._serve(Filing()) as server:
        yield server


OUTBOX_POINTS = ("outbox.sending", "outbox.accepted", "outbox.filed", "outbox.sent")


@pytest.mark.slow
@pytest.mark.parametrize("point", OUTBOX_POINTS)
def test_killed_at_each_outbox_step_delivers_exactly_once(
    pymap: ImapServer, tmp_path: Path, point: str
) -> None:
    imap = pymap  # the kill matrix runs on pymap; Dovecot covers the protocol tests
    with filing_smtp(imap) as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp, sent_copy="server")
        tid = synced(imap, config)
        for round_ in range(3):
            killed = dt_process(
                "--config",
                str(config),
                "reply",
                str(tid),
                "--body",
                f"round {round_}",
                env={CRASH_ENV: point},
            )
            assert killed.returncode == -9, killed.stdout + killed.stderr
            again = dt_process("--config", str(config), "sync", "--once")
            assert again.returncode == 0, again.stdout + again.stderr
        ids = [parsed(m.content)["Message-ID"] for m in smtp.messages]
        assert len(ids) == 3 and len(set(ids)) == 3, ids
        states = {
            m["delivery"]["state"]
            for m in dt_json("--config", str(config), "show", str(tid), "--json")["messages"]
            if m["delivery"]
        }
        assert states == {"sent"}

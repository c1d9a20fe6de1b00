"""CSAT over email end to end (issue 15 item 2): an agent closes a ticket, the sync sends
the survey through a real SMTP server (aiosmtpd), the customer's rating comes back over
real IMAP (Dovecot, pymap) and is stored once, and the ticket stays closed."""

from __future__ import annotations

import email
import sqlite3
from datetime import UTC, datetime
from email import policy
from email.utils import format_datetime
from pathlib import Path

from deskterm.automation.csat_survey import SURVEYS
from tests.servers import smtp_servers
from tests.servers.imap_servers import ImapServer
from tests.sync.conftest import dt, dt_json, write_config
from tests.sync.mail import customer_mail

CSAT = '\n[csat]\nenabled = true\ndelay = "0m"\n'


def reply_to_survey(survey: email.message.EmailMessage, body: str, n: int) -> bytes:
    """The customer's answer as a mail app writes it: quoting the survey under it."""
    lines = [
        "From: Customer 7 <customer7@example.com>",
        f"To: {survey['From']}",
        f"Subject: Re: {survey['Subject']}",
        f"Date: {format_datetime(datetime.now(UTC))}",
        f"Message-ID: <answer{n}@example.com>",
        f"In-Reply-To: {survey['Message-ID']}",
        f"References: {survey['References'] or ''} {survey['Message-ID']}".strip(),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        body,
        "",
        f"On {survey['Date']}, Support wrote:",
        *(f"> {line}" for line in survey.get_content().splitlines()),
        "",
    ]
    return "\r\n".join(lines).encode()


def events(config: Path, kind: str) -> int:
    with sqlite3.connect(config.parent / "store" / "deskterm.db") as conn:
        row = conn.execute("SELECT count(*) FROM event WHERE kind = ?", (kind,)).fetchone()
    return int(row[0])


def test_survey_on_close_rating_by_reply_stored_once_ticket_stays_closed(
    imap: ImapServer, tmp_path: Path
) -> None:
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp)
        config.write_text(config.read_text() + CSAT)
        imap.append("INBOX", customer_mail(1, to=imap.username, customer=7))
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        [ticket] = dt_json("--config", str(config), "tickets", "--json")
        code, out, err = dt("--config", str(config), "close", str(ticket["id"]))
        assert code == 0, err
        code, out, err = dt("--config", str(config), "sync", "--once")
        assert code == 0, out + err
        assert len(smtp.messages) == 1, out + err
        survey = email.message_from_bytes(smtp.messages[0].content, policy=policy.default)
        assert survey["Auto-Submitted"] == "auto-replied"
        assert survey["In-Reply-To"] == "<m1@example.com>"
        assert smtp.messages[0].rcpt_tos == ["customer7@example.com"]
        # In the customer's language (this mail is mostly Indonesian).
        assert ticket["language"] == "id"
        assert SURVEYS["id"] in " ".join(survey.get_content().split())
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 1  # one survey per ticket, whatever the passes

        imap.append("INBOX", reply_to_survey(survey, "4/5 fast delivery", 1))
        code, out, err = dt("--config", str(config), "sync", "--once")
        assert code == 0, out + err
        shown = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")
        assert shown["status"] == "closed"
        assert shown["csat"]["score"] == 4
        assert shown["csat"]["comment"] == "fast delivery"
        assert shown["csat"]["answered_at"].endswith("Z")
        bodies = [m["body_text"] for m in shown["messages"] if m["direction"] == "in"]
        assert bodies[-1].startswith("4/5 fast delivery")  # in the conversation
        assert events(config, "survey.answered") == 1

        # A second answer is an ordinary message (it reopens; the rating stays 4).
        imap.append("INBOX", reply_to_survey(survey, "1", 2))
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        shown = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")
        assert shown["csat"]["score"] == 4 and shown["status"] == "open"
        assert events(config, "survey.answered") == 1
        assert len(smtp.messages) == 1


def test_stats_show_the_survey_figures(imap: ImapServer, tmp_path: Path) -> None:
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp)
        config.write_text(config.read_text() + CSAT)
        for n in (1, 2):
            imap.append("INBOX", customer_mail(n, to=imap.username, customer=n))
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        for ticket in dt_json("--config", str(config), "tickets", "--json"):
            assert dt("--config", str(config), "close", str(ticket["id"]))[0] == 0
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 2
    stats = dt_json("--config", str(config), "stats", "--since", "1d", "--json")
    assert stats["metrics"]["csat"] == {
        "score": None,
        "average": None,
        "responses": 0,
        "sent": 2,
        "response_rate": 0.0,
    }

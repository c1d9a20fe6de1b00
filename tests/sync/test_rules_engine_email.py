"""Rules end to end on email: a customer's mail arrives over real IMAP (pymap, Dovecot),
a rule answers it through a real SMTP server (aiosmtpd), exactly once: across passes,
across a SIGKILL at every step of the runner, and never to machine-generated mail."""

from __future__ import annotations

import email
import json
import os
import signal
import sqlite3
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest

from deskterm.sync.faults import CRASH_ENV
from tests.servers import smtp_servers
from tests.servers.imap_servers import ImapServer
from tests.sync.conftest import dt, dt_process, write_config
from tests.sync.mail import customer_mail
from tests.sync.test_outbox import filing_smtp

MACROS = """\
[[macros]]
name = "where-is-my-order"
body = "Hi {{ ticket.customer.firstname }}, your parcel is on its way."
"""
RULES = """\
[[rules]]
name = "WISMO auto-answer"
enabled = true
when = ["message.created"]
if = 'message.from:customer AND NOT tag:auto-answered'
then = [{ reply = "where-is-my-order" }, { tag = ["auto-answered"] }]
"""


def setup_rules(config: Path, rules: str = RULES) -> None:
    for kind, text in (("macros", MACROS), ("rules", rules)):
        path = config.parent / f"{kind}.toml"
        path.write_text(text)
        code, out, err = dt("--config", str(config), kind, "import", str(path))
        assert code == 0, out + err


def db_rows(config: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(config.parent / "store" / "deskterm.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def rule_replies(config: Path) -> list[tuple[object, ...]]:
    return db_rows(
        config,
        "SELECT m.ticket_id, m.author, o.state FROM message m JOIN outbox o ON o.message_id = m.id"
        " WHERE m.auto_submitted = 1 AND m.direction = 'out'",
    )


def test_a_rule_answers_a_mail_once_marked_auto_replied(imap: ImapServer, tmp_path: Path) -> None:
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp)
        setup_rules(config)
        imap.append("INBOX", customer_mail(1, to=imap.username, customer=7))
        code, out, err = dt("--config", str(config), "sync", "--once")
        assert code == 0, out + err
        assert len(smtp.messages) == 1, out
        sent = email.message_from_bytes(smtp.messages[0].content, policy=policy.default)
        assert sent["Auto-Submitted"] == "auto-replied"
        assert sent["In-Reply-To"] == "<m1@example.com>"
        assert smtp.messages[0].rcpt_tos == ["customer7@example.com"]
        assert "Hi Customer, your parcel is on its way." in sent.get_content()
        # A second pass (and a third) sends nothing more.
        for _ in range(2):
            assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 1
    [(ticket, author, state)] = rule_replies(config)
    assert author == "rule:WISMO auto-answer" and state == "sent"
    notes = db_rows(
        config, f"SELECT body_text FROM message WHERE ticket_id = {ticket} AND direction = 'note'"
    )
    assert notes == [
        ("Rule 'WISMO auto-answer' replied with macro 'where-is-my-order'; tagged auto-answered",)
    ]


GUARDED = {
    "auto-submitted": ("Auto-Submitted: auto-replied",),
    "precedence-bulk": ("Precedence: bulk",),
    "list-id": ("List-Id: <news.example.com>",),
    "list-unsubscribe": ("List-Unsubscribe: <mailto:leave@example.com>",),
}


@pytest.mark.parametrize("case", sorted(GUARDED))
def test_no_auto_reply_to_automatic_mail(pymap: ImapServer, tmp_path: Path, case: str) -> None:
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", pymap, smtp)
        setup_rules(config)
        raw = customer_mail(2, to=pymap.username, extra_headers=GUARDED[case])
        pymap.append("INBOX", raw)
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert smtp.messages == []
    notes = db_rows(config, "SELECT body_text FROM message WHERE direction = 'note'")
    assert notes == [
        (
            "Rule 'WISMO auto-answer' tagged auto-answered; did not reply: the customer's"
            " message is auto-generated (RFC 3834)",
        )
    ]


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example.com", "postmaster@example.com", "noreply@example.com"]
)
def test_no_auto_reply_to_bounces_and_no_reply_senders(
    pymap: ImapServer, tmp_path: Path, sender: str
) -> None:
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", pymap, smtp)
        setup_rules(config)
        raw = customer_mail(3, to=pymap.username).replace(
            b"Customer 3 <customer3@example.com>", f"System <{sender}>".encode()
        )
        pymap.append("INBOX", raw)
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert smtp.messages == []
    [(note,)] = db_rows(config, "SELECT body_text FROM message WHERE direction = 'note'")
    assert f"did not reply: {sender.lower()} is a bounce or no-reply address" in str(note)


def test_one_auto_reply_per_ticket_per_day(pymap: ImapServer, tmp_path: Path) -> None:
    every_message = RULES.replace(" AND NOT tag:auto-answered", "")
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", pymap, smtp)
        setup_rules(config, every_message)
        pymap.append("INBOX", customer_mail(1, to=pymap.username))
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        pymap.append("INBOX", customer_mail(2, to=pymap.username, reply_to_n=1, customer=1))
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 1  # the customer's follow-up is not answered again
        unlimited = every_message.replace(
            '{ reply = "where-is-my-order" }', '{ reply = "where-is-my-order", limit = false }'
        )
        setup_rules(config, unlimited)
        pymap.append("INBOX", customer_mail(3, to=pymap.username, reply_to_n=2, customer=1))
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 2


RUNNER_STEPS = ("rules.evaluated", "rules.acted", "rules.committed", "rules.cursor")


@pytest.mark.slow
@pytest.mark.parametrize("point", [*RUNNER_STEPS, "outbox.sending", "outbox.accepted"])
def test_kill_at_every_step_sends_the_reply_exactly_once(
    pymap: ImapServer, tmp_path: Path, point: str
) -> None:
    # As the outbox's own kill tests: the server files what it accepts in Sent (like
    # Gmail), which is how a delivery killed after the server's 250 is found again.
    with filing_smtp(pymap) as smtp:
        config = write_config(tmp_path / "config.toml", pymap, smtp, sent_copy="server")
        setup_rules(config)
        pymap.append("INBOX", customer_mail(1, to=pymap.username))
        killed = dt_process("--config", str(config), "sync", "--once", env={CRASH_ENV: point})
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
        for _ in range(2):
            done = dt_process("--config", str(config), "sync", "--once")
            assert done.returncode == 0, done.stdout + done.stderr
        assert len(smtp.messages) == 1, point
    [(_, _, state)] = rule_replies(config)
    assert state == "sent"
    assert db_rows(config, "SELECT rule_name FROM rulerun") == [("WISMO auto-answer",)]


def test_a_cli_action_runs_the_rules_at_once_when_no_sync_runs(
    pymap: ImapServer, tmp_path: Path
) -> None:
    vip = """\
[[rules]]
name = "VIP welcome"
enabled = true
when = ["ticket.updated"]
if = "tag:vip"
then = [{ reply = "where-is-my-order" }, { priority = "high" }]
"""
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", pymap, smtp)
        pymap.append("INBOX", customer_mail(1, to=pymap.username))
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        setup_rules(config, vip)
        [(ticket,)] = db_rows(config, "SELECT id FROM ticket")
        code, out, err = dt("--config", str(config), "tag", str(ticket), "vip")
        assert code == 0, out + err
        assert "rules: 1 ran, 1 reply queued" in out
        assert len(smtp.messages) == 1  # delivered by the tag command itself
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert len(smtp.messages) == 1
    assert db_rows(config, "SELECT priority FROM ticket") == [("high",)]


def test_the_daemon_runs_rules_on_new_mail_and_on_cli_actions(
    pymap: ImapServer, tmp_path: Path
) -> None:
    from tests.sync.test_daemon import wait_for

    both = (
        RULES
        + """
[[rules]]
name = "VIP"
enabled = true
when = ["ticket.updated"]
if = "tag:vip"
then = [{ priority = "urgent" }]
"""
    )
    log = tmp_path / "daemon.log"
    with smtp_servers.ok() as smtp, log.open("w") as sink:
        config = write_config(tmp_path / "config.toml", pymap, smtp, poll_seconds=5)
        setup_rules(config, both)
        daemon = subprocess.Popen(
            [sys.executable, "-m", "deskterm", "--config", str(config), "sync"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ),
        )
        try:
            pymap.append("INBOX", customer_mail(1, to=pymap.username))
            wait_for(lambda: len(smtp.messages) == 1, 120, "the rule's reply", log)
            [(ticket,)] = db_rows(config, "SELECT id FROM ticket")
            code, out, err = dt("--config", str(config), "tag", str(ticket), "vip")
            assert code == 0 and "rules:" not in out, out + err  # the daemon runs them
            wait_for(
                lambda: db_rows(config, "SELECT priority FROM ticket") == [("urgent",)],
                30,
                "the daemon to run the VIP rule",
                log,
            )
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
        assert "Traceback" not in log.read_text(errors="replace")
        assert len(smtp.messages) == 1


@pytest.mark.slow
@pytest.mark.parametrize(("point", "runs"), [("rules.committed", 0), ("rules.command_ran", 1)])
def test_a_command_runs_at_most_once_across_kills(
    pymap: ImapServer, tmp_path: Path, point: str, runs: int
) -> None:
    """A program cannot be rolled back: it is recorded first and run after, so a kill
    before it ran means it never runs, and a kill after it ran never runs it again."""
    hook = tmp_path / "hook.py"
    ran = tmp_path / "ran.txt"
    hook.write_text(
        f"import json, sys\nevent = json.load(sys.stdin)\n"
        f"open({str(ran)!r}, 'a').write(event['event'] + '\\n')\n"
    )
    argv = json.dumps([sys.executable, str(hook)])
    rules = (
        '[[rules]]\nname = "Hook"\nenabled = true\nwhen = ["message.created"]\nif = "*"\n'
        f"then = [{{ command = {argv} }}]\n"
    )
    config = write_config(tmp_path / "config.toml", pymap)
    setup_rules(config, rules)
    pymap.append("INBOX", customer_mail(1, to=pymap.username))
    killed = dt_process("--config", str(config), "sync", "--once", env={CRASH_ENV: point})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    for _ in range(2):
        done = dt_process("--config", str(config), "sync", "--once")
        assert done.returncode == 0, done.stdout + done.stderr
    lines = ran.read_text().splitlines() if ran.exists() else []
    assert lines == ["message.created"] * runs
    assert db_rows(config, "SELECT count(*) FROM rulerun") == [(1,)]

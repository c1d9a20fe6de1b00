"""Issue 10 item 9: replies go out under the channel's from_name, never its internal name."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

from tests.servers import smtp_servers
from tests.servers.imap_servers import ImapServer
from tests.sync.conftest import dt, dt_json, write_config
from tests.sync.mail import customer_mail


def sent_reply(
    imap: ImapServer, path: Path, *, no_user_name: bool = False, **channel: str
) -> tuple[EmailMessage, bytes]:
    """Sync one customer mail, reply to it through a real aiosmtpd; the parsed reply and
    its raw From header line (unfolded)."""
    with smtp_servers.ok() as smtp:
        config = write_config(path, imap, smtp, **channel)
        if no_user_name:
            text = config.read_text(encoding="utf-8").replace('name = "Dewi"\n', "")
            config.write_text(text, encoding="utf-8")
        imap.append("INBOX", customer_mail(1, to=imap.username))
        code, out, err = dt("--config", str(config), "sync", "--once")
        assert code == 0, out + err
        tickets = dt_json("--config", str(config), "tickets", "--view", "All", "--json")
        ticket = str(tickets[0]["id"])
        code, out, err = dt("--config", str(config), "reply", ticket, "--body", "Sudah dikirim")
        assert code == 0 and "delivery: sent" in out, out + err
        assert len(smtp.messages) == 1
        raw = smtp.messages[0].content
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ")
    line = next(line for line in head.split(b"\r\n") if line.startswith(b"From: "))
    return message, line


def test_default_from_name_is_the_user_not_the_channel(pymap: ImapServer, tmp_path: Path) -> None:
    """issue 10 item 9: with no from_name the reply is from the [user] name ("Dewi"), not
    from the channel's name "support"."""
    message, line = sent_reply(pymap, tmp_path / "config.toml")
    sender = message["From"].addresses[0]
    assert sender.addr_spec == pymap.username
    assert sender.display_name == "Dewi"
    assert b"support <" not in line


def test_from_name_is_used_and_encoded(pymap: ImapServer, tmp_path: Path) -> None:
    """issue 10 item 9: a non-ASCII from_name travels as one RFC 2047 encoded word and
    reads back exactly; the header line itself stays ASCII."""
    name = "Kopi Nusantara — Dewi, Ñ ☕"
    message, line = sent_reply(pymap, tmp_path / "config.toml", from_name=name)
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (name, pymap.username)
    assert line.isascii() and b"=?utf-8?" in line
    assert b"support" not in line.split(b"<")[0]


def test_empty_from_name_sends_the_bare_address(pymap: ImapServer, tmp_path: Path) -> None:
    """issue 10 item 9: without a [user] name and a from_name, the bare address is used
    (never the channel name, never a login name)."""
    message, line = sent_reply(pymap, tmp_path / "config.toml", no_user_name=True)
    assert message["From"].addresses[0].display_name == ""
    assert line == f"From: {pymap.username}".encode()


def test_from_name_must_be_one_line(pymap: ImapServer, tmp_path: Path) -> None:
    """issue 10 item 9: a from_name with a line break is a config error naming the key."""
    config = write_config(tmp_path / "config.toml", pymap, from_name="Kopi\nBcc: x@evil.test")
    code, _out, err = dt("--config", str(config), "tickets")
    assert code == 2
    assert "from_name" in err and len(err.strip().splitlines()) == 1, err


def test_a_reply_goes_from_the_alias_the_customer_wrote_to(
    pymap: ImapServer, tmp_path: Path
) -> None:
    """issue 16 item 3: with aliases, a customer who wrote to sales@ gets the reply from
    sales@ (header and envelope); one who wrote to the main address gets it from that."""
    alias = "Sales@Kopi.test"
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", pymap, smtp, aliases=[alias])
        pymap.append("INBOX", customer_mail(1, to=f"Kopi Sales <{alias.lower()}>"))
        pymap.append("INBOX", customer_mail(2, to=pymap.username))
        code, out, err = dt("--config", str(config), "sync", "--once")
        assert code == 0, out + err
        tickets = dt_json("--config", str(config), "tickets", "--view", "All", "--json")
        by_subject = {t["subject"]: str(t["id"]) for t in tickets}
        assert len(by_subject) == 2
        for ticket in sorted(by_subject.values()):
            code, out, err = dt("--config", str(config), "reply", ticket, "--body", "Siap kak")
            assert code == 0 and "delivery: sent" in out, out + err
        senders = {}
        for sent in smtp.messages:
            parsed = email.message_from_bytes(sent.content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            senders[parsed["To"].addresses[0].addr_spec] = (
                parsed["From"].addresses[0].addr_spec,
                sent.mail_from,
            )
    assert senders == {
        "customer1@example.com": (alias, alias),
        "customer2@example.com": (pymap.username, pymap.username),
    }
    # The alias is the shop's own address: the copy filed in Sent is no customer.
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 0, out + err
    assert len(dt_json("--config", str(config), "tickets", "--view", "All", "--json")) == 2

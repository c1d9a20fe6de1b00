"""Contact-form mail belongs to the person in its Reply-To (issue 9 finding 6): synced from
a real IMAP server, shown with that customer, answered at that address over real SMTP."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from tests.servers import smtp_servers
from tests.servers.imap_servers import ImapServer
from tests.sync.conftest import dt, dt_json, write_config


def form_mail(n: int, sender: str, reply_to: str, subject: str, *, to: str) -> bytes:
    when = datetime(2026, 3, 2, 9, n, tzinfo=UTC)
    return "\r\n".join(
        [
            f"From: {sender}",
            f"To: {to}",
            f"Reply-To: {reply_to}",
            f"Subject: {subject}",
            f"Date: {format_datetime(when)}",
            f"Message-ID: <form{n}@forms.example>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "",
            f"Name: visitor {n}\r\nMessage: where is my order {n}?",
            "",
        ]
    ).encode()


def test_form_submissions_are_the_reply_to_persons_tickets_and_replies_go_there(
    pymap: ImapServer, tmp_path: Path
) -> None:
    """issue 9 finding 6: two customers' form submissions with the same subject are two
    tickets, each of its Reply-To person; the reply's recipient is that address."""
    imap = pymap
    domain = imap.username.partition("@")[2]
    to = imap.username
    imap.append_many(
        "INBOX",
        [
            form_mail(
                1,
                f'"Shop Forms" <forms@{domain}>',
                '"Rina" <rina@cafe.test>',
                "Contact form: new message",
                to=to,
            ),
            form_mail(
                2,
                f'"Shop Forms" <forms@{domain}>',
                "tom@bean.test",
                "Contact form: new message",
                to=to,
            ),
            form_mail(
                3,
                '"Shopify" <mailer@shopify.com>',
                "Ayu <ayu@teh.test>",
                "New customer message",
                to=to,
            ),
            form_mail(
                4,
                '"Shopify" <mailer@shopify.com>',
                "Budi <budi@kopi.test>",
                "New customer message",
                to=to,
            ),
        ],
    )
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp, gmail_grouping=True)
        code, out, err = dt("--config", str(config), "sync", "--once")
        assert code == 0, out + err
        tickets = dt_json("--config", str(config), "tickets", "--view", "All", "--json")
        by_customer = {t["customer"]["email"]: t for t in tickets}
        assert set(by_customer) == {
            "rina@cafe.test",
            "tom@bean.test",
            "ayu@teh.test",
            "budi@kopi.test",
        }
        assert by_customer["rina@cafe.test"]["customer"]["name"] == "Rina"
        rina = by_customer["rina@cafe.test"]["id"]
        shown = dt_json("--config", str(config), "show", str(rina), "--json")
        assert shown["customer"]["email"] == "rina@cafe.test"
        (message,) = shown["messages"]
        assert message["direction"] == "in" and message["author"] == "Rina via Shop Forms"

        code, out, err = dt("--config", str(config), "reply", str(rina), "--body", "Halo Rina")
        assert code == 0, out + err
        assert [m.rcpt_tos for m in smtp.messages] == [["rina@cafe.test"]]
        ayu = by_customer["ayu@teh.test"]["id"]
        assert dt("--config", str(config), "reply", str(ayu), "--body", "Halo Ayu")[0] == 0
        assert smtp.messages[-1].rcpt_tos == ["ayu@teh.test"]

"""Files out with a reply (issue 16 item 2, the email part): `deskterm reply --attach`
through a real SMTP server (aiosmtpd) after a real IMAP sync; the files kept, shown and
sent as MIME parts, held to the channel's limit before anything is queued."""

from __future__ import annotations

import email
import sqlite3
from email import policy
from pathlib import Path

from deskterm.channels.email.compose import build_reply
from deskterm.domain.files_to_send import MIB, FileToSend, sent_size
from deskterm.domain.messages import Party
from tests.servers import smtp_servers
from tests.servers.imap_servers import ImapServer
from tests.sync.conftest import dt, dt_json, write_config
from tests.sync.mail import customer_mail

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40  # binary: every byte value
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 300


def outbox_rows(config: Path) -> int:
    with sqlite3.connect(config.parent / "store" / "deskterm.db") as conn:
        return int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])


def test_files_go_out_with_the_reply_and_show_on_it(imap: ImapServer, tmp_path: Path) -> None:
    chart = tmp_path / "größentabelle.pdf"
    chart.write_bytes(PDF)
    label = tmp_path / "label.png"
    label.write_bytes(PNG)
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp)
        imap.append("INBOX", customer_mail(1, to=imap.username, customer=7))
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        [ticket] = dt_json("--config", str(config), "tickets", "--json")
        code, out, err = dt(
            "--config", str(config), "reply", str(ticket["id"]), "--body", "Here they are.",
            "--attach", str(chart), "--attach", str(label),
        )  # fmt: skip
        assert code == 0, out + err
        assert len(smtp.messages) == 1
        sent = email.message_from_bytes(smtp.messages[0].content, policy=policy.default)
        assert sent.get_content_type() == "multipart/mixed"
        body = sent.get_body(preferencelist=("plain",))
        assert body is not None and "Here they are." in body.get_content()
        files = {part.get_filename(): part for part in sent.iter_attachments()}
        assert set(files) == {"größentabelle.pdf", "label.png"}
        assert files["größentabelle.pdf"].get_content() == PDF  # byte for byte
        assert files["größentabelle.pdf"].get_content_type() == "application/pdf"
        assert files["label.png"].get_content() == PNG
        assert "filename*=utf-8''gr%C3%B6%C3%9Fentabelle.pdf" in smtp.messages[0].content.decode()

        shown = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")
        [reply] = [m for m in shown["messages"] if m["direction"] == "out"]
        assert [(a["filename"], a["size"]) for a in reply["attachments"]] == [
            ("größentabelle.pdf", len(PDF)),
            ("label.png", len(PNG)),
        ]
        assert reply["attachments"][1]["content_type"] == "image/png"
        code, text, _ = dt("--config", str(config), "show", str(ticket["id"]))
        assert code == 0 and "größentabelle.pdf" in text


def test_too_much_or_a_missing_file_is_one_line_and_nothing_is_queued(
    imap: ImapServer, tmp_path: Path
) -> None:
    big = tmp_path / "video.mp4"
    big.write_bytes(b"\x00" * (MIB - 1000))  # under 1 MiB on disk, over it as base64
    with smtp_servers.ok() as smtp:
        config = write_config(tmp_path / "config.toml", imap, smtp)
        text = config.read_text(encoding="utf-8")
        config.write_text(
            text.replace('type = "email"\n', 'type = "email"\nmax_attachment_mb = 1\n', 1),
            encoding="utf-8",
        )
        imap.append("INBOX", customer_mail(1, to=imap.username, customer=7))
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        [ticket] = dt_json("--config", str(config), "tickets", "--json")
        number = str(ticket["id"])
        code, out, err = dt("--config", str(config), "reply", number, "--body", "x",
                            "--attach", str(big))  # fmt: skip
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and "video.mp4" in err and "max_attachment_mb" in err
        assert "1.4 MiB as sent" in err, err  # 1,047,576 bytes: 1,433,526 as base64 lines
        code, _, err = dt("--config", str(config), "reply", number, "--body", "x",
                          "--attach", str(tmp_path / "nope.pdf"))  # fmt: skip
        assert code == 2 and err.count("\n") == 1 and "nope.pdf: no such file" in err
        code, _, err = dt("--config", str(config), "reply", number, "--note", "--body", "x",
                          "--attach", str(big))  # fmt: skip
        assert code == 2 and "--note" in err
        assert outbox_rows(config) == 0 and smtp.messages == []


def test_the_same_reply_is_the_same_bytes_on_every_attempt() -> None:
    """A retried delivery (and the Sent-folder check of an unknown one) needs identical
    bytes; email picks a random multipart boundary unless told."""

    def built() -> bytes:
        return build_reply(
            sender=Party("Shop", "support@shop.test"),
            to=[Party("", "c@example.com")],
            subject="Order",
            body="Attached.",
            message_id="r1@shop.test",
            attachments=[FileToSend("a.pdf", "application/pdf", PDF)],
        )

    assert built() == built()
    assert sent_size(3) == 6 and sent_size(57) == 78  # 4 per 3, CRLF per 76 characters


def test_a_saved_mail_or_a_bounce_part_goes_as_plain_bytes() -> None:
    """Review: a .eml (message/rfc822) went unencoded with bare LFs, and a bounce part
    (message/delivery-status) made build_reply raise, stopping the channel's outbox."""
    eml = b"From: a@b.test\nSubject: old\n\nline one\nline two\n"
    for kind in ("message/rfc822", "message/delivery-status", "multipart/mixed"):
        raw = build_reply(
            sender=Party("Shop", "support@shop.test"),
            to=[Party("", "c@example.com")],
            subject="Order",
            body="Your earlier mail.",
            message_id="r2@shop.test",
            attachments=[FileToSend("old.eml", kind, eml)],
        )
        assert b"\n" not in raw.replace(b"\r\n", b"")  # no bare LF anywhere
        [part] = email.message_from_bytes(raw, policy=policy.default).iter_attachments()
        assert part.get_content_type() == "application/octet-stream"
        assert part.get_content() == eml

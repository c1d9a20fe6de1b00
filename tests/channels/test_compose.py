"""build_reply and friends: safe headers (reliability.md 7), threading, UTF-8 bodies."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskterm.channels.email.compose import (
    MAX_REFERENCES,
    ComposeError,
    build_reply,
    header_text,
    recipients_of,
    thread_ids,
)
from deskterm.channels.email.mime import parse_message
from deskterm.domain.ids import mint_message_id
from deskterm.domain.messages import Party
from deskterm.domain.subjects import reply_subject

SHOP = Party("Toko Sinar", "support@shop.test")
ALICE = Party("Alice", "alice@example.com")
WHEN = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def reply(**overrides: object) -> bytes:
    args: dict[str, object] = {
        "sender": SHOP,
        "to": [ALICE],
        "subject": "Where is my order?",
        "body": "Hello Alice,\nIt ships today.\n",
        "message_id": "deskterm.abc@shop.test",
        "in_reply_to": "m1@example.com",
        "references": [],
        "date": WHEN,
    }
    args.update(overrides)
    return build_reply(**args)  # type: ignore[arg-type]


def parsed(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def header_block(raw: bytes) -> bytes:
    head, sep, _ = raw.partition(b"\r\n\r\n")
    assert sep
    return head


def header_names(raw: bytes) -> list[str]:
    """Field names of the header block, continuation lines skipped."""
    return [
        line.split(b":", 1)[0].decode().lower()
        for line in header_block(raw).split(b"\r\n")
        if line[:1] not in (b" ", b"\t")
    ]


def assert_well_formed(raw: bytes) -> None:
    """CRLF only, every header line a field or a continuation, nothing over 998 octets."""
    assert re.search(rb"(?<!\r)\n|\r(?!\n)", raw) is None, "bare CR or LF"
    for line in header_block(raw).split(b"\r\n"):
        assert re.match(rb"[!-9;-~]+:|[ \t]", line), line
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    names = header_names(raw)
    assert names.count("subject") == 1
    assert "bcc" not in names
    for unique in ("from", "to", "date", "message-id", "subject"):
        assert names.count(unique) == 1, unique


def body_of(raw: bytes) -> str:
    content = parsed(raw).get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


# ------------------------------------------------------------------ header injection


@pytest.mark.parametrize(
    "subject",
    [
        "Hi\nBcc: x@evil",
        "Hi\r\nBcc: x@evil",
        "Hi\rBcc: x@evil",
        "Hi\n\nBcc: x@evil",
        "Hi\x0bBcc: x@evil",
        "Hi\x0cBcc: x@evil",
        "Hi\x85Bcc: x@evil",
        "Hi\u2028Bcc: x@evil",
        "Hi\x00Bcc: x@evil",
        "Hi\x1b]0;owned\x07Bcc: x@evil",
    ],
)
def test_control_characters_in_the_subject_never_make_a_header(subject: str) -> None:
    raw = reply(subject=subject)
    assert_well_formed(raw)
    msg = parsed(raw)
    assert msg["Bcc"] is None
    assert re.fullmatch(r"Re: Hi ?(\]0;owned )?Bcc: x@evil", str(msg["Subject"])), msg["Subject"]
    assert recipients_of(raw) == ["alice@example.com"]


def test_encoded_word_decoding_to_a_newline_stays_one_subject_line() -> None:
    # CVE-2024-6923: the customer's subject decodes to "Hi\nBcc: x@evil".
    inbound = (
        b"From: Mallory <mallory@example.com>\r\nTo: support@shop.test\r\n"
        b"Subject: =?utf-8?q?Hi=0ABcc:_x@evil?=\r\nMessage-ID: <evil@example.com>\r\n"
        b"Date: Tue, 03 Mar 2026 10:00:00 +0000\r\n\r\nhello\r\n"
    )
    decoded = parse_message(inbound).subject
    raw = reply(subject=decoded, in_reply_to="evil@example.com")
    assert_well_formed(raw)
    subject_lines = [
        line for line in header_block(raw).split(b"\r\n") if line.lower().startswith(b"subject:")
    ]
    assert len(subject_lines) == 1
    assert parsed(raw)["Bcc"] is None
    assert str(parsed(raw)["Subject"]) == "Re: Hi Bcc: x@evil"
    # The same text straight from a stdlib decode (which keeps the newline) is also safe.
    raw = reply(subject="Hi\nBcc: x@evil")
    assert str(parsed(raw)["Subject"]) == "Re: Hi Bcc: x@evil"


def test_text_that_looks_like_an_encoded_word_goes_out_literally() -> None:
    # The email package would decode this itself and write the newline back out.
    literal = "=?utf-8?q?Hi=0ABcc:_x@evil?="
    raw = reply(subject=literal)
    assert_well_formed(raw)
    assert b"Bcc" not in header_block(raw).replace(b"\r\n ", b"")
    assert str(parsed(raw)["Subject"]) == f"Re: {literal}"
    assert parse_message(raw).subject == f"Re: {literal}"


def test_display_name_with_crlf_cannot_inject() -> None:
    raw = reply(
        sender=Party("Shop\r\nBcc: x@evil", "support@shop.test"),
        to=[Party("Alice\r\nBcc: y@evil\r\n\r\nbody", "alice@example.com")],
    )
    assert_well_formed(raw)
    msg = parsed(raw)
    assert msg["Bcc"] is None
    assert msg["From"].addresses[0].display_name == "Shop Bcc: x@evil"
    assert msg["To"].addresses[0].display_name == "Alice Bcc: y@evil body"
    assert msg["To"].addresses[0].addr_spec == "alice@example.com"


@pytest.mark.parametrize(
    "handle",
    ["alice@example.com\r\nBcc: x@evil", "alice@example.com, x@evil", "<x@evil>", "nobody"],
)
def test_an_address_that_is_not_one_address_is_refused(handle: str) -> None:
    with pytest.raises(ComposeError):
        reply(to=[Party("Alice", handle)])


@pytest.mark.parametrize(
    "name",
    [
        'Doe, John "JD" \\ Jr.',
        "Müller, Hans",
        'José "Zé" da Silva',
        "Nguyễn Thị Minh Khai",
        "山田 太郎",
        "Siti 😊 <3",
        "Ahmad (Toko) <ahmad@evil>",
        "x=?utf-8?q?Evil?=",
        "A" * 100,
    ],
)
def test_display_names_round_trip(name: str) -> None:
    raw = reply(to=[Party(name, "customer@example.com")])
    assert_well_formed(raw)
    address = parsed(raw)["To"].addresses
    assert len(address) == 1
    assert address[0].display_name == name
    assert address[0].addr_spec == "customer@example.com"
    assert recipients_of(raw) == ["customer@example.com"]


def test_from_is_the_channel_address_with_the_shop_name() -> None:
    msg = parsed(reply(sender=Party("Toko Ünï, Jakarta", "support@shop.test")))
    sender = msg["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Toko Ünï, Jakarta", "support@shop.test")


def test_international_domain_is_punycoded_and_local_part_must_be_ascii() -> None:
    raw = reply(to=[Party("", "kunde@bücher.de")])
    assert recipients_of(raw) == ["kunde@xn--bcher-kva.de"]
    with pytest.raises(ComposeError, match="unsupported email address"):
        reply(to=[Party("", "josé@example.com")])


# Fragments that stress encoded-word handling, quoting and line breaks, mixed with any text.
_TRICKY = st.lists(
    st.sampled_from(
        [
            *("=?", "?=", "utf-8", "?q?", "?b?", "=0A", "Bcc: x@evil", "é", "😀"),
            *("\n", "\r", "\r\n", "\x00", "\x85", "\u2028", "\t", " "),
            *(",", '"', "\\", "<", ">", "(", ";", ":"),
        ]
    )
    | st.text(max_size=8),
    max_size=40,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(subject=_TRICKY | st.text(max_size=300), name=_TRICKY | st.text(max_size=120))
def test_any_subject_and_name_give_one_well_formed_header_block(subject: str, name: str) -> None:
    raw = reply(subject=subject, to=[Party(name, "alice@example.com")])
    assert_well_formed(raw)
    msg = parsed(raw)
    assert str(msg["Subject"]) == reply_subject(header_text(subject, 900))
    [to] = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == (header_text(name, 100), "alice@example.com")
    assert recipients_of(raw) == ["alice@example.com"]


# ------------------------------------------------------------------ standard headers


def test_standard_headers() -> None:
    raw = reply()
    assert_well_formed(raw)
    msg = parsed(raw)
    assert msg["Subject"] == "Re: Where is my order?"
    assert msg["Message-ID"] == "<deskterm.abc@shop.test>"
    assert msg["In-Reply-To"] == "<m1@example.com>"
    assert msg["References"] == "<m1@example.com>"
    assert msg["Date"].datetime == WHEN
    assert msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg["X-Mailer"] == "deskterm"
    assert msg["Auto-Submitted"] is None
    assert msg["To"].addresses[0].addr_spec == "alice@example.com"


def test_rule_replies_are_marked_auto_submitted() -> None:
    assert parsed(reply(auto=True))["Auto-Submitted"] == "auto-replied"


def test_re_prefix_is_not_stacked() -> None:
    assert parsed(reply(subject="Re: Where is my order?"))["Subject"] == "Re: Where is my order?"
    assert parsed(reply(subject="RE:  Where"))["Subject"] == "RE: Where"
    assert parsed(reply(subject=""))["Subject"] == "Re:"


def test_cc_is_a_header_and_an_envelope_recipient_and_never_bcc() -> None:
    raw = reply(cc=[Party("Bob", "bob@example.com"), Party("Alice again", "ALICE@example.com")])
    assert parsed(raw)["Cc"].addresses[0].addr_spec == "bob@example.com"
    assert recipients_of(raw) == ["alice@example.com", "bob@example.com"]
    assert "bcc" not in header_names(raw)


def test_same_arguments_give_the_same_bytes() -> None:
    # A retried delivery must send exactly what the first attempt sent.
    assert reply() == reply()


def test_naive_dates_are_utc() -> None:
    naive = datetime(2026, 3, 3, 10, 0)
    assert parsed(reply(date=naive))["Date"].datetime == WHEN


def test_refuses_to_build_without_recipients_or_a_message_id() -> None:
    with pytest.raises(ComposeError):
        reply(to=[])
    for bad in ("", "no-at-sign", "two words@x", "<>"):
        with pytest.raises(ComposeError):
            reply(message_id=bad)


# ------------------------------------------------------------------ Message-ID and threading


def test_minted_message_ids_are_unique_bare_and_on_the_shop_domain() -> None:
    ids = {mint_message_id("Support@Shop.Test") for _ in range(1000)}
    assert len(ids) == 1000
    for value in ids:
        assert re.fullmatch(r"deskterm\.[0-9a-f]{32}@shop\.test", value), value
    assert mint_message_id("cs@tokobüro.id").endswith("@" + "tokobüro.id".encode("idna").decode())
    assert mint_message_id("").endswith("@deskterm.invalid")
    assert mint_message_id("x@bad domain\n").endswith("@deskterm.invalid")
    raw = reply(message_id=mint_message_id("support@shop.test"))
    assert re.fullmatch(r"<deskterm\.[0-9a-f]{32}@shop\.test>", parsed(raw)["Message-ID"])


def test_references_extend_the_parents_chain() -> None:
    raw = reply(in_reply_to="<p@x>", references=["<root@x>", "mid@x"])
    msg = parsed(raw)
    assert msg["In-Reply-To"] == "<p@x>"
    assert msg["References"].split() == ["<root@x>", "<mid@x>", "<p@x>"]


def test_references_are_deduplicated_and_capped_keeping_the_root() -> None:
    refs = [f"<r{i}@x>" for i in range(40)] + ["<r5@x>", "<p@x>"]
    ids = thread_ids("<p@x>", refs)
    assert len(ids) == MAX_REFERENCES
    assert len(set(ids)) == len(ids)
    assert ids[0] == "r0@x"
    assert ids[-1] == "p@x"
    assert ids[-2] == "r39@x"
    raw = reply(in_reply_to="<p@x>", references=refs)
    assert_well_formed(raw)
    assert parsed(raw)["References"].split() == [f"<{i}>" for i in ids]


def test_unwritable_ids_are_dropped_and_long_ids_are_never_encoded() -> None:
    long_id = "a" * 200 + "@example.com"
    refs = ["<ok@x>", "<with space@x>", "<caf\u00e9@x>", "<a<b@x>", "<" + "b" * 300 + "@x>"]
    raw = reply(in_reply_to=long_id, references=refs)
    assert_well_formed(raw)
    msg = parsed(raw)
    assert msg["In-Reply-To"] == f"<{long_id}>"
    assert msg["References"].split() == ["<ok@x>", f"<{long_id}>"]
    assert b"=?" not in header_block(raw)  # the stdlib would have encoded the long id
    assert parse_message(raw).in_reply_to == long_id


def test_no_parent_means_no_threading_headers() -> None:
    msg = parsed(reply(in_reply_to="", references=[]))
    assert msg["In-Reply-To"] is None
    assert msg["References"] is None


def test_reply_to_a_reply_keeps_the_chain() -> None:
    first = reply(message_id="deskterm.1@shop.test", in_reply_to="m1@example.com")
    ours = parse_message(first)
    # The customer answers our reply, quoting its chain as every mailer does.
    customer = (
        "From: Alice <alice@example.com>\r\nTo: support@shop.test\r\n"
        "Subject: Re: Where is my order?\r\nMessage-ID: <m2@example.com>\r\n"
        f"In-Reply-To: <{ours.external_id}>\r\n"
        f"References: {' '.join(f'<{r}>' for r in [*ours.references, ours.external_id])}\r\n"
        "Date: Tue, 03 Mar 2026 11:00:00 +0000\r\n\r\nStill waiting\r\n"
    ).encode()
    parent = parse_message(customer)
    second = reply(
        message_id="deskterm.2@shop.test",
        subject=parent.subject,
        in_reply_to=parent.external_id,
        references=parent.references,
    )
    msg = parsed(second)
    assert msg["Subject"] == "Re: Where is my order?"
    assert msg["In-Reply-To"] == "<m2@example.com>"
    assert msg["References"].split() == [
        "<m1@example.com>",
        "<deskterm.1@shop.test>",
        "<m2@example.com>",
    ]


# ------------------------------------------------------------------ body


@pytest.mark.parametrize(
    "body",
    [
        "Halo kak, terima kasih sudah menunggu.\nPesanan #1001 sudah dikirim hari ini via JNE.",
        "Olá! A sua encomenda já foi enviada.\nObrigado pela preferência, João.",
        "Thanks! 👍🏽🎉 Your parcel 📦 is on its way.",
        "ありがとうございます。\n商品は本日発送しました。",
        "Mixed\ttabs and trailing spaces   \nand lone\rCR and CRLF\r\nend",
    ],
)
def test_utf8_bodies_round_trip(body: str) -> None:
    raw = reply(body=body)
    assert_well_formed(raw)
    expected = body.replace("\r\n", "\n").replace("\r", "\n") + "\n"
    assert body_of(raw) == expected
    assert parse_message(raw).body_text.rstrip("\n") == expected.rstrip("\n")


def test_short_ascii_bodies_are_plain_7bit() -> None:
    raw = reply(body="Hello\nBye")
    assert parsed(raw)["Content-Transfer-Encoding"] == "7bit"
    assert raw.endswith(b"\r\n\r\nHello\r\nBye\r\n")


def test_non_ascii_bodies_are_quoted_printable_and_7bit_clean() -> None:
    raw = reply(body="Olá 😀")
    assert parsed(raw)["Content-Transfer-Encoding"] == "quoted-printable"
    assert raw.isascii()


def test_very_long_lines_do_not_break_the_message() -> None:
    body = "é" * 3000 + "\n" + "x" * 5000 + "\n" + "short"
    raw = reply(body=body)
    assert_well_formed(raw)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert body_of(raw) == body + "\n"


def test_dots_and_from_lines_survive() -> None:
    body = ".\n..leading dots\nFrom the shop\n.\nend"
    raw = reply(body=body)
    assert body_of(raw) == body + "\n"


@settings(max_examples=150, deadline=None)
@given(
    body=st.text(max_size=2000)
    | st.lists(
        st.sampled_from([".", "\n", "\r", "From ", "é", "😀", "x" * 100, " ", "=", "\t"])
    ).map("".join)
)
def test_any_body_round_trips(body: str) -> None:
    raw = reply(body=body)
    assert_well_formed(raw)
    expected = re.sub("[\ud800-\udfff]", "\ufffd", body).replace("\x00", "")
    expected = expected.replace("\r\n", "\n").replace("\r", "\n")
    assert body_of(raw) == (expected if expected.endswith("\n") else expected + "\n")


def test_surrogates_and_nuls_do_not_crash() -> None:
    raw = reply(body="bad \udcff byte\x00 here", subject="bad \udcff")
    assert_well_formed(raw)
    assert body_of(raw) == "bad \ufffd byte here\n"
    assert parsed(raw)["Subject"] == "Re: bad \ufffd"


# ------------------------------------------------------------------ recipients_of


def test_recipients_of_reads_to_and_cc_only() -> None:
    raw = (
        b'From: support@shop.test\r\nTo: A <a@x.com>, b@x.com\r\nCc: "C, Jr" <c@x.com>\r\n'
        b"Bcc: hidden@x.com\r\nSubject: x\r\n\r\nbody\r\n"
    )
    assert recipients_of(raw) == ["a@x.com", "b@x.com", "c@x.com"]

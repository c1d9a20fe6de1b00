"""Labels on ingest (issue 12 §2, §5, §6): mail synced from a real IMAP server (pymap) and
marketplace chats synced from the fakes arrive labelled; only customers' messages get an
intent; the ticket's intent follows its latest customer message unless an agent set it;
the labels are searchable, in saved views and in ``show --json``."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from deskterm.demo.marketplaces import Marketplaces
from deskterm.domain.labels import INTENTS, SENTIMENTS
from tests.servers.imap_servers import ImapServer
from tests.sync.conftest import dt, dt_json, marketplace_rig, write_config

CUSTOMER = "laura.brooks@example.com"
START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def model_version() -> str:
    from deskterm.automation.classify.classifier import load_classifier

    return load_classifier().version


def mail(
    n: int,
    body: str,
    *,
    subject: str,
    sender: str = f"Laura Brooks <{CUSTOMER}>",
    to: str = "support@deskterm.test",
    reply_to_n: int | None = None,
    minutes: int = 0,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(START + timedelta(minutes=minutes or 10 * n))
    message["Message-ID"] = f"<label-{n}@example.com>"
    if reply_to_n is not None:
        message["In-Reply-To"] = f"<label-{reply_to_n}@example.com>"
        message["References"] = f"<label-{reply_to_n}@example.com>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return bytes(message)


def sync(config: Path) -> str:
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 0, out + err
    return out


def show(config: Path, ticket_id: int) -> dict[str, Any]:
    shown = dt_json("--config", str(config), "show", str(ticket_id), "--json")
    assert isinstance(shown, dict)
    return shown


def search(config: Path, query: str) -> set[int]:
    found = dt_json("--config", str(config), "search", query, "--json")
    return {item["id"] for item in found}


def tickets(config: Path) -> list[dict[str, Any]]:
    every = dt_json("--config", str(config), "tickets", "--view", "All", "--json")
    assert isinstance(every, list)
    return every


def ticket_by_subject(config: Path, words: str) -> dict[str, Any]:
    (found,) = [t for t in tickets(config) if words in t["subject"]]
    return found


def message_rows(config: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(config.parent / "store" / "deskterm.db")
    try:
        return conn.execute(
            "SELECT external_id, direction, auto_submitted, language, intent, intent_confidence,"
            " sentiments, labelled_by FROM message ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


# --- email through a real IMAP server ------------------------------------------------------

WHERE_IS_IT = (
    "Hi there,\n\nI ordered the grey hoodie (order #1001) ten days ago and the tracking "
    "hasn't moved since Friday. Could you tell me where my parcel is?\n\nThanks,\nLaura\n"
)
PESANAN = "Halo kak, pesanan saya #1002 kok belum sampai ya? Udah seminggu lebih nih. Makasih"
ANGRY = (
    "This is the third time I write. Refund me TODAY or I'm filing a chargeback and "
    "reporting your shop to consumer protection!\n\nSent from my iPhone\n\n"
    "On Mon, 2 Mar 2026 at 09:10, Laura Brooks <laura.brooks@example.com> wrote:\n"
    "> Hi there, where is my parcel? Thanks!\n"
)


@pytest.fixture
def mailbox(pymap: ImapServer, tmp_path: Path) -> tuple[ImapServer, Path]:
    """A customer thread (question, the shop's reply, an auto-reply, an angry follow-up)
    and an Indonesian customer's mail, synced once."""
    shop = pymap.username
    pymap.append_many(
        "INBOX",
        [
            mail(1, WHERE_IS_IT, subject="Order #1001 not arrived"),
            mail(
                2,
                "Hi Laura, so sorry! Your parcel is with the courier, we will refund you if it "
                "does not arrive by Friday. Kind regards, the Toko team",
                subject="Re: Order #1001 not arrived",
                sender=f"Toko Support <{shop}>",
                to=CUSTOMER,
                reply_to_n=1,
            ),
            mail(
                3,
                "I am out of the office until Monday. For urgent matters about refunds or "
                "cancellations call my assistant. I will be furious if this is ignored!",
                subject="Automatic reply: Re: Order #1001 not arrived",
                reply_to_n=2,
                headers={"Auto-Submitted": "auto-replied"},
            ),
            mail(
                4,
                PESANAN,
                subject="Pesanan #1002 belum sampai",
                sender="Budi Santoso <budi@example.co.id>",
            ),
        ],
    )
    config = write_config(tmp_path / "config.toml", pymap)
    sync(config)
    return pymap, config


def test_customer_mail_arrives_labelled(mailbox: tuple[ImapServer, Path]) -> None:
    _imap, config = mailbox
    rows = {row[0]: row for row in message_rows(config)}
    version = model_version()
    question = rows["label-1@example.com"]
    assert question[1] == "in"
    assert (question[3], question[4]) == ("en", "shipping/status")
    assert 0.0 < question[5] <= 1.0
    assert question[7] == version
    pesanan = rows["label-4@example.com"]
    assert (pesanan[3], pesanan[4], pesanan[7]) == ("id", "shipping/status", version)

    ticket = ticket_by_subject(config, "Order #1001")
    shown = show(config, ticket["id"])
    assert shown["language"] == "en"
    assert shown["intent"] == "shipping/status"
    assert 0.0 < shown["intent_confidence"] <= 1.0
    assert shown["intent_source"] == "model"
    first = shown["messages"][0]
    assert (first["language"], first["intent"]) == ("en", "shipping/status")
    assert isinstance(first["sentiments"], list)
    assert ticket_by_subject(config, "Pesanan #1002")["language"] == "id"


def test_shop_replies_and_auto_replies_get_no_intent(mailbox: tuple[ImapServer, Path]) -> None:
    _imap, config = mailbox
    rows = {row[0]: row for row in message_rows(config)}
    reply = rows["label-2@example.com"]
    assert reply[1] == "out"
    assert reply[4] is None and reply[6] == ""  # no intent, no sentiments
    assert reply[3] == "en"  # but a language, like every message
    auto = rows["label-3@example.com"]
    assert auto[2] in (1, True)
    assert auto[4] is None and auto[6] == ""
    # The auto-reply's words (refunds, cancellations, "furious") did not become the ticket's:
    # it carries the labels of its latest customer message, the question.
    ticket = ticket_by_subject(config, "Order #1001")
    assert ticket["intent"] == "shipping/status"
    shown = show(config, ticket["id"])
    question = next(m for m in shown["messages"] if m["direction"] == "in")
    assert ticket["sentiments"] == question["sentiments"]
    assert not {"threatening", "urgent"} & set(ticket["sentiments"])
    for message in shown["messages"]:
        if message["direction"] != "in" or message["auto_submitted"]:
            assert message["intent"] is None and message["sentiments"] == []


def test_the_ticket_follows_its_latest_customer_message(
    mailbox: tuple[ImapServer, Path],
) -> None:
    imap, config = mailbox
    ticket = ticket_by_subject(config, "Order #1001")
    imap.append("INBOX", mail(5, ANGRY, subject="Re: Order #1001 not arrived", reply_to_n=2))
    sync(config)
    shown = show(config, ticket["id"])
    assert shown["messages"][-1]["intent"] in ("refund/request", "refund/status")
    assert shown["intent"] == shown["messages"][-1]["intent"]
    assert {"negative", "threatening"} <= set(shown["sentiments"])
    assert ticket["id"] in search(config, "sentiment:negative")
    assert ticket["id"] in search(config, "intent:refund/*")
    assert ticket["id"] not in search(config, "intent:shipping/*")
    angry = dt_json("--config", str(config), "tickets", "--view", "Angry customers", "--json")
    assert ticket["id"] in {t["id"] for t in angry}


def test_an_older_message_arriving_late_does_not_relabel_the_ticket(
    pymap: ImapServer, tmp_path: Path
) -> None:
    """Mail is not always fetched in the order it was written: the newest one decides."""
    config = write_config(tmp_path / "config.toml", pymap)
    pymap.append(
        "INBOX",
        mail(
            11,
            "Please cancel my order #2001, I ordered it twice by mistake.",
            subject="Order #2001",
            minutes=120,
        ),
    )
    sync(config)
    (ticket,) = tickets(config)
    assert ticket["intent"] == "order/cancel"
    pymap.append(
        "INBOX",
        mail(
            12,
            "Is the blue mug dishwasher safe?",
            subject="Re: Order #2001",
            reply_to_n=11,
            minutes=10,
        ),
    )
    sync(config)
    after = show(config, ticket["id"])
    assert after["intent"] == "order/cancel"


def test_search_finds_tickets_by_label(mailbox: tuple[ImapServer, Path]) -> None:
    _imap, config = mailbox
    english = ticket_by_subject(config, "Order #1001")["id"]
    indonesian = ticket_by_subject(config, "Pesanan #1002")["id"]
    assert search(config, "intent:shipping/*") == {english, indonesian}
    assert search(config, "intent:shipping") == {english, indonesian}
    assert search(config, "intent:shipping/status") == {english, indonesian}
    assert search(config, "intent:order/cancel") == set()
    assert search(config, "language:id") == {indonesian}
    assert search(config, "language:en") == {english}
    assert search(config, "intent:shipping/* language:id") == {indonesian}
    assert search(config, "-language:id intent:shipping/*") == {english}


@pytest.mark.parametrize(
    "query", ["intent:shiping/status", "intent:cancel", "sentiment:angry", "intent:order/"]
)
def test_a_misspelt_label_in_a_query_is_refused(
    mailbox: tuple[ImapServer, Path], query: str
) -> None:
    _imap, config = mailbox
    code, out, err = dt("--config", str(config), "search", query, "--json")
    assert code == 2, out
    assert len(err.strip().splitlines()) >= 1 and "Traceback" not in err


def test_saved_views_angry_customers_and_cancellations(mailbox: tuple[ImapServer, Path]) -> None:
    imap, config = mailbox
    imap.append(
        "INBOX",
        mail(
            20,
            "Hi, please cancel order #3003 before it ships, I no longer need it. Thank you!",
            subject="Cancel order #3003",
            sender="Marco Rossi <marco@example.com>",
        ),
    )
    sync(config)
    cancel = ticket_by_subject(config, "Cancel order #3003")["id"]
    cancellations = dt_json("--config", str(config), "tickets", "--view", "Cancellations", "--json")
    assert {t["id"] for t in cancellations} == {cancel}
    angry = dt_json("--config", str(config), "tickets", "--view", "Angry customers", "--json")
    assert cancel not in {t["id"] for t in angry}
    # A closed cancellation leaves the working view.
    assert dt("--config", str(config), "close", str(cancel))[0] == 0
    after = dt_json("--config", str(config), "tickets", "--view", "Cancellations", "--json")
    assert cancel not in {t["id"] for t in after}


# --- the agent's intent ---------------------------------------------------------------------


def test_an_agents_intent_survives_later_messages_and_auto_hands_it_back(
    mailbox: tuple[ImapServer, Path],
) -> None:
    imap, config = mailbox
    ticket = ticket_by_subject(config, "Order #1001")["id"]
    code, out, err = dt("--config", str(config), "intent", str(ticket), "shipping/delivery-issue")
    assert code == 0, err
    assert "shipping/delivery-issue" in out
    shown = show(config, ticket)
    assert (shown["intent"], shown["intent_source"]) == ("shipping/delivery-issue", "agent")

    imap.append("INBOX", mail(5, ANGRY, subject="Re: Order #1001 not arrived", reply_to_n=2))
    sync(config)
    shown = show(config, ticket)
    latest = shown["messages"][-1]
    assert latest["intent"] in ("refund/request", "refund/status")  # the message is labelled
    assert (shown["intent"], shown["intent_source"]) == ("shipping/delivery-issue", "agent")
    assert {"negative", "threatening"} <= set(shown["sentiments"])  # sentiments still follow
    assert ticket in search(config, "intent:shipping/delivery-issue")

    code, _out, err = dt("--config", str(config), "intent", str(ticket), "auto")
    assert code == 0, err
    shown = show(config, ticket)
    assert shown["intent"] == latest["intent"] and shown["intent_source"] == "model"

    imap.append(
        "INBOX",
        mail(
            6,
            "Actually, just cancel the whole order please. I don't want it any more.",
            subject="Re: Order #1001 not arrived",
            reply_to_n=5,
        ),
    )
    sync(config)
    assert show(config, ticket)["intent"] == "order/cancel"  # the model's again


def test_set_intent_through_the_service(mailbox: tuple[ImapServer, Path]) -> None:
    from deskterm.services.actor import agent_actor
    from deskterm.services.labels import correction_examples, set_intent
    from deskterm.store.engine import open_store

    imap, config = mailbox
    ticket = ticket_by_subject(config, "Pesanan #1002")["id"]
    store = open_store(f"sqlite:///{config.parent / 'store' / 'deskterm.db'}")
    try:
        with store.write() as session:
            actor = agent_actor(session, email="dewi@deskterm.test", name="Dewi")
        assert set_intent(store, ticket, "shipping/delivery-issue", actor) is True
        assert set_intent(store, ticket, "Shipping/Delivery-Issue", actor) is False  # unchanged
        examples = correction_examples(store)
        assert len(examples) == 1
        text, intent, language = examples[0]
        assert PESANAN.split(",", maxsplit=1)[0] in text
        assert (intent, language) == ("shipping/delivery-issue", "id")
    finally:
        store.close()
    imap.append(
        "INBOX",
        mail(
            30,
            "kak tolong batalin aja pesanan saya ya",
            subject="Re: Pesanan #1002 belum sampai",
            sender="Budi Santoso <budi@example.co.id>",
            reply_to_n=4,
        ),
    )
    sync(config)
    shown = show(config, ticket)
    assert shown["messages"][-1]["intent"] == "order/cancel"
    assert (shown["intent"], shown["intent_source"]) == ("shipping/delivery-issue", "agent")


def test_intent_command_errors_are_one_line(mailbox: tuple[ImapServer, Path]) -> None:
    _imap, config = mailbox
    ticket = ticket_by_subject(config, "Order #1001")["id"]
    code, out, err = dt("--config", str(config), "intent", str(ticket), "shipping/whatever")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "shipping/status" in err
    code, out, err = dt("--config", str(config), "intent", "99999", "order/cancel")
    assert code != 0 and len(err.strip().splitlines()) == 1 and "99999" in err
    assert show(config, ticket)["intent_source"] == "model"  # nothing changed


def test_labelling_off_stores_messages_unlabelled(pymap: ImapServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", pymap)
    config.write_text(config.read_text() + "[classify]\nenabled = false\n")
    pymap.append("INBOX", mail(1, WHERE_IS_IT, subject="Order #1001 not arrived"))
    sync(config)
    ((_id, _dir, _auto, language, intent, _conf, sentiments, labelled_by),) = message_rows(config)
    assert (language, intent, sentiments, labelled_by) == (None, None, "", None)
    (ticket,) = tickets(config)
    assert ticket["intent"] is None and ticket["language"] is None


# --- marketplace chats through the fakes ---------------------------------------------------


@pytest.fixture
def markets(tmp_path: Path) -> Iterator[tuple[Marketplaces, Path]]:
    with marketplace_rig(tmp_path) as rig:
        yield rig


def chat_ticket(config: Path, channel: str) -> dict[str, Any]:
    (found,) = [t for t in tickets(config) if t["channel"] == channel]
    return found


def test_a_marketplace_chat_arrives_labelled(markets: tuple[Marketplaces, Path]) -> None:
    fakes, config = markets
    lazada = fakes.lazada
    session = lazada.add_session("Siti Rahayu", "kak, barang yang saya terima pecah semua :(")
    lazada.add_message(
        session,
        1,
        {"txt": "Mohon maaf kak, boleh kirim fotonya? Kami bantu refund ya"},
        from_buyer=False,
    )
    lazada.add_message(
        session,
        1,
        {"txt": "Terima kasih sudah menghubungi kami, kami akan segera membalas"},
        from_buyer=False,
        auto_reply=True,
    )
    lazada.add_message(
        session,
        1,
        {"txt": "Please rate your experience with this shop"},
        from_buyer=False,
        system=True,
    )
    sync(config)
    ticket = chat_ticket(config, "lazada-id")
    shown = show(config, ticket["id"])
    buyer = [m for m in shown["messages"] if m["direction"] == "in"]
    others = [m for m in shown["messages"] if m["direction"] != "in"]
    assert len(buyer) == 1 and len(others) == 3
    assert (buyer[0]["language"], buyer[0]["intent"]) == ("id", "order/damaged")
    assert "negative" in buyer[0]["sentiments"]
    for message in others:
        assert message["intent"] is None and message["sentiments"] == []
    assert (shown["intent"], shown["language"]) == ("order/damaged", "id")
    assert "negative" in shown["sentiments"]
    version = model_version()
    assert {row[7] for row in message_rows(config)} == {version}

    time.sleep(1.1)  # platform clocks tick in seconds: the next message is clearly later
    lazada.add_buyer_message(session, "udah deh kak, saya mau refund aja, uangnya balikin ya")
    sync(config)
    shown = show(config, ticket["id"])
    assert shown["messages"][-1]["intent"] == "refund/request"
    assert shown["intent"] == "refund/request"
    assert ticket["id"] in search(config, "intent:refund/*")
    assert ticket["id"] in search(config, "language:id")


def test_marketplace_platform_notices_get_no_intent(markets: tuple[Marketplaces, Path]) -> None:
    fakes, config = markets
    tts = fakes.tiktokshop
    conversation = tts.add_conversation("Kevin Tan")
    tts.add_buyer_message(conversation, "kak, ada diskon gak kalau beli 3 pcs?")
    time.sleep(1.1)
    tts.add_message(
        conversation,
        {"content": "Pesanan dibatalkan. Dana akan dikembalikan. Please rate this conversation."},
        role="SYSTEM",
        type="NOTIFICATION",
    )
    sync(config)
    ticket = chat_ticket(config, "tokopedia")
    shown = show(config, ticket["id"])
    notice = shown["messages"][-1]
    assert notice["direction"] == "system"
    assert notice["intent"] is None and notice["sentiments"] == []
    assert shown["intent"] == "discount/request"  # the buyer's, not the notice's


def test_every_label_is_from_the_taxonomy(markets: tuple[Marketplaces, Path]) -> None:
    """A seeded store of realistic chats: every stored label is a known name."""
    fakes, config = markets
    fakes.lazada.seed(6, 6)
    fakes.shopee.seed(6, 6)
    sync(config)
    for _ext, direction, _auto, language, intent, confidence, sentiments, by in message_rows(
        config
    ):
        assert by is not None
        assert intent is None or intent in INTENTS
        assert set(sentiments.split()) <= set(SENTIMENTS)
        assert language is None or len(language) == 2
        if direction != "in":
            assert intent is None and sentiments == ""
        if intent is not None:
            assert 0.0 <= confidence <= 1.0


def test_tickets_json_carries_the_labels(mailbox: tuple[ImapServer, Path]) -> None:
    _imap, config = mailbox
    for ticket in tickets(config):
        assert {"language", "intent", "sentiments"} <= ticket.keys()
        assert isinstance(ticket["sentiments"], list)
    found = dt_json("--config", str(config), "search", "language:id", "--json")
    assert found and all(item["language"] == "id" for item in found)
    assert all("snippet" in item for item in found)


def test_a_classifier_failure_never_costs_a_message(
    pymap: ImapServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Labels are never worth a message: it is stored unlabelled, and a backfill labels
    it later."""
    from deskterm.automation.classify.classifier import Classifier

    def broken(self: Classifier, item: object) -> object:
        raise RuntimeError("model exploded")

    config = write_config(tmp_path / "config.toml", pymap)
    pymap.append_many(
        "INBOX",
        [
            mail(1, WHERE_IS_IT, subject="Order #1001 not arrived"),
            mail(4, PESANAN, subject="Pesanan #1002", sender="Budi <budi@example.co.id>"),
        ],
    )
    with monkeypatch.context() as patch:
        patch.setattr(Classifier, "classify", broken)
        out = sync(config)
    assert "2 new messages" in out
    assert [row[7] for row in message_rows(config)] == [None, None]
    code, out, err = dt("--config", str(config), "classify", "--backfill", "--json")
    assert code == 0, err
    assert [row[7] for row in message_rows(config)] == [model_version()] * 2
    assert search(config, "language:id") == {ticket_by_subject(config, "Pesanan")["id"]}


def test_the_import_path_labels_too(tmp_path: Path) -> None:
    """`deskterm import mbox` goes through the same ingest and labels as it stores."""
    import mailbox as mailboxes
    from email import message_from_bytes

    box_path = tmp_path / "in.mbox"
    box = mailboxes.mbox(box_path, create=True)
    box.add(message_from_bytes(mail(1, WHERE_IS_IT, subject="Order #1001 not arrived")))
    box.add(
        message_from_bytes(
            mail(4, PESANAN, subject="Pesanan #1002", sender="Budi <budi@example.co.id>")
        )
    )
    box.flush()
    box.close()
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "store/deskterm.db"\n', encoding="utf-8")
    code, out, err = dt("--config", str(config), "import", "mbox", str(box_path))
    assert code == 0, out + err
    rows = message_rows(config)
    assert [(row[3], row[4]) for row in rows] == [
        ("en", "shipping/status"),
        ("id", "shipping/status"),
    ]
    assert {row[7] for row in rows} == {model_version()}

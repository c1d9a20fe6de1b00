"""The starter rules (issue 14 item 5): the shipped file imports into a fresh store with
every rule off and its macros, and each rule, enabled on its own, fires on a real message
it is meant for (labelled by the built-in classifier, as the sync labels it) and not on
one it is not."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from sqlmodel import col, select

from deskterm.automation.classify.inputs import ClassifyInput
from deskterm.automation.classify.labeller import BuiltinLabeller
from deskterm.automation.snooze import wake_snoozed
from deskterm.channels.chat.lazada import mapping as lazada
from deskterm.channels.chat.types import ChatConversation
from deskterm.cli import main
from deskterm.domain.business_hours import business_hours
from deskterm.domain.messages import InboundMessage
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.pipeline import IngestResult, ingest_message
from deskterm.services import rules, tickets
from deskterm.services.actor import Actor
from deskterm.services.macros import save_macro
from deskterm.services.rule_engine import EngineSettings, run_rules
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import Store
from deskterm.store.reader import get_ticket
from deskterm.store.session_read import SessionReadDb
from deskterm.store.tables import Macro, Message, Order, Outbox
from deskterm.sync.chat.mapping import chat_to_inbound
from tests.conftest import SHOP, msg

ACTOR = Actor("agent:dewi@shop.test")
CLOSED_ALL_WEEK = EngineSettings(hours=business_hours("UTC", {}))
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)  # the day tests.conftest.msg's mail is sent


@cache
def _labeller() -> BuiltinLabeller:
    return BuiltinLabeller()


def ingest(store: Store, channel: ChannelContext, message: InboundMessage) -> IngestResult:
    """Ingest ``message`` labelled by the built-in classifier, as the sync does."""
    kind = "email" if channel.type == "email" else "chat"
    customer = not (message.outbound or message.platform_notice or message.auto_submitted)
    item = ClassifyInput(message.body_text, message.subject if kind == "email" else "", kind)
    [labels] = _labeller().label([dataclasses.replace(item, customer=customer)])
    with store.write() as session:
        return ingest_message(
            session,
            channel,
            message,
            blob_root=store.attachments_dir(),
            actor="sync:test",
            labels=labels,
        )


def only(store: Store, name: str) -> None:
    """The starter rules imported, ``name`` alone turned on."""
    rules.import_starter(store, ACTOR)
    rules.set_enabled(store, name, True, ACTOR)


def ticket(store: Store, tid: int) -> dict[str, object]:
    with store.read() as session:
        return get_ticket(SessionReadDb(session), tid)


def outbox(store: Store) -> list[Outbox]:
    with store.read() as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))))


def notes(store: Store, tid: int) -> list[str]:
    with store.read() as session:
        return list(
            session.exec(
                select(Message.body_text)
                .where(Message.ticket_id == tid, Message.direction == "note")
                .order_by(col(Message.id))
            )
        )


def shop_reply(mid: str, parent: str, body: str = "Here is the answer.") -> InboundMessage:
    """The shop's own reply, as the sync finds it in Sent: an agent's message."""
    return msg(mid, sender=SHOP, name="Dewi", to="alice@example.com", in_reply_to=parent, body=body)


# --- the file ------------------------------------------------------------------------------


def test_the_starter_file_imports_into_a_fresh_store_every_rule_off(store: Store) -> None:
    text = rules.starter_rules_text()
    shipped = tomllib.loads(text)["rules"]
    assert shipped and all(rule["enabled"] is False for rule in shipped)
    # A comment above every rule says what it does and what to check.
    lines = text.splitlines()
    heads = [n for n, line in enumerate(lines) if line == "[[rules]]"]
    assert len(heads) == len(shipped) and all(lines[n - 1].startswith("# ") for n in heads)
    done = rules.import_starter(store, ACTOR)
    assert done.result.created == [rule["name"] for rule in shipped]
    assert all(not stored.rule.enabled for stored in rules.list_rules(store))
    assert sorted(done.macros_installed) == sorted(m["name"] for m in rules.starter_macros())
    # Again: nothing replaced, nothing turned off, the user's edits kept.
    rules.set_enabled(store, "Close on thanks", True, ACTOR)
    again = rules.import_starter(store, ACTOR)
    assert again.result.created == [] and again.macros_installed == []
    assert len(again.kept) == len(shipped)
    assert rules.get_rule(store, "Close on thanks").rule.enabled


def test_a_users_macro_of_the_same_name_is_never_replaced(store: Store) -> None:
    save_macro(store, {"name": "Starter: chat acknowledgement", "body": "Ours!"})
    save_macro(store, {"name": "Mine", "shortcut": "outside-hours-en", "body": "Mine"})
    done = rules.import_starter(store, ACTOR)
    assert "Starter: chat acknowledgement" not in done.macros_installed
    with store.read() as session:
        by_name = {m.name: m for m in session.exec(select(Macro))}
    assert by_name["Starter: chat acknowledgement"].body == "Ours!"
    # Its shortcut was taken: installed without one (rules name macros by name).
    assert by_name["Starter: outside hours (EN)"].shortcut is None


def test_the_cli_writes_the_file_and_an_edited_copy_imports_with_its_macros(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "deskterm.db"}"\n')
    base = ["--config", str(config), "rules"]
    assert main([*base, "starter"]) == 0
    assert capsys.readouterr().out == rules.starter_rules_text()
    copy = tmp_path / "rules.toml"
    assert main([*base, "starter", str(copy)]) == 0
    assert main([*base, "starter", str(copy)]) == 2  # never over a file without --force
    assert "--force" in capsys.readouterr().err
    copy.write_text(copy.read_text().replace("enabled = false", "enabled = true", 1))
    assert main([*base, "import", str(copy)]) == 0
    out = capsys.readouterr().out
    assert 'starter macro "Starter: outside hours (ID)" installed' in out
    assert "12 rules created" in out
    assert main([*base, "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["enabled"] for r in listed][:2] == [True, False]
    assert main([*base, "import", "--starter"]) == 0
    assert "kept as it is" in capsys.readouterr().out
    assert main([*base, "import"]) == 2
    assert "give a FILE or --starter" in capsys.readouterr().err


# --- each rule, on its own -----------------------------------------------------------------


def test_newsletters_to_spam(store: Store, channel: ChannelContext) -> None:
    only(store, "Newsletters to spam")
    news = ingest(
        store,
        channel,
        dataclasses.replace(
            msg(
                "news@x",
                sender="news@newsletter.test",
                name="Marketplace Weekly",
                subject="Your weekly seller digest",
                body="Top tips for sellers this week.\nUnsubscribe: https://newsletter.test/u",
            ),
            auto_submitted=True,
        ),
    ).ticket_id
    asking = ingest(
        store,
        channel,
        msg("ask@x", subject="Emails", body="Please unsubscribe me from your mailing list"),
    ).ticket_id
    run_rules(store, now=NOW)
    assert ticket(store, news)["spam"] is True
    assert ticket(store, asking)["spam"] is False


def test_auto_replies_closed(store: Store, channel: ChannelContext) -> None:
    only(store, "Auto-replies closed")
    ooo = ingest(
        store,
        channel,
        msg("ooo@x", subject="Automatic reply", body="I am out of the office until Monday."),
    ).ticket_id
    asks = ingest(
        store, channel, msg("q@x", subject="Order", body="Where is my order #1042?")
    ).ticket_id
    run_rules(store, now=NOW)
    assert ticket(store, ooo)["status"] == "closed"
    assert ticket(store, asks)["status"] == "open"


def test_close_on_thanks_after_an_agent_reply(store: Store, channel: ChannelContext) -> None:
    only(store, "Close on thanks")
    rules.set_enabled(store, "Mark tickets an agent answered", True, ACTOR)
    answered = ingest(store, channel, msg("1@x", body="Where is my order #1042?")).ticket_id
    ingest(store, channel, shop_reply("r1@x", "1@x", "Resi JNE: JNE1234567890."))
    ingest(
        store,
        channel,
        msg("2@x", in_reply_to="r1@x", body="It arrived today, thank you so much!", hour=12),
    )
    # The same words on a ticket nobody answered: nothing to close.
    alone = ingest(
        store,
        channel,
        msg("t@x", sender="bob@example.com", name="Bob", subject="Hi", body="Thank you so much!"),
    ).ticket_id
    run_rules(store, now=NOW)
    assert ticket(store, answered)["status"] == "closed"
    assert "Rule 'Close on thanks' closed the ticket" in notes(store, answered)[-1]
    assert ticket(store, alone)["status"] == "open"
    assert outbox(store) == []  # a thank-you is not answered


def test_auto_close_after_seven_days_waiting_for_the_customer(
    store: Store, channel: ChannelContext
) -> None:
    for name in ("Waiting for the customer", "Customer answered", "Close after 7 days waiting"):
        if not rules.list_rules(store):
            rules.import_starter(store, ACTOR)
        rules.set_enabled(store, name, True, ACTOR)
    silent = ingest(store, channel, msg("1@x", body="Do you sell decaf?")).ticket_id
    ingest(store, channel, shop_reply("r1@x", "1@x", "Yes! Which size would you like?"))
    wrote = ingest(
        store, channel, msg("2@x", sender="bob@example.com", name="Bob", subject="Gift wrap")
    ).ticket_id
    ingest(store, channel, shop_reply("r2@x", "2@x", "Sure, for which order?"))
    now = datetime.now(UTC)
    run_rules(store, now=now)
    for tid in (silent, wrote):
        shown = ticket(store, tid)
        assert shown["status"] == "snoozed" and "waiting-customer" in shown["tags"]
    # Bob answers within the week: his ticket wakes, and is no longer waiting.
    answer = msg("3@x", sender="bob@example.com", name="Bob", in_reply_to="r2@x")
    ingest(store, channel, dataclasses.replace(answer, sent_at=now + timedelta(hours=1)))
    run_rules(store, now=now)
    assert ticket(store, wrote)["status"] == "open"
    assert "waiting-customer" not in ticket(store, wrote)["tags"]
    # Eight days on: the silent ticket's snooze ends, and the rule closes it.
    later = now + timedelta(days=8)
    assert wake_snoozed(store, actor="sync:snooze", now=later) == [silent]
    run_rules(store, now=later)
    assert ticket(store, silent)["status"] == "closed"
    assert "waiting-customer" not in ticket(store, silent)["tags"]
    assert ticket(store, wrote)["status"] == "open"


def _order(store: Store, email: str, status: str, tracking: list[dict[str, str]]) -> None:
    with store.write() as session:
        session.add(
            Order(
                store="main",
                external_id=f"gid://shopify/Order/{email}",
                email=email,
                name="#1042",
                placed_at=datetime.now(UTC) - timedelta(days=3),
                total="75.00",
                status=status,
                data={"tracking": tracking},
            )
        )


def test_wismo_answers_with_the_tracking_number(store: Store, channel: ChannelContext) -> None:
    only(store, "WISMO auto-answer")
    _order(store, "alice@example.com", "shipped", [{"number": "JNE1234567890", "company": "JNE"}])
    _order(store, "bob@example.com", "to_ship", [])
    shipped = ingest(
        store, channel, msg("1@x", body="Hi, where is my order #1042? It has not arrived yet.")
    ).ticket_id
    ingest(
        store,
        channel,
        msg("2@x", sender="bob@example.com", name="Bob", body="Hi, where is my order #1043?"),
    )
    run_rules(store, now=NOW)
    [sent] = outbox(store)
    assert sent.to == "alice@example.com" and "JNE1234567890 (JNE)" in sent.body_text
    assert notes(store, shipped) == [
        "Rule 'WISMO auto-answer' replied with macro 'Starter: tracking'; tagged auto-answered"
    ]


def test_outside_hours_acknowledgement_in_the_customers_language(
    store: Store, channel: ChannelContext
) -> None:
    only(store, "Outside hours acknowledgement (ID)")
    rules.set_enabled(store, "Outside hours acknowledgement (EN)", True, ACTOR)
    ingest(
        store,
        channel,
        msg(
            "id@x", subject="Pesanan", body="Halo kak, pesanan saya kapan sampai ya? Sudah 5 hari."
        ),
    )
    ingest(
        store,
        channel,
        msg(
            "en@x",
            sender="bob@example.com",
            name="Bob",
            subject="Order",
            body="Hello, when will my order arrive?",
        ),
    )
    run_rules(store, CLOSED_ALL_WEEK, now=NOW)
    bodies = {row.to: row.body_text for row in outbox(store)}
    assert bodies["alice@example.com"].startswith("Halo Kak, terima kasih")
    assert bodies["bob@example.com"].startswith("Hello, and thank you")
    # A second message that night: already acknowledged, no reply and no note.
    ingest(store, channel, msg("id2@x", in_reply_to="id@x", body="Halo? Mohon dibalas kak"))
    run_rules(store, CLOSED_ALL_WEEK, now=NOW)
    assert len(outbox(store)) == 2


def test_no_outside_hours_acknowledgement_inside_hours(
    store: Store, channel: ChannelContext
) -> None:
    only(store, "Outside hours acknowledgement (EN)")
    ingest(store, channel, msg("en@x", body="Hello, when will my order arrive?"))
    run_rules(store, now=NOW)  # no [business_hours]: the shop is always open
    assert outbox(store) == []


CONV = ChatConversation(
    id="100094063_2_1011822749_1_103", buyer_id="1891549323", buyer_name="Siti", last_activity=NOW
)


def _chat(n: int, text: str, *, buyer: bool = True) -> InboundMessage:
    raw = {
        "session_id": CONV.id,
        "message_id": f"1zYOS7N0cu{n:08d}",
        "content": json.dumps({"txt": text}),
        "from_account_id": "1891549323" if buyer else "231135951",
        "from_account_type": 1 if buyer else 2,
        "send_time": int((NOW + timedelta(minutes=n)).timestamp() * 1000),
        "template_id": 1,
        "to_account_type": 2 if buyer else 1,
        "type": 1,
        "status": 0,
        "auto_reply": False,
    }
    return chat_to_inbound(CONV, lazada.message(raw, CONV.id))


def test_marketplace_chat_quick_acknowledgement(store: Store, channel: ChannelContext) -> None:
    with store.write() as session:
        row = ensure_channel(session, name="lazada-id", type="lazada")
        assert row.id is not None
    chat = ChannelContext(id=row.id, name="lazada-id", type="lazada")
    only(store, "Marketplace chat quick acknowledgement")
    tid = ingest(store, chat, _chat(1, "Halo kak, kopi Gayo 1kg ready?")).ticket_id
    ingest(store, chat, _chat(2, "Mau pesan 2 ya"))
    mail = ingest(store, channel, msg("m@x", body="Hello, do you ship to Singapore?")).ticket_id
    run_rules(store, now=NOW)
    [sent] = outbox(store)  # one, for the burst of two chat messages; none for the mail
    assert sent.ticket_id == tid and sent.body_text.startswith("Halo Kak, terima kasih")
    assert notes(store, tid) == [
        "Rule 'Marketplace chat quick acknowledgement' replied with macro"
        " 'Starter: chat acknowledgement'; tagged auto-acknowledged"
    ]
    assert notes(store, mail) == []
    # Closed by an agent: the next time the buyer writes, one acknowledgement again.
    rules.set_enabled(store, "Acknowledge again after closing", True, ACTOR)
    tickets.close(store, tid, ACTOR)
    run_rules(store, now=NOW)
    assert "auto-acknowledged" not in ticket(store, tid)["tags"]

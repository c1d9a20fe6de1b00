"""Signatures (issue 16 item 3): the agent's `[user] signature` above the channel's
`signature`, macro variables filled, under the reply's words — on a Shopee chat through the
fake over loopback HTTP (`deskterm reply`, `--no-signature`, a rule's reply with the
channel's only) and in the services for email (after `-- `)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.domain.signatures import Signatures, signed
from deskterm.ingest.context import ChannelContext
from deskterm.services import replies
from deskterm.services.actor import Actor, agent_actor
from deskterm.store.engine import Store
from deskterm.store.tables import Outbox
from tests.conftest import ingest, msg
from tests.sync.conftest import dt, dt_json
from tests.sync.test_rules_engine_chat import seller_texts

USER_SIGNATURE = "{{ current_user.firstname }} dari Toko"
CHANNEL_SIGNATURE = "Toko Kopi · Shopee · tiket {{ ticket.id }}"


@pytest.fixture
def markets(tmp_path: Path) -> Iterator[tuple[Marketplaces, Path]]:
    with serve_marketplaces(tmp_path / "secrets", conversations=0) as fakes:
        config = tmp_path / "config.toml"
        channels = fakes.config.replace(
            'name = "shopee-id"\n', f'name = "shopee-id"\nsignature = "{CHANNEL_SIGNATURE}"\n'
        )
        config.write_text(
            '[store]\npath = "store/deskterm.db"\n[classify]\nenabled = false\n'
            '[user]\nname = "Dewi Lestari"\nemail = "dewi@toko.test"\n'
            f'signature = "{USER_SIGNATURE}"\n' + channels,
            encoding="utf-8",
        )
        yield fakes, config


def test_chat_replies_carry_the_agents_and_the_channels_signature(
    markets: tuple[Marketplaces, Path],
) -> None:
    fakes, config = markets
    chat = fakes.shopee.add_conversation("rina.kusuma")
    fakes.shopee.add_buyer_message(chat, "Kak, stok kemeja navy L ada?")
    assert dt("--config", str(config), "sync", "--once")[0] == 0
    (ticket,) = [
        t
        for t in dt_json("--config", str(config), "tickets", "--view", "All", "--json")
        if t["channel"] == "shopee-id"
    ]
    number = str(ticket["id"])
    assert dt("--config", str(config), "reply", number, "--body", "Ada kak.")[0] == 0
    assert dt("--config", str(config), "reply", number, "--body", "Siap.", "--no-signature")[0] == 0
    assert dt("--config", str(config), "sync", "--once")[0] == 0
    assert seller_texts(fakes, "shopee-id", chat) == [
        f"Ada kak.\n\nDewi dari Toko\nToko Kopi · Shopee · tiket {number}",
        "Siap.",
    ]


def test_email_signature_goes_after_the_separator_and_rules_sign_as_the_channel(
    store: Store, channel: ChannelContext
) -> None:
    ticket = ingest(
        store, channel, msg("<s1@x>", sender="alice@example.com", name="Alice")
    ).ticket_id
    with store.write() as session:
        ana = agent_actor(session, email="ana@shop.test", name="Ana Putri")
    signatures = Signatures(
        agent="{{ current_user.name }}", channels={"support": "Kopi Nusantara support"}
    )
    queued = replies.queue_reply(store, ticket, "Thanks, Alice!", ana, signatures=signatures)
    with store.read() as session:
        body = session.get(Outbox, queued.outbox_id).body_text  # type: ignore[union-attr]
    assert body == "Thanks, Alice!\n\n-- \nAna Putri\nKopi Nusantara support"
    # A rule's reply: the channel's signature only (no agent wrote it).
    with store.write() as session:
        auto = replies.reply_queued(
            session, ticket, "We got it.", Actor("rule:ack"), auto=True, signatures=signatures
        )
    with store.read() as session:
        rule_body = session.get(Outbox, auto.outbox_id).body_text  # type: ignore[union-attr]
    assert rule_body == "We got it.\n\n-- \nKopi Nusantara support"


def test_signed_leaves_a_text_that_already_ends_with_it() -> None:
    assert signed("Hi\n\n-- \nAna", "Ana", "email") == "Hi\n\n-- \nAna"
    assert signed("Hi", "", "email") == "Hi"
    assert signed("Hi\n", "Ana", "shopee") == "Hi\n\nAna"
    assert Signatures(agent="A", channels={"x": "C"}).template("x", agent=False) == "C"
    assert Signatures(agent="A").template("y") == "A"
    assert dataclasses.replace(Signatures(), agent="").template("y") == ""

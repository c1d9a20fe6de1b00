"""A chat opened by a card or a notice is named by the buyer's first words once they write
(issue 10 item 1: the list shows the subject or the chat's first words, not "Chat with …")."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from deskterm.channels.chat.types import ChatConversation, ChatMessage
from deskterm.domain.query import parse_query
from deskterm.ingest.context import ChannelContext
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import Store
from deskterm.store.readdb import open_read
from deskterm.store.reader import compile_query, get_ticket, list_tickets
from deskterm.sync.chat.mapping import chat_to_inbound
from tests.conftest import ingest

START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
CONV = ChatConversation(id="c1", buyer_id="9001", buyer_name="Siti Rahayu", last_activity=START)


def chat(n: int, *, kind: str = "text", text: str = "", from_buyer: bool = True) -> ChatMessage:
    return ChatMessage(
        id=f"m{n}",
        conversation_id=CONV.id,
        from_buyer=from_buyer,
        sender_id="9001" if from_buyer else "shop",
        sender_name="Siti Rahayu" if from_buyer else "Toko",
        sent_at=START + timedelta(minutes=n),
        kind=kind,
        text=text,
        raw={"n": n},
    )


def _channel(store: Store) -> ChannelContext:
    with store.write() as session:
        row = ensure_channel(session, name="tokopedia", type="tiktokshop")
        assert row.id is not None
        return ChannelContext(id=row.id, name="tokopedia", type="tiktokshop")


def _subject(store: Store, ticket_id: int) -> str:
    db = open_read(store.url)
    try:
        return str(get_ticket(db, ticket_id)["subject"])
    finally:
        db.close()


def test_the_buyers_first_words_replace_the_stand_in_name(store: Store) -> None:
    channel = _channel(store)
    card = ingest(store, channel, chat_to_inbound(CONV, chat(1, kind="order", text="[Order 57]")))
    assert _subject(store, card.ticket_id) == "Chat with Siti Rahayu"
    shop = ingest(store, channel, chat_to_inbound(CONV, chat(2, text="Halo!", from_buyer=False)))
    assert _subject(store, shop.ticket_id) == "Chat with Siti Rahayu"  # the shop's words: no
    words = ingest(store, channel, chat_to_inbound(CONV, chat(3, text="Kak, kapan dikirim?")))
    assert words.ticket_id == card.ticket_id
    assert _subject(store, card.ticket_id) == "Kak, kapan dikirim?"
    # Later words never rename it again.
    ingest(store, channel, chat_to_inbound(CONV, chat(4, text="Halo kak?")))
    assert _subject(store, card.ticket_id) == "Kak, kapan dikirim?"
    # Ingesting the same message again (a resumed sync) changes nothing.
    again = ingest(store, channel, chat_to_inbound(CONV, chat(3, text="Kak, kapan dikirim?")))
    assert again.duplicate and _subject(store, card.ticket_id) == "Kak, kapan dikirim?"


def test_a_renamed_chat_is_found_by_its_new_words(store: Store) -> None:
    channel = _channel(store)
    first = ingest(store, channel, chat_to_inbound(CONV, chat(1, kind="order", text="[Order 57]")))
    ingest(store, channel, chat_to_inbound(CONV, chat(2, text="ukuran sepatu salah")))
    db = open_read(store.url)
    try:
        found = list_tickets(db, compile_query(db, parse_query("subject:sepatu"), me_agent_id=None))
    finally:
        db.close()
    assert [row["id"] for row in found] == [first.ticket_id]


def test_an_email_subject_is_never_a_stand_in(store: Store) -> None:
    """Only a chat's own stand-in is replaced; a real subject stays whatever comes later."""
    channel = _channel(store)
    named = chat_to_inbound(CONV, chat(1, text="Pesanan #1042"))
    first = ingest(store, channel, named)
    later = replace(chat_to_inbound(CONV, chat(2, text="tolong cek")), stand_in_subject="x")
    ingest(store, channel, later)
    assert _subject(store, first.ticket_id) == "Pesanan #1042"

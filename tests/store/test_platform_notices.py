"""Marketplace platform notices are the platform's, not the shop's (issue 9 finding 7):
stored with direction "system", never a first reply, never reopening, opening or answering
a ticket, never unread, and never moving the ticket in the list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from deskterm.channels.chat.lazada import mapping as lazada
from deskterm.channels.chat.types import ChatConversation
from deskterm.domain.query import parse_query
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.services.read_state import mark_read
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import Store
from deskterm.store.readdb import open_read
from deskterm.store.reader import compile_query, get_ticket, list_tickets
from deskterm.store.tables import Event, Message, Ticket
from deskterm.sync.chat.mapping import chat_to_inbound
from tests.conftest import ingest

ACTOR = Actor(label="agent:test")
SESSION = "100094063_2_1011822749_1_103"
START = datetime(2026, 3, 2, 9, tzinfo=UTC)
CONV = ChatConversation(id=SESSION, buyer_id="1891549323", buyer_name="Siti", last_activity=START)


def _lazada(store: Store) -> ChannelContext:
    with store.write() as session:
        row = ensure_channel(session, name="lazada-id", type="lazada")
        assert row.id is not None
        return ChannelContext(id=row.id, name="lazada-id", type="lazada")


def _raw(n: int, *, who: int, kind: int, template: int, text: str, minutes: int) -> dict[str, Any]:
    """One documented message_list entry (im-open-api.md 4.1)."""
    return {
        "session_id": SESSION,
        "message_id": f"1zYOS7N0cu{n:08d}",
        "content": json.dumps({"txt": text}),
        "from_account_id": "1891549323" if who == 1 else "231135951",
        "from_account_type": who,
        "send_time": int((START + timedelta(minutes=minutes)).timestamp() * 1000),
        "template_id": template,
        "to_account_type": 2 if who == 1 else 1,
        "type": kind,
        "status": 0,
        "auto_reply": False,
    }


def buyer(n: int, text: str, minutes: int) -> Any:
    return chat_to_inbound(
        CONV,
        lazada.message(_raw(n, who=1, kind=1, template=1, text=text, minutes=minutes), SESSION),
    )


def notice(n: int, minutes: int, *, template: int = 1) -> Any:
    """Lazada's "please rate" request: a systemSend (type 2) message on the seller's side."""
    text = "Please rate your experience with this shop"
    raw = _raw(n, who=2, kind=2, template=template, text=text, minutes=minutes)
    return chat_to_inbound(CONV, lazada.message(raw, SESSION))


def agent(n: int, text: str, minutes: int) -> Any:
    return chat_to_inbound(
        CONV,
        lazada.message(_raw(n, who=2, kind=1, template=1, text=text, minutes=minutes), SESSION),
    )


def _ticket(store: Store, ticket_id: int, agent_id: int | None = None) -> dict[str, Any]:
    db = open_read(store.url)
    try:
        return get_ticket(db, ticket_id, agent_id=agent_id)
    finally:
        db.close()


def test_a_rating_request_is_the_platforms_notice_not_a_first_reply(store: Store) -> None:
    """issue 9 finding 7: the Lazada type-2 "please rate" is stored as "system"; the first
    reply, the clocks and the unread mark ignore it."""
    channel = _lazada(store)
    with store.write() as session:
        dewi = agent_actor(session, email="dewi@shop.test")
    first = ingest(store, channel, buyer(1, "Kak, pesanan saya kapan dikirim?", 0))
    mark_read(store, first.ticket_id, dewi)
    note = ingest(store, channel, notice(2, 30))
    assert note.ticket_id == first.ticket_id and not note.ticket_reopened
    shown = _ticket(store, first.ticket_id, dewi.agent_id)
    assert not shown["unread"]
    assert [m["direction"] for m in shown["messages"]] == ["in", "system"]
    assert shown["messages"][1]["author"] == "Lazada"
    assert shown["first_reply_at"] is None
    assert shown["last_message_at"] == shown["created_at"]  # the list order is the buyer's
    assert shown["message_count"] == 2
    # A real reply afterwards is the first reply.
    ingest(store, channel, agent(3, "Sudah dikirim kak", 45))
    assert _ticket(store, first.ticket_id)["first_reply_at"].startswith("2026-03-02T09:45")


def test_a_notice_never_reopens_a_closed_ticket(store: Store) -> None:
    """issue 9 finding 7: closed stays closed when the platform asks for a rating."""
    channel = _lazada(store)
    first = ingest(store, channel, buyer(1, "Terima kasih kak", 0))
    svc.close(store, first.ticket_id, ACTOR)
    late = notice(2, 60)
    late.sent_at = datetime.now(UTC).replace(tzinfo=None)  # after the close
    result = ingest(store, channel, late)
    assert not result.ticket_reopened
    assert _ticket(store, first.ticket_id)["status"] == "closed"


def test_a_conversation_opened_by_a_notice_waits_for_the_buyer(store: Store) -> None:
    """issue 9 finding 7: a notice alone makes a closed ticket with nothing to answer; the
    buyer's first message opens it as if it were new (its time, its words, no reopen)."""
    channel = _lazada(store)
    opened = ingest(store, channel, notice(1, 0, template=2))
    assert opened.ticket_created
    shown = _ticket(store, opened.ticket_id)
    assert shown["status"] == "closed" and shown["messages"][0]["direction"] == "system"
    db = open_read(store.url)
    try:
        inbox = compile_query(db, parse_query("status:open"), me_agent_id=None)
        assert opened.ticket_id not in {t["id"] for t in list_tickets(db, inbox)}
    finally:
        db.close()
    asked = ingest(store, channel, buyer(2, "Kak, barangnya rusak", 24 * 60))
    assert asked.ticket_id == opened.ticket_id and not asked.ticket_reopened
    shown = _ticket(store, opened.ticket_id)
    assert shown["status"] == "open"
    assert shown["created_at"].startswith("2026-03-03T09:00")  # the SLA starts here
    assert shown["subject"] == "Kak, barangnya rusak"
    with store.read() as session:
        kinds = [
            e.kind for e in session.exec(select(Event).where(Event.ticket_id == opened.ticket_id))
        ]
        assert "ticket.reopened" not in kinds
        assert session.get(Ticket, opened.ticket_id) is not None
        assert {m.direction for m in session.exec(select(Message))} == {"system", "in"}

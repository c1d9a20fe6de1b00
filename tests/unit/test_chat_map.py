"""A chat message as an inbound message: one ticket per conversation, buyer = customer."""

from __future__ import annotations

from datetime import UTC, datetime

from deskterm.channels.chat.types import ChatConversation, ChatMessage
from deskterm.domain.enums import IdentityKind
from deskterm.sync.chat.mapping import chat_content_hash, chat_to_inbound, conversation_ref

CONV = ChatConversation(
    id="7710825292691931183",
    buyer_id="9001",
    buyer_name="Siti Rahayu",
    last_activity=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
)


def message(**changes: object) -> ChatMessage:
    base: dict[str, object] = {
        "id": "m1",
        "conversation_id": CONV.id,
        "from_buyer": True,
        "sender_id": "9001",
        "sender_name": "Siti Rahayu",
        "sent_at": datetime(2026, 11, 22, 15, 0, tzinfo=UTC),
        "kind": "text",
        "text": "Kak, pesanan saya kapan dikirim?",
        "raw": {"type": "TEXT", "content": '{"content":"..."}'},
    }
    base.update(changes)
    return ChatMessage(**base)  # type: ignore[arg-type]


def test_buyer_text_is_inbound_from_a_buyer_identity_threaded_by_conversation() -> None:
    inbound = chat_to_inbound(CONV, message())
    assert inbound.sender.kind is IdentityKind.BUYER and inbound.sender.handle == "9001"
    assert not inbound.outbound and inbound.references == [conversation_ref(CONV.id)]
    assert inbound.subject == "Kak, pesanan saya kapan dikirim?"
    assert inbound.content_hash == chat_content_hash("m1") and inbound.raw_format == "json"
    assert inbound.sent_at == datetime(2026, 11, 22, 15, 0)  # naive UTC, as ingest stores


def test_shop_message_is_outbound_to_the_buyer_and_cards_do_not_name_the_ticket() -> None:
    shop = chat_to_inbound(CONV, message(from_buyer=False, sender_id="shop1", sender_name=""))
    assert shop.outbound and shop.recipients[0].handle == "9001"
    card = chat_to_inbound(CONV, message(kind="order", text="[Order 5793]"))
    assert card.subject == "Chat with Siti Rahayu"


def test_platform_notice_is_nobodys_and_filed_with_the_buyer() -> None:
    """issue 9 finding 7: a marketplace notice is neither inbound nor the shop's outbound."""
    notice = chat_to_inbound(
        CONV,
        message(
            from_buyer=False,
            from_platform=True,
            sender_id="231135951",
            sender_name="Lazada",
            kind="system",
            text="Please rate your experience with this shop",
        ),
    )
    assert notice.platform_notice and not notice.outbound
    assert notice.sender.handle == "" and notice.sender.name == "Lazada"
    assert notice.recipients[0].handle == "9001"
    assert notice.subject == "Chat with Siti Rahayu"

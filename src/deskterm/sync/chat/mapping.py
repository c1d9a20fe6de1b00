"""A marketplace chat message as a normalised inbound message (one ticket per conversation)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from deskterm.channels.chat.types import ChatConversation, ChatMessage
from deskterm.domain.enums import IdentityKind
from deskterm.domain.messages import InboundMessage, Party
from deskterm.domain.text import one_line

SUBJECT_LENGTH = 70  # a chat has no subject: the conversation's first words stand in


def conversation_ref(conversation_id: str) -> str:
    """The thread reference every message of one conversation carries (-> one ticket)."""
    return f"conv:{conversation_id}"


def chat_content_hash(message_id: str) -> str:
    """Platform message ids are unique per shop, so the id alone identifies the content.

    Our own sent replies get the same hash once the platform names their id, so the
    copy that comes back in the next poll is recognised as a duplicate.
    """
    return f"chat:{message_id}"


def _subject(conversation: ChatConversation, message: ChatMessage) -> str:
    """What the buyer wrote, when this is the buyer's own text; else who the chat is with.

    The first message of a conversation names the ticket, and chats often open with a
    system notice ("buyer is viewing…") or a card that says nothing about the question.
    """
    if message.from_buyer and message.kind == "text" and message.text.strip():
        return one_line(message.text, SUBJECT_LENGTH)
    return _stand_in(conversation)


def _stand_in(conversation: ChatConversation) -> str:
    """A chat's name until the buyer writes words: who it is with."""
    return f"Chat with {conversation.buyer_name or conversation.buyer_id}"


def stable_id(conversation: ChatConversation, message: ChatMessage) -> str:
    """The platform's message id, or one made from what the message is when it has none.

    An empty id would dedupe against our own queued replies (which have none until sent)
    and two id-less messages would collapse into one.
    """
    if message.id:
        return message.id
    digest = hashlib.sha256(
        f"{conversation.id}|{message.sent_at.isoformat()}|{message.sender_id}|{message.text}".encode()
    ).hexdigest()[:24]
    return f"noid-{digest}"


def chat_to_inbound(conversation: ChatConversation, message: ChatMessage) -> InboundMessage:
    """One chat message ready for ingest; the buyer is the customer either way."""
    message_id = stable_id(conversation, message)
    buyer = Party(conversation.buyer_name, conversation.buyer_id, IdentityKind.BUYER)
    if message.from_platform:
        # The marketplace's own notice: no handle, so it is nobody's identity.
        sender, recipients = (
            Party(message.sender_name or "platform", "", IdentityKind.BUYER),
            [buyer],
        )
    elif message.from_buyer:
        sender, recipients = buyer, []
    else:
        shop = Party(message.sender_name or "shop", message.sender_id or "shop", IdentityKind.BUYER)
        sender, recipients = shop, [buyer]
    raw = json.dumps(message.raw, ensure_ascii=False, sort_keys=True).encode()
    return InboundMessage(
        external_id=message_id,
        content_hash=chat_content_hash(message_id),
        subject=_subject(conversation, message),
        sender=sender,
        recipients=recipients,
        sent_at=message.sent_at.astimezone(UTC).replace(tzinfo=None),
        body_text=message.text,
        references=[conversation_ref(conversation.id)],
        raw=raw,
        raw_format="json",
        auto_submitted=message.auto_reply,
        outbound=not message.from_buyer and not message.from_platform,
        platform_notice=message.from_platform,
        stand_in_subject=_stand_in(conversation),
        headers={"x-chat-kind": message.kind, "x-conversation-id": conversation.id},
        order_ref=message.order_ref,
    )

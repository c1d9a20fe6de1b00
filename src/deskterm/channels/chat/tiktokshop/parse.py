"""TikTok Shop conversations and messages (customer service 202309) made readable."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from deskterm.channels.chat import cards
from deskterm.channels.chat.cards import Card, CardKind
from deskterm.channels.chat.types import ChatConversation, ChatMessage

# Platform notices that arrive as {"content": "..."} and are nobody's words.
SYSTEM_TYPES = frozenset({"ALLOCATED_SERVICE", "NOTIFICATION", "BUYER_ENTER_FROM_TRANSFER"})
AUTOMATIC_ROLES = frozenset({"SYSTEM", "ROBOT"})  # the docs: these are sent as the shop
MEDIA_KINDS = {"IMAGE": CardKind.IMAGE, "EMOTICONS": CardKind.STICKER, "VIDEO": CardKind.VIDEO}
VIEWING = "buyer is viewing"  # BUYER_ENTER_FROM_*: what the buyer had open when writing


def as_utc(value: Any) -> datetime:
    """A Unix time in seconds (int or digit string) as an aware UTC datetime."""
    return datetime.fromtimestamp(_int(value), UTC)


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def decode_content(raw: Any) -> dict[str, Any]:
    """``content`` is a JSON *string*; anything else (or broken JSON) is treated as text."""
    if isinstance(raw, Mapping):
        return dict(raw)
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        decoded = json.loads(raw)
    except ValueError:
        return {"content": raw}
    return decoded if isinstance(decoded, dict) else {"content": _str(decoded)}


def _plain(content: Mapping[str, Any]) -> str:
    """Whatever words a message carries, for types we cannot otherwise describe."""
    for key in ("content", "text", "title", "desc", "description"):
        value = content.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _product(content: Mapping[str, Any], context: str = "") -> Card:
    # The 202309 docs promise only {"product_id"}; richer cards are used when present.
    price = content.get("price")
    return Card(
        CardKind.PRODUCT,
        ref=cards.text(content.get("product_id")),
        context=context,
        title=cards.text(
            content.get("title") or content.get("product_name") or content.get("name")
        ),
        price=cards.money_of(price, content.get("currency")),
        was=cards.original_of(price, content.get("currency")),
        url=cards.text(content.get("url") or content.get("link") or content.get("product_url")),
    )


def _order(content: Mapping[str, Any], context: str = "") -> Card:
    # The docs promise only {"order_id"}; a status, count or total is shown when present.
    total = next((content[k] for k in ("total", "total_amount", "payment") if k in content), None)
    return Card(
        CardKind.ORDER,
        ref=cards.text(content.get("order_id")),
        context=context,
        items=cards.count(content.get("item_count")),
        price=cards.money_of(total, content.get("currency")),
        status=cards.text(content.get("status") or content.get("order_status")),
    )


def _return(content: Mapping[str, Any]) -> Card:
    order, sku = cards.text(content.get("order_id")), cards.text(content.get("sku_id"))
    return Card(
        CardKind.RETURN,
        ref=cards.text(content.get("return_id")),
        order=order,
        extras=tuple(
            f"{label} {value}" for label, value in (("order", order), ("SKU", sku)) if value
        ),
    )


def _card(kind_hint: str, content: Mapping[str, Any]) -> Card | None:
    """The card a message type holds; None for text and the platform's notices."""
    if kind_hint in MEDIA_KINDS:
        return Card(MEDIA_KINDS[kind_hint], url=cards.text(content.get("url")))
    if kind_hint == "PRODUCT_CARD":
        return _product(content)
    if kind_hint == "BUYER_ENTER_FROM_PRODUCT":
        return _product(content, VIEWING)
    if kind_hint == "ORDER_CARD":
        return _order(content)
    if kind_hint == "BUYER_ENTER_FROM_ORDER":
        return _order(content, VIEWING)
    if kind_hint == "RETURN_REFUND_CARD":
        return _return(content)
    if kind_hint == "COUPON_CARD":
        return Card(CardKind.VOUCHER, ref=cards.text(content.get("coupon_id")))
    return None


def describe(kind_hint: str, content: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, readable text) for one message type and its decoded content.

    The API's ``unsupported_msg_tips`` is not used: an unsupported message reads the same on
    every platform (``cards.UNSUPPORTED_HINT``), in the language of the rest of deskterm.
    """
    kind, text, _order = read(kind_hint, content)
    return kind, text


def read(kind_hint: str, content: Mapping[str, Any]) -> tuple[str, str, str]:
    """``describe``'s (kind, text) and the order id the message's card names ("" none)."""
    if kind_hint == "TEXT":
        return "text", _str(content.get("content")), ""
    if kind_hint in SYSTEM_TYPES:
        return "system", _plain(content) or f"[{kind_hint} message]", ""
    # OTHER ("not supported in this API") and types newer than this code fall through.
    card = _card(kind_hint, content) or cards.unsupported(_plain(content))
    return card.kind.value, card.text, cards.linked_order(card)


def to_message(raw: Mapping[str, Any], conversation_id: str) -> ChatMessage:
    """One entry of ``data.messages`` (or a conversation's ``latest_message``)."""
    sender = _mapping(raw.get("sender"))
    role = _str(sender.get("role")).upper()
    kind_hint = _str(raw.get("type")).upper()
    kind, text, order_ref = read(kind_hint, decode_content(raw.get("content")))
    # Role SYSTEM, or a notice type whoever it is filed under: TikTok Shop's own words.
    # ROBOT stays the shop's (its chatbot), an automatic reply.
    platform = role == "SYSTEM" or kind_hint in SYSTEM_TYPES
    if platform:
        kind = "system"
    return ChatMessage(
        id=_str(raw.get("id")),
        conversation_id=conversation_id,
        from_buyer=role == "BUYER" and not platform,
        sender_id=_str(sender.get("im_user_id")),
        # The docs: SYSTEM carries the shop's nickname; the notice is not the shop's.
        sender_name="TikTok Shop" if platform else _str(sender.get("nickname")),
        sent_at=as_utc(raw.get("create_time")),
        kind=kind,
        text=text,
        raw=dict(raw),
        auto_reply=role in AUTOMATIC_ROLES or kind_hint in SYSTEM_TYPES,
        from_platform=platform,
        order_ref=order_ref,
    )


def order_key(message: ChatMessage) -> tuple[datetime, int]:
    """Oldest first; ``index`` (newer is larger) breaks ties within one second."""
    index = _str(message.raw.get("index"))
    return message.sent_at, int(index) if index.isdigit() else 0


def to_conversation(raw: Mapping[str, Any]) -> ChatConversation:
    """One entry of ``data.conversations``; activity is the latest message's time."""
    participants = raw.get("participants")
    if not isinstance(participants, list):
        participants = []
    buyer: Mapping[str, Any] = next(
        (p for p in participants if isinstance(p, Mapping) and p.get("role") == "BUYER"), {}
    )
    latest = _mapping(raw.get("latest_message"))
    when = latest.get("create_time") if latest else raw.get("create_time")
    return ChatConversation(
        id=_str(raw.get("id")),
        # user_id is the buyer's account (it also finds their orders); im_user_id is chat-only.
        buyer_id=_str(buyer.get("user_id") or buyer.get("im_user_id")),
        buyer_name=_str(buyer.get("nickname")),
        last_activity=as_utc(when if when is not None else raw.get("create_time")),
        latest_message_id=_str(latest.get("id")) if latest else "",
        unread_count=_int(raw.get("unread_count")),
        raw=dict(raw),
    )

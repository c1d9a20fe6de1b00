"""Shopee sellerchat JSON made readable: conversations and messages as deskterm's value types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from deskterm.channels.chat import cards
from deskterm.channels.chat.cards import Card, CardKind
from deskterm.channels.chat.types import ChatConversation, ChatMessage

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Where a product lives on the buyer-facing site, by the message's region code.
SITES = {
    "ID": "shopee.co.id",
    "SG": "shopee.sg",
    "MY": "shopee.com.my",
    "TH": "shopee.co.th",
    "VN": "shopee.vn",
    "PH": "shopee.ph",
    "TW": "shopee.tw",
    "BR": "shopee.com.br",
    "MX": "shopee.com.mx",
    "CO": "shopee.com.co",
    "CL": "shopee.cl",
}
MEDIA = {"image": ("url",), "sticker": ("url", "image_url"), "video": ("video_url", "url")}
PRODUCT_TYPES = frozenset({"item", "product"})
SYSTEM_TYPES = frozenset({"notification", "system", "system_message"})
AUTO_REPLY_OPTION = 1  # message_option of the shop's automatic replies


def as_int(value: Any, default: int = 0) -> int:
    """An integer from a JSON number or a digit string, never through float (ids exceed 2**53)."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return default


def as_id(value: Any) -> str:
    """A platform id as text: JSON numbers are exact Python ints, strings stay as they are."""
    if value is None or isinstance(value, bool | float):
        return ""  # a float id has already lost digits: better none than a wrong one
    return str(value).strip()


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (a naive one is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def from_nanos(nanos: int) -> datetime:
    """Aware UTC from Unix nanoseconds (microsecond precision, exact integer arithmetic)."""
    return EPOCH + timedelta(microseconds=nanos // 1000)


def from_seconds(seconds: int) -> datetime:
    """Aware UTC from Unix seconds."""
    return EPOCH + timedelta(seconds=seconds)


def conversation(raw: dict[str, Any]) -> ChatConversation:
    """One entry of ``get_conversation_list``."""
    return ChatConversation(
        id=as_id(raw.get("conversation_id")),
        buyer_id=as_id(raw.get("to_id")),
        buyer_name=str(raw.get("to_name") or ""),
        last_activity=from_nanos(as_int(raw.get("last_message_timestamp"))),
        latest_message_id=as_id(raw.get("latest_message_id")),
        unread_count=as_int(raw.get("unread_count")),
        raw=raw,
    )


def _product(content: dict[str, Any], region: str) -> Card:
    item_id = as_id(content.get("item_id"))
    shop_id = as_id(content.get("shop_id"))
    site = SITES.get(region.upper())
    currency = content.get("currency")
    return Card(
        CardKind.PRODUCT,
        ref=item_id,
        title=cards.text(content.get("name") or content.get("item_name") or content.get("title")),
        price=cards.amount(content.get("price"), currency),
        was=cards.amount(content.get("price_before_discount"), currency),
        url=f"https://{site}/product/{shop_id}/{item_id}" if site and shop_id and item_id else "",
    )


def _order(content: dict[str, Any]) -> Card:
    total = content.get("total_amount") or content.get("total_price")
    return Card(
        CardKind.ORDER,
        ref=as_id(content.get("order_sn")),
        items=cards.count(content.get("item_count")),
        price=cards.amount(total, content.get("currency")),
        status=cards.text(content.get("order_status") or content.get("status")),
    )


def _media(kind: str, content: dict[str, Any]) -> Card:
    url = next((str(content[key]) for key in MEDIA[kind] if content.get(key)), "")
    if kind == "sticker" and not url:
        package, sticker = (
            as_id(content.get("sticker_package_id")),
            as_id(content.get("sticker_id")),
        )
        return Card(
            CardKind.STICKER, ref=f"{package}/{sticker}" if package and sticker else sticker
        )
    return Card(CardKind(kind), url=url)


def _card(kind: str, content: dict[str, Any], region: str) -> Card | None:
    if kind in MEDIA:
        return _media(kind, content)
    if kind in PRODUCT_TYPES:
        return _product(content, region)
    if kind == "order":
        return _order(content)
    if kind == "voucher":
        ref = as_id(content.get("voucher_id") or content.get("promotion_id"))
        return Card(CardKind.VOUCHER, ref=ref, title=cards.text(content.get("voucher_code")))
    return None


def readable(message_type: str, content: dict[str, Any], region: str) -> tuple[str, str]:
    """(kind, text a person reads) for one message's type and content."""
    kind, text, _order = read(message_type, content, region)
    return kind, text


def read(message_type: str, content: dict[str, Any], region: str) -> tuple[str, str, str]:
    """``readable``'s (kind, text) and the order_sn an order card names ("" for none)."""
    kind = message_type.lower()
    text = str(content.get("text") or "")
    if kind == "text":
        return "text", text, ""
    if kind in SYSTEM_TYPES:
        return "system", text or f"[{message_type} message]", ""
    card = _card(kind, content, region) or cards.unsupported(text)
    return card.kind.value, card.text, cards.linked_order(card)


def message(
    raw: dict[str, Any], *, shop_id: int, buyer_name: str = "", default_region: str = ""
) -> ChatMessage:
    """One entry of ``get_message``; ``buyer_name`` comes from the conversation."""
    found = raw.get("content")
    content: dict[str, Any] = found if isinstance(found, dict) else {}
    message_type = str(raw.get("message_type") or "")
    region = str(raw.get("region") or default_region)
    kind, text, order_ref = read(message_type, content, region)
    from_id = as_int(raw.get("from_id"))
    system = kind == "system" or (from_id == 0 and as_int(raw.get("from_shop_id")) == 0)
    from_shop = as_int(raw.get("from_shop_id")) == shop_id
    from_buyer = not system and not from_shop
    if system:
        kind = "system"
    return ChatMessage(
        id=as_id(raw.get("message_id")),
        conversation_id=as_id(raw.get("conversation_id")),
        from_buyer=from_buyer,
        sender_id=as_id(raw.get("from_id")),
        sender_name=buyer_name if from_buyer else ("Shopee" if system else ""),
        sent_at=from_seconds(as_int(raw.get("created_timestamp"))),
        kind=kind,
        text=text,
        raw=raw,
        auto_reply=system or as_int(raw.get("message_option")) == AUTO_REPLY_OPTION,
        from_platform=system,
        order_ref=order_ref,
    )

"""Lazada sessions and messages as ChatConversation/ChatMessage, with text a person can read."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from deskterm.channels.chat import cards
from deskterm.channels.chat.cards import Card, CardKind
from deskterm.channels.chat.types import ChatConversation, ChatMessage

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BUYER = 1  # from_account_type / to_account_type
SYSTEM_SEND = 2  # message "type": sent by the platform, not by a person
SYSTEM_TEMPLATE = 2  # template_id of "SystemTxt" notices


def as_int(value: Any, default: int = 0) -> int:
    """Lazada sends numbers as numbers or strings (next_start_time is documented both ways)."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def from_ms(value: Any) -> datetime:
    """Milliseconds since the epoch as an aware UTC datetime (exact: no float rounding)."""
    return EPOCH + timedelta(milliseconds=as_int(value))


def to_ms(when: datetime) -> int:
    """An aware datetime as Lazada's milliseconds (exact: integer arithmetic)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - EPOCH) // timedelta(milliseconds=1)


def conversation(session: dict[str, Any]) -> ChatConversation:
    """One item of ``session_list`` (or GetSessionDetail's data)."""
    return ChatConversation(
        id=str(session.get("session_id") or ""),
        buyer_id=str(session.get("buyer_id") or ""),
        buyer_name=str(session.get("title") or ""),
        last_activity=from_ms(session.get("last_message_time")),
        latest_message_id=str(session.get("last_message_id") or ""),
        unread_count=as_int(session.get("unread_count")),
        raw=session,
    )


def content_of(raw: Any) -> dict[str, Any]:
    """``content`` is a JSON string (an object in some pushes); plain text when it is neither."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            decoded = json.loads(raw)
        except ValueError:
            return {"txt": raw}
        return decoded if isinstance(decoded, dict) else {"txt": raw}
    return {} if raw is None else {"txt": str(raw)}


def _join(*parts: Any, sep: str = " ") -> str:
    return sep.join(
        str(part).strip() for part in parts if part not in (None, "") and str(part).strip()
    )


def _text(content: dict[str, Any]) -> str:
    txt = str(content.get("txt") or "")
    # The docs spell the translation both "translateTxt" and "translatText".
    translated = str(content.get("translateTxt") or content.get("translatText") or "")
    if translated and translated != txt:
        return f"{txt}\n(translation: {translated})" if txt else translated
    return txt


def _product(c: dict[str, Any]) -> Card:
    return Card(
        CardKind.PRODUCT,
        ref=cards.text(c.get("itemId")),
        title=cards.text(c.get("title")),
        price=cards.written(c.get("price")),
        was=cards.written(c.get("oldPrice")),
        discount=cards.text(c.get("discount")),
        url=cards.text(c.get("actionUrl")),
    )


def _order(c: dict[str, Any]) -> Card:
    # "content" is Lazada's own summary in the buyer's language ("1 barang · Total Rp59.000").
    return Card(
        CardKind.ORDER,
        ref=cards.text(c.get("orderId")),
        title=cards.text(c.get("title")),
        details=(cards.text(c.get("content")),),
        status=cards.text(c.get("status")),
        url=cards.text(c.get("actionUrl")),
    )


def _refund(c: dict[str, Any]) -> Card:
    title = content_of(c.get("title"))  # documented as a JSON string {"<language>": "<title>"}
    heading = next((str(v) for v in title.values() if v), "")
    item = cards.text(c.get("subOrderTitle"))
    number = cards.text(c.get("subOrderCount"))
    unit = c.get("subOrderPriceUnit")
    reason = cards.text(c.get("refundOrderReason"))
    return Card(
        CardKind.RETURN,
        ref=cards.text(c.get("refundOrderId")),
        title=heading,
        details=(_join(item, number and f"×{number}"),),
        price=cards.written(c.get("subOrderPrice"), unit),
        extras=(f"reason: {reason}" if reason else "",),
        url=cards.text(c.get("viewUrl4Seller") or c.get("viewUrl4Buyer")),
    )


def _voucher(c: dict[str, Any]) -> Card:
    currency = c.get("currencyCode") or c.get("currency")
    return Card(
        CardKind.VOUCHER,
        ref=cards.text(c.get("voucherId") or c.get("promotion_id")),
        title=cards.text(c.get("title")),
        details=(cards.text(c.get("desc")),),
        minimum=cards.written(c.get("minOrderAmount"), currency),
        url=cards.text(c.get("actionUrl")),
    )


def _sticker(c: dict[str, Any]) -> Card:
    name = cards.text(c.get("txt"))  # "[happy]"
    return Card(
        CardKind.STICKER,
        title=name[1:-1] if name.startswith("[") and name.endswith("]") else name,
        url=cards.text(c.get("imgUrl")),
    )


def _auto_reply(c: dict[str, Any]) -> str:
    options = [str(c.get(f"action{n}Txt")) for n in range(1, 11) if c.get(f"action{n}Txt")]
    return _join(c.get("txt"), options and "Options: " + " / ".join(options), sep="\n")


CARDS: dict[int, Callable[[dict[str, Any]], Card]] = {
    3: lambda c: Card(CardKind.IMAGE, url=cards.text(c.get("imgUrl"))),
    4: _sticker,
    # The video's play URL needs another API call; the cover image stands in until then.
    6: lambda c: Card(
        CardKind.VIDEO,
        title=cards.text(c.get("txt")),
        url=cards.text(c.get("videoUrl") or c.get("imgUrl")),
    ),
    10006: _product,
    10007: _order,
    10008: _voucher,
    10010: lambda c: Card(
        CardKind.FOLLOW,
        title=cards.text(c.get("title")),
        details=(cards.text(c.get("desc")),),
        url=cards.text(c.get("actionUrl")),
    ),
    10011: _refund,
}


def render(template_id: int, c: dict[str, Any]) -> tuple[str, str]:
    """(kind, text) for one message content, per the documented templates."""
    kind, text, _order = read(template_id, c)
    return kind, text


def read(template_id: int, c: dict[str, Any]) -> tuple[str, str, str]:
    """``render``'s (kind, text) and the order id an order card names ("" for none; the
    refund card (10011) names only its reverse order, not the trade order)."""
    if template_id == 1:
        return "text", _text(c), ""
    if template_id == 2:
        return "system", _join(c.get("txt") or c.get("recallContent")), ""
    if template_id == 10015:
        return "text", _auto_reply(c), ""
    make = CARDS.get(template_id)
    card = make(c) if make is not None else cards.unsupported(_text(c))
    return card.kind.value, card.text, cards.linked_order(card)


def message(raw: dict[str, Any], session_id: str, buyer_name: str = "") -> ChatMessage:
    """One item of ``message_list``; ``raw`` keeps it as Lazada sent it."""
    template_id = as_int(raw.get("template_id"), -1)
    kind, text, order_ref = read(template_id, content_of(raw.get("content")))
    # type 2 ("systemSend") or the SystemTxt template: Lazada's own notice, whichever side
    # of the conversation it is filed under (a rating request comes as the seller's).
    system = as_int(raw.get("type"), 1) == SYSTEM_SEND or template_id == SYSTEM_TEMPLATE
    if system and kind == "text":
        kind = "system"
    if as_int(raw.get("status")) == 1:
        text = _join("[recalled]", text)
    if raw.get("process_msg"):
        # Held back by Lazada's content check: only the seller sees it, with this notice.
        text = _join(text, f"[{raw['process_msg']}]", sep="\n")
    from_buyer = as_int(raw.get("from_account_type")) == BUYER and not system
    return ChatMessage(
        id=str(raw.get("message_id") or ""),
        conversation_id=session_id,
        from_buyer=from_buyer,
        sender_id=str(raw.get("from_account_id") or ""),
        sender_name=buyer_name if from_buyer else ("Lazada" if system else ""),
        sent_at=from_ms(raw.get("send_time")),
        kind=kind,
        text=text,
        raw=raw,
        auto_reply=bool(raw.get("auto_reply")) or template_id == 10015,
        from_platform=system,
        order_ref=order_ref,
    )

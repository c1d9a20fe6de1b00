"""Which order a chat message names (ChatMessage.order_ref), per platform's card JSON."""

from __future__ import annotations

import json

from deskterm.channels.chat.lazada.mapping import message as lazada_message
from deskterm.channels.chat.shopee.mapping import message as shopee_message
from deskterm.channels.chat.tiktokshop.parse import to_message


def tiktok(kind: str, content: dict[str, str]) -> str:
    raw = {
        "id": "m1",
        "type": kind,
        "content": json.dumps(content),
        "sender": {"role": "BUYER", "im_user_id": "u1", "nickname": "Rina"},
        "create_time": 1_764_000_000,
    }
    return to_message(raw, "c1").order_ref


def test_tiktokshop_order_and_return_cards_name_their_order() -> None:
    assert tiktok("ORDER_CARD", {"order_id": "579412345678901"}) == "579412345678901"
    assert tiktok("BUYER_ENTER_FROM_ORDER", {"order_id": " 5794 "}) == "5794"
    assert tiktok("RETURN_REFUND_CARD", {"return_id": "R9", "order_id": "5794"}) == "5794"
    assert tiktok("PRODUCT_CARD", {"product_id": "1729"}) == ""
    assert tiktok("TEXT", {"content": "[Order 5794]"}) == ""  # words are not a card


def shopee(kind: str, content: dict[str, object]) -> str:
    raw = {
        "message_id": "1",
        "conversation_id": "2",
        "message_type": kind,
        "from_id": 77,
        "from_shop_id": 0,
        "created_timestamp": 1_764_000_000,
        "content": content,
    }
    return shopee_message(raw, shop_id=5).order_ref


def test_shopee_order_cards_name_their_order_sn() -> None:
    assert shopee("order", {"order_sn": "2512010ABCDEF", "shop_id": 5}) == "2512010ABCDEF"
    assert shopee("item", {"item_id": 123, "shop_id": 5}) == ""
    assert shopee("text", {"text": "2512010ABCDEF"}) == ""


def lazada(template: int, content: dict[str, str]) -> str:
    raw = {
        "message_id": "m1",
        "template_id": template,
        "content": json.dumps(content),
        "from_account_type": 1,
        "send_time": 1_764_000_000_000,
    }
    return lazada_message(raw, "s1").order_ref


def test_lazada_order_cards_name_their_order_and_refund_cards_none() -> None:
    assert lazada(10007, {"orderId": "385749128367519", "title": "Kemeja"}) == "385749128367519"
    # The refund card names its reverse order only, not the trade order.
    assert lazada(10011, {"refundOrderId": "704947701379001"}) == ""
    assert lazada(1, {"txt": "385749128367519"}) == ""

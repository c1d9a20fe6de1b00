"""Chat cards read the same on every marketplace: one format per card kind, money per currency.

issue 10 item 11: an order card was ``[order] Order 579…`` on TikTok Shop, a bare
``Order 261204…`` on Shopee and ``Order 385749…: …`` on Lazada; prices ``IDR 89000`` beside
``Rp129.000``; an unsupported message ``[OTHER message] Please check this message in Seller
Center.``. Each test feeds the three platforms' own payloads for the same card and expects
the same text from each.
"""

from __future__ import annotations

from typing import Any

import pytest

from deskterm.channels.chat.lazada.mapping import render as lazada
from deskterm.channels.chat.shopee.mapping import readable
from deskterm.channels.chat.tiktokshop.parse import describe

ORDER = "579312345678901234"
ITEM = "2894417521"
SHOP = "20020002"
URL = f"https://shopee.co.id/product/{SHOP}/{ITEM}"
IMAGE = "https://img.example/a.jpg"
VIDEO = "https://video.example/v.mp4"
STICKER = "https://img.example/happy.png"
UNSUPPORTED = "[Unsupported message: open it in Seller Center]"


def tiktok(kind: str, content: dict[str, Any]) -> tuple[str, str]:
    return describe(kind, content)


def shopee(kind: str, content: dict[str, Any]) -> tuple[str, str]:
    return readable(kind, content, "ID")


# Per card kind: what each platform sends for the same card, and the one text they all read as.
# (A platform that has no such card, or no such field, is left out of that case.)
SAME_CARD: dict[str, tuple[dict[str, tuple[str, str]], tuple[str, str]]] = {
    "order": (
        {
            "tiktokshop": tiktok("ORDER_CARD", {"order_id": ORDER}),
            "shopee": shopee("order", {"order_sn": ORDER, "shop_id": int(SHOP)}),
            "lazada": lazada(10007, {"orderId": ORDER}),
        },
        ("order", f"[Order {ORDER}]"),
    ),
    "order with status": (
        {
            "tiktokshop": tiktok("ORDER_CARD", {"order_id": ORDER, "status": "SHIPPED"}),
            "shopee": shopee("order", {"order_sn": ORDER, "order_status": "SHIPPED"}),
            "lazada": lazada(10007, {"orderId": ORDER, "status": "Shipped"}),
        },
        ("order", f"[Order {ORDER}] shipped"),
    ),
    "order with total": (
        {
            "tiktokshop": tiktok(
                "ORDER_CARD",
                {"order_id": ORDER, "total": {"amount": "129000", "currency": "IDR"}},
            ),
            "shopee": shopee(
                "order", {"order_sn": ORDER, "total_amount": 129000, "currency": "IDR"}
            ),
        },
        ("order", f"[Order {ORDER}] Rp129.000"),
    ),
    "product": (
        {
            "tiktokshop": tiktok(
                "PRODUCT_CARD",
                {
                    "product_id": ITEM,
                    "title": "Tumbler 500ml",
                    "price": {"amount": "89000", "currency": "IDR"},
                    "url": URL,
                },
            ),
            "shopee": shopee(
                "item",
                {
                    "item_id": int(ITEM),
                    "shop_id": int(SHOP),
                    "name": "Tumbler 500ml",
                    "price": "89000",
                    "currency": "IDR",
                },
            ),
            "lazada": lazada(
                10006,
                {"itemId": ITEM, "title": "Tumbler 500ml", "price": "Rp89.000", "actionUrl": URL},
            ),
        },
        ("product", f"[Product {ITEM}] Tumbler 500ml · Rp89.000 · {URL}"),
    ),
    "bare product": (
        {
            "tiktokshop": tiktok("PRODUCT_CARD", {"product_id": ITEM}),
            "shopee": readable("item", {"item_id": int(ITEM)}, ""),  # no region: no link
            "lazada": lazada(10006, {"itemId": ITEM}),
        },
        ("product", f"[Product {ITEM}]"),
    ),
    "image": (
        {
            "tiktokshop": tiktok("IMAGE", {"url": IMAGE, "width": "304", "height": "290"}),
            "shopee": shopee("image", {"url": IMAGE, "thumb_url": IMAGE + "_tn"}),
            "lazada": lazada(3, {"imgUrl": IMAGE, "width": "445", "height": "168"}),
        },
        ("image", f"[Image] {IMAGE}"),
    ),
    "video": (
        {
            "tiktokshop": tiktok("VIDEO", {"url": VIDEO, "cover": IMAGE, "duration": "20.5"}),
            "shopee": shopee("video", {"video_url": VIDEO, "thumb_url": IMAGE}),
            "lazada": lazada(6, {"videoUrl": VIDEO, "imgUrl": IMAGE, "videoId": "300714"}),
        },
        ("video", f"[Video] {VIDEO}"),
    ),
    "sticker": (
        {
            "tiktokshop": tiktok("EMOTICONS", {"url": STICKER}),
            "shopee": shopee("sticker", {"url": STICKER}),
            "lazada": lazada(4, {"imgUrl": STICKER, "smallImgUrl": STICKER}),
        },
        ("sticker", f"[Sticker] {STICKER}"),
    ),
    "voucher": (
        {
            "tiktokshop": tiktok("COUPON_CARD", {"coupon_id": "7262992004278206762"}),
            "shopee": shopee("voucher", {"voucher_id": "7262992004278206762"}),
            "lazada": lazada(10008, {"voucherId": "7262992004278206762"}),
        },
        ("voucher", "[Voucher 7262992004278206762]"),
    ),
    "unsupported": (
        {
            "tiktokshop": tiktok("OTHER", {"content": ""}),
            "shopee": shopee("bundle_message", {}),
            "lazada": lazada(10099, {}),
        },
        ("unsupported", UNSUPPORTED),
    ),
    "unsupported with words": (
        {
            "tiktokshop": tiktok("HOLOGRAM_CARD", {"text": "Beli 2 gratis 1"}),
            "shopee": shopee("bundle_message", {"text": "Beli 2 gratis 1"}),
            "lazada": lazada(10099, {"txt": "Beli 2 gratis 1"}),
        },
        ("unsupported", f"{UNSUPPORTED} Beli 2 gratis 1"),
    ),
}


@pytest.mark.parametrize("card", sorted(SAME_CARD))
def test_the_same_card_reads_the_same_on_every_platform(card: str) -> None:
    got, expected = SAME_CARD[card]
    assert len(got) >= 2
    assert got == dict.fromkeys(got, expected)


def test_a_full_order_card_holds_title_items_total_status_and_link() -> None:
    """The brief's example: ``[Order 579…] 2 items · Rp129.000 · shipped``."""
    assert shopee(
        "order",
        {
            "order_sn": ORDER,
            "order_status": "SHIPPED",
            "total_amount": 129000.0,  # Shopee's totals are JSON floats: read exactly
            "currency": "IDR",
            "item_count": 2,
        },
    ) == ("order", f"[Order {ORDER}] 2 items · Rp129.000 · shipped")
    link = f"https://my.lazada.co.id/customer/order/view/?tradeOrderId={ORDER}"
    assert lazada(
        10007,
        {
            "orderId": ORDER,
            "title": "Tumbler Stainless 500ml Anti Bocor",
            "content": "1 barang · Total Rp129.000",
            "status": "Dikirim",
            "actionUrl": link,
        },
    ) == (
        "order",
        f"[Order {ORDER}] Tumbler Stainless 500ml Anti Bocor · 1 barang · Total Rp129.000"
        f" · dikirim · {link}",
    )


def test_a_discounted_product_shows_the_old_price_in_the_same_money_format() -> None:
    link = f"https://www.lazada.co.id/products/i{ITEM}.html"
    content = {
        "itemId": ITEM,
        "title": "Kaos Polos",
        "price": "Rp59.000",
        "oldPrice": "Rp89.000",
        "discount": "-30%",
        "actionUrl": link,
    }
    assert lazada(10006, content) == (
        "product",
        f"[Product {ITEM}] Kaos Polos · Rp59.000 (was Rp89.000, -30%) · {link}",
    )
    assert tiktok(
        "PRODUCT_CARD",
        {
            "product_id": ITEM,
            "title": "Kaos Polos",
            "price": {"amount": "59000", "original_amount": "89000", "currency": "IDR"},
        },
    ) == ("product", f"[Product {ITEM}] Kaos Polos · Rp59.000 (was Rp89.000)")


def test_what_the_buyer_was_looking_at_says_so_in_the_same_card() -> None:
    assert tiktok("BUYER_ENTER_FROM_ORDER", {"order_id": ORDER}) == (
        "order",
        f"[Order {ORDER}] buyer is viewing",
    )
    assert tiktok("BUYER_ENTER_FROM_PRODUCT", {"product_id": ITEM}) == (
        "product",
        f"[Product {ITEM}] buyer is viewing",
    )


def test_stickers_vouchers_returns_and_follow_cards_keep_their_words() -> None:
    assert shopee("sticker", {"sticker_id": "7", "sticker_package_id": "1004"}) == (
        "sticker",
        "[Sticker 1004/7]",
    )
    assert lazada(4, {"txt": "[happy]", "imgUrl": STICKER}) == (
        "sticker",
        f"[Sticker] happy · {STICKER}",
    )
    voucher = {
        "voucherId": "91471122422003",
        "title": "Diskon Rp10.000",
        "desc": "Voucher toko",
        "minOrderAmount": "100000",
        "currencyCode": "IDR",
        "actionUrl": "https://www.lazada.co.id/shop/tokoku/voucher",
    }
    assert lazada(10008, voucher) == (
        "voucher",
        "[Voucher 91471122422003] Diskon Rp10.000 · Voucher toko · min. spend Rp100.000"
        " · https://www.lazada.co.id/shop/tokoku/voucher",
    )
    assert tiktok("RETURN_REFUND_CARD", {"order_id": ORDER, "sku_id": "45678"}) == (
        "return",
        f"[Return/refund] order {ORDER} · SKU 45678",
    )
    refund = {
        "title": '{"id": "Permintaan pengembalian dana"}',
        "refundOrderId": "900112233",
        "subOrderTitle": "Tumbler",
        "subOrderCount": "1",
        "subOrderPriceUnit": "Rp",
        "subOrderPrice": "129.000",
        "refundOrderReason": "Barang rusak",
        "viewUrl4Seller": "https://sellercenter.lazada.co.id/r?id=900112233",
    }
    assert lazada(10011, refund) == (
        "return",
        "[Return/refund 900112233] Permintaan pengembalian dana · Tumbler ×1 · Rp129.000"
        " · reason: Barang rusak · https://sellercenter.lazada.co.id/r?id=900112233",
    )
    follow = {"title": "Follow toko kami", "desc": "Voucher khusus follower", "actionUrl": "u"}
    assert lazada(10010, follow) == (
        "follow",
        "[Follow the shop] Follow toko kami · Voucher khusus follower · u",
    )


def test_a_price_no_one_can_read_is_kept_as_the_platform_wrote_it() -> None:
    assert lazada(10006, {"itemId": ITEM, "price": "Rp 59rb"}) == (
        "product",
        f"[Product {ITEM}] Rp 59rb",
    )


def test_card_text_is_one_line_even_when_a_field_is_not() -> None:
    kind, text = shopee("item", {"item_id": 1, "name": "Kemeja\nLinen", "price": "1"})
    assert kind == "product" and "\n" not in text and "Kemeja Linen" in text

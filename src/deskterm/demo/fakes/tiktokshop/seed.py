"""Seed conversations for the fake shop: Indonesian and English buyers, cards, media, bots."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

# (nickname, buyer_platform): Indonesian shops serve TikTok Shop and Tokopedia buyers alike.
BUYERS = [
    ("Siti Rahayu", "TOKOPEDIA"),
    ("Budi Santoso", "TIKTOK_SHOP"),
    ("Dewi Lestari", "TOKOPEDIA"),
    ("Andi Wijaya", "TIKTOK_SHOP"),
    ("Rina Kusuma", "TOKOPEDIA"),
    ("Agus Pratama", "TIKTOK_SHOP"),
    ("Putri Maharani", "TOKOPEDIA"),
    ("Kevin Tan", "TIKTOK_SHOP"),
    ("Sarah Lim", "TIKTOK_SHOP"),
    ("Fajar Nugroho", "TOKOPEDIA"),
    ("Nur Aisyah", "TIKTOK_SHOP"),
    ("Yusuf Hidayat", "TOKOPEDIA"),
    ("Maya Anggraini", "TIKTOK_SHOP"),
    ("Rudi Hartono", "TOKOPEDIA"),
    ("Linda Chen", "TIKTOK_SHOP"),
]

IMAGE_URL = (
    "https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/"
    "{}~tplv-o3syd03w52-origin-image.image?from=1320446476"
)
VIDEO_URL = (
    "https://video-boei18n.byted.org/storage/v1/tos-boei18n-v-c72c01/{}?x-tos-expires=1981980481"
)

Step = tuple[str, str, dict[str, Any], bool]  # (role, type, content, is_visible)


def _text(role: str, words: str) -> Step:
    return (role, "TEXT", {"content": words}, True)


def _order_question(order_id: str, product_id: str, rng: random.Random) -> list[Step]:
    return [
        ("BUYER", "BUYER_ENTER_FROM_ORDER", {"order_id": order_id}, True),
        _text("BUYER", f"Kak, pesanan saya {order_id} kok belum dikirim ya? Sudah 3 hari 🙏"),
        _text(
            "ROBOT",
            "Halo Kak! Terima kasih sudah menghubungi kami. Admin akan membalas secepatnya ya 😊",
        ),
        _text(
            "SHOP",
            "Halo Kak, mohon maaf atas keterlambatannya. Pesanan Kakak dijadwalkan dikirim "
            "hari ini, nomor resi akan muncul otomatis.",
        ),
        ("BUYER", "ORDER_CARD", {"order_id": order_id}, True),
        _text("BUYER", "Oke kak, ditunggu resinya ya. Terima kasih!"),
        ("SYSTEM", "NOTIFICATION", {"content": "Please rate this conversation."}, False),
    ]


def _product_question(order_id: str, product_id: str, rng: random.Random) -> list[Step]:
    return [
        ("BUYER", "BUYER_ENTER_FROM_PRODUCT", {"product_id": product_id}, True),
        _text("BUYER", "Hi, is the batik shirt available in size XL?"),
        ("SHOP", "PRODUCT_CARD", {"product_id": product_id}, True),
        _text("SHOP", "Hello! Yes, XL is in stock in navy and maroon."),
        _text("BUYER", "Great. Does the fabric shrink after washing?"),
        _text("SHOP", "It is pre-washed cotton, so it keeps its size. Wash cold, dry in shade."),
        _text("BUYER", "Perfect, ordering now. Thanks!"),
    ]


def _damaged_item(order_id: str, product_id: str, rng: random.Random) -> list[Step]:
    image = IMAGE_URL.format(f"{rng.getrandbits(128):032x}")
    return [
        _text("BUYER", "Kak, paketnya sudah sampai tapi kainnya ada yang sobek 😢"),
        ("BUYER", "IMAGE", {"height": "1440", "url": image, "width": "1080"}, True),
        _text("SHOP", "Aduh, mohon maaf ya Kak. Boleh kirim video unboxing-nya?"),
        (
            "BUYER",
            "VIDEO",
            {
                "url": VIDEO_URL.format(f"{rng.getrandbits(128):032x}"),
                "cover": image,
                "width": 640,
                "height": 360,
                "duration": "20.504",
                "format": "mp4",
            },
            True,
        ),
        (
            "SHOP",
            "RETURN_REFUND_CARD",
            {"order_id": order_id, "sku_id": product_id[:-3] + "421"},
            True,
        ),
        _text("SHOP", "Silakan ajukan pengembalian lewat kartu di atas, ongkir kami tanggung."),
        _text("BUYER", "Baik kak, sudah saya ajukan. Makasih responnya cepat!"),
    ]


def _wrong_colour(order_id: str, product_id: str, rng: random.Random) -> list[Step]:
    return [
        _text("BUYER", f"Hello, I received the wrong colour for order {order_id}. Can I exchange?"),
        (
            "SYSTEM",
            "ALLOCATED_SERVICE",
            {"content": "Customer service agent Rina joined the conversation."},
            True,
        ),
        _text("SHOP", "So sorry about that! Which colour did you order, and which arrived?"),
        _text("BUYER", "I ordered sage green but got olive."),
        ("SHOP", "ORDER_CARD", {"order_id": order_id}, True),
        _text("SHOP", "We'll send sage green today; keep the olive one as our apology gift."),
        _text("BUYER", "Wow, thank you so much!"),
    ]


def _promo(order_id: str, product_id: str, rng: random.Random) -> list[Step]:
    return [
        _text("BUYER", "Ada promo gratis ongkir nggak kak buat pembelian 2 pcs?"),
        ("SHOP", "COUPON_CARD", {"coupon_id": f"72629920042782{rng.randrange(10**5):05d}"}, True),
        _text("SHOP", "Ada Kak, pakai voucher di atas ya, berlaku sampai akhir bulan."),
        ("BUYER", "EMOTICONS", {"url": IMAGE_URL.format("sticker-love")}, True),
        ("BUYER", "OTHER", {"content": ""}, True),
        _text("BUYER", "Sip, sudah checkout 2 pcs. Dikirim hari ini bisa kak?"),
        _text("SHOP", "Bisa Kak, pesanan sebelum jam 15.00 dikirim di hari yang sama."),
    ]


SCRIPTS = [_order_question, _product_question, _damaged_item, _wrong_colour, _promo]

FILLER = [
    ("BUYER", "Kak, masih ada stok ukuran M?"),
    ("SHOP", "Masih ada Kak, silakan langsung checkout ya."),
    ("BUYER", "Can I change the delivery address?"),
    ("SHOP", "Yes, as long as it has not shipped. Please send the new address."),
    ("BUYER", "Bisa COD nggak kak?"),
    ("SHOP", "Bisa Kak, pilih metode COD saat checkout."),
    ("BUYER", "How long does shipping to Surabaya take?"),
    ("SHOP", "Usually 2-3 working days with J&T or SiCepat."),
    ("BUYER", "Terima kasih kak, sangat membantu 🙏"),
    ("SHOP", "Sama-sama Kak, selamat berbelanja!"),
]


@dataclass
class Plan:
    """One seeded conversation: who the buyer is and what was said, oldest first."""

    nickname: str
    buyer_platform: str
    order_id: str
    product_id: str
    steps: list[Step]


def plan(index: int, messages: int, rng: random.Random) -> Plan:
    """Conversation number ``index`` with exactly ``messages`` messages."""
    nickname, platform = BUYERS[index % len(BUYERS)]
    if index >= len(BUYERS):
        nickname = f"{nickname} {index // len(BUYERS) + 1}"
    order_id = f"5793{rng.randrange(10**14):014d}"
    product_id = f"17293847{rng.randrange(10**11):011d}"
    script = SCRIPTS[index % len(SCRIPTS)](order_id, product_id, rng)
    steps = list(script[:messages])
    filler = 0
    while len(steps) < messages:
        role, words = FILLER[filler % len(FILLER)]
        steps.append(_text(role, words))
        filler += 1
    return Plan(nickname, platform, order_id, product_id, steps)

"""Seed orders for the fake shop's chat buyers: every order status, items, tracking, returns."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from typing import Any

DAY = 86400

# (product_name, sku_name, seller_sku, sale price in IDR)
PRODUCTS = [
    ("Kemeja Batik Pria Lengan Panjang", "Navy, XL", "BTK-NVY-XL", 185000),
    ("Kemeja Batik Pria Lengan Panjang", "Maroon, L", "BTK-MRN-L", 185000),
    ("Dress Batik Wanita Modern", "Sage Green, M", "DRS-SGE-M", 249000),
    ("Kain Batik Tulis Solo 2m", "Parang", "KAIN-PRG-2M", 425000),
    ("Masker Kain Batik (isi 3)", "Campur", "MSK-BTK-3", 35000),
]
CARRIERS = [("J&T Express", "7117858858072016686"), ("SiCepat", "7117859084333713158")]
ADDRESS = {
    "full_address": "Jl. Malioboro No. 52, Sosromenduran, Gedong Tengen, Yogyakarta 55271",
    "phone_number": "(+62)812-****-4471",
    "postal_code": "55271",
    "region_code": "ID",
    "address_detail": "Rumah pagar hijau",
}

# The order kinds seeded, cycling so that the first dozen orders cover every status of the
# docs (get-order-detail.spec.json) and every normalised status, plus a pending buyer
# cancellation request, an open return and a refunded one.
KINDS = (
    "UNPAID",
    "AWAITING_SHIPMENT",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
    "RETURNING",
    "RETURNED",
    "BUYER_CANCEL",
    "ON_HOLD",
    "AWAITING_COLLECTION",
    "PARTIALLY_SHIPPING",
)
STATUS_OF_KIND = {
    "RETURNING": "DELIVERED",
    "RETURNED": "COMPLETED",
    "BUYER_CANCEL": "AWAITING_SHIPMENT",
}
SHIPPED_KINDS = frozenset(
    {"AWAITING_COLLECTION", "PARTIALLY_SHIPPING", "IN_TRANSIT", "DELIVERED", "COMPLETED"}
    | {"RETURNING", "RETURNED"}
)

JOURNEY = [
    "Your package has been picked up by the courier.",
    "Your package has arrived at the sorting center Jakarta Timur.",
    "Your package is on its way to the destination city.",
    "Your package is out for delivery.",
    "Your package was delivered!",
]


@dataclass
class SeededOrder:
    """One order in the API's field names, with its tracking, cancellations and returns."""

    order: dict[str, Any]
    tracking: list[dict[str, Any]] = field(default_factory=list)
    cancellations: list[dict[str, Any]] = field(default_factory=list)
    returns: list[dict[str, Any]] = field(default_factory=list)


def _lines(order_id: str, rng: random.Random, status: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for n in range(rng.randrange(1, 3)):
        name, variant, sku, price = PRODUCTS[rng.randrange(len(PRODUCTS))]
        for unit in range(rng.randrange(1, 3)):  # one line item per unit, as the API does
            lines.append(
                {
                    "id": f"{order_id[:-4]}{n}{unit}{len(lines):02d}",
                    "sku_id": f"1729{zlib.crc32(sku.encode()):015d}",
                    "product_id": f"17295827{zlib.crc32(name.encode()):011d}",
                    "product_name": name,
                    "sku_name": variant,
                    "seller_sku": sku,
                    "sale_price": str(price),
                    "original_price": str(price),
                    "platform_discount": "0",
                    "seller_discount": "0",
                    "currency": "IDR",
                    "display_status": status,
                    "is_gift": False,
                }
            )
    return lines


def make_order(
    order_id: str, buyer_user_id: str, kind: str, now: int, rng: random.Random
) -> SeededOrder:
    """An order of ``kind`` (one of KINDS) for the buyer, created some days before ``now``."""
    status = STATUS_OF_KIND.get(kind, kind)
    # Shipped orders are a week or more old (their journey and return lie in the past);
    # the others are a day or three old (the platform cancels unpaid orders quickly).
    days = rng.randrange(8, 30) if kind in SHIPPED_KINDS else rng.randrange(1, 4)
    created = now - days * DAY - rng.randrange(DAY)
    lines = _lines(order_id, rng, status)
    sub_total = sum(int(line["sale_price"]) for line in lines)
    shipping = 12000
    order: dict[str, Any] = {
        "id": order_id,
        "status": status,
        "user_id": buyer_user_id,
        "buyer_email": f"v2b{order_id[-6:]}@scs.tiktokw.us",
        "create_time": created,
        "update_time": created + 600,
        "commerce_platform": rng.choice(["TIKTOK_SHOP", "TOKOPEDIA"]),
        "delivery_option_name": "Standard Shipping",
        "shipping_type": "TIKTOK",
        "is_cod": False,
        "is_buyer_request_cancel": False,
        "payment_method_name": "GoPay",
        "payment": {
            "currency": "IDR",
            "sub_total": str(sub_total),
            "shipping_fee": str(shipping),
            "seller_discount": "0",
            "platform_discount": "0",
            "total_amount": str(sub_total + shipping),
            "original_total_product_price": str(sub_total),
            "original_shipping_fee": str(shipping),
        },
        "line_items": lines,
        "packages": [],
    }
    seeded = SeededOrder(order)
    if status != "UNPAID":
        order["paid_time"] = created + 300
    if status not in ("UNPAID", "ON_HOLD"):  # the docs: no address before this
        order["recipient_address"] = dict(ADDRESS)
    if kind in SHIPPED_KINDS:
        _ship(seeded, kind, created, rng)
    if kind == "BUYER_CANCEL":
        order["is_buyer_request_cancel"] = True
        order["request_cancel_time"] = created + 3600
        seeded.cancellations.append(
            cancellation(
                order,
                cancel_type="BUYER_CANCEL",
                role="BUYER",
                status="CANCELLATION_REQUEST_PENDING",
                now=created + 3600,
            )
        )
        seeded.cancellations[-1]["cancel_reason"] = (
            "ecom_order_to_ship_canceled_reason_created_by_mistakes"
        )
        seeded.cancellations[-1]["cancel_reason_text"] = "Order created by mistake"
        seeded.cancellations[-1]["seller_next_action_response"] = [
            {"action": "SELLER_RESPOND_CANCEL", "deadline": now + 2 * DAY}
        ]
    if kind == "CANCELLED":
        order["cancel_reason"] = "Out of stock"
        order["cancellation_initiator"] = "SELLER"
        order["cancel_time"] = created + 7200
        done = cancellation(
            order,
            cancel_type="CANCEL",
            role="SELLER",
            status="CANCELLATION_REQUEST_COMPLETE",
            now=created + 7200,
        )
        done["cancel_reason"] = "seller_cancel_reason_out_of_stock"
        done["cancel_reason_text"] = "Out of stock"
        seeded.cancellations.append(done)
    if kind in ("RETURNING", "RETURNED"):
        pending = kind == "RETURNING"
        seeded.returns.append(
            return_of(
                order,
                "RETURN_OR_REFUND_REQUEST_PENDING"
                if pending
                else "RETURN_OR_REFUND_REQUEST_COMPLETE",
                created + 5 * DAY,
            )
        )
    changes = [order.get(k, 0) for k in ("request_cancel_time", "cancel_time", "delivery_time")]
    changes += [int(e["update_time_millis"]) // 1000 for e in seeded.tracking]
    changes += [int(r["update_time"]) for r in seeded.returns]
    order["update_time"] = max(order["update_time"], *changes)
    return seeded


def _ship(seeded: SeededOrder, kind: str, created: int, rng: random.Random) -> None:
    order = seeded.order
    carrier, carrier_id = CARRIERS[rng.randrange(len(CARRIERS))]
    number = f"JX{rng.randrange(10**10):010d}"
    order.update(
        tracking_number=number,
        shipping_provider=carrier,
        shipping_provider_id=carrier_id,
        rts_time=created + DAY,
        packages=[{"id": f"1152{order['id'][4:]}"}],
    )
    shipped_lines = order["line_items"]
    if kind == "PARTIALLY_SHIPPING" and len(shipped_lines) > 1:
        shipped_lines = shipped_lines[:1]
    for line in shipped_lines:
        line.update(
            tracking_number=number,
            shipping_provider_name=carrier,
            package_id=order["packages"][0]["id"],
        )
    steps = {"AWAITING_COLLECTION": 0, "PARTIALLY_SHIPPING": 2, "IN_TRANSIT": 3}.get(kind, 5)
    for n in range(steps):
        at = created + DAY + n * 8 * 3600 + 1800
        seeded.tracking.append({"description": JOURNEY[n], "update_time_millis": at * 1000})
    if steps:
        order["collection_time"] = created + DAY + 1800
    if steps == 5:
        order["delivery_time"] = created + DAY + 4 * 8 * 3600 + 1800


def cancellation(
    order: dict[str, Any],
    *,
    cancel_type: str,
    role: str,
    status: str,
    now: int,
    cancel_id: str = "",
) -> dict[str, Any]:
    """A search-cancellations entry for the order (the caller fills the reason)."""
    total = order["payment"]["total_amount"]
    return {
        "cancel_id": cancel_id or f"4035{order['id'][4:]}1",
        "order_id": order["id"],
        "cancel_type": cancel_type,
        "cancel_status": status,
        "role": role,
        "cancel_reason": "",
        "cancel_reason_text": "",
        "create_time": now,
        "update_time": now,
        "refund_amount": {"currency": "IDR", "refund_total": total},
        "cancel_line_items": [
            {
                "order_line_item_id": line["id"],
                "sku_id": line["sku_id"],
                "seller_sku": line["seller_sku"],
                "product_name": line["product_name"],
            }
            for line in order["line_items"]
        ],
    }


def return_of(order: dict[str, Any], status: str, at: int) -> dict[str, Any]:
    """A search-returns entry: the buyer sends back the first line for a refund."""
    line = order["line_items"][0]
    amount = {"currency": "IDR", "refund_total": line["sale_price"]}
    return {
        "return_id": f"4036{order['id'][4:]}",
        "order_id": order["id"],
        "return_type": "RETURN_AND_REFUND",
        "return_status": status,
        "role": "BUYER",
        "return_reason": "ecom_order_delivered_refund_and_return_reason_damaged_product",
        "return_reason_text": "Damaged product",
        "create_time": at,
        "update_time": at + DAY,
        "refund_amount": amount,
        "return_line_items": [
            {
                "order_line_item_id": line["id"],
                "sku_id": line["sku_id"],
                "seller_sku": line["seller_sku"],
                "product_name": line["product_name"],
                "refund_amount": amount,
            }
        ],
    }

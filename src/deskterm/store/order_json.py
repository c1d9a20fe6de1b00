"""One cached order as ``show --json`` ``orders[]`` has it (issue 13 item 2), any platform."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from deskterm.domain.orders import ACTIONS, STATUSES
from deskterm.store.readdb import iso_utc

# Order JSON comes from a shop API; cap what one order can put in the panel.
_MAX_LIST = 100

# The shop_order columns order_dict reads, in its order (``o`` is shop_order).
ORDER_COLUMNS = (
    "o.id, o.store, o.external_id, o.name, o.placed_at, o.financial_status,"
    " o.fulfillment_status, o.total, o.currency, o.status_url, o.data, o.fetched_at,"
    " o.platform, o.status, o.platform_status"
)


def order_dict(row: Sequence[Any]) -> dict[str, Any]:
    """The order of a shop_order row (``ORDER_COLUMNS``), in the one shape for every
    platform; ``external_id``, ``shipping_address`` and ``fetched_at`` ride along."""
    data = _json_object(row[10])
    platform = row[12] or "shopify"
    financial, fulfillment = row[5] or "", row[6] or ""
    status = row[13] if row[13] in STATUSES else legacy_status(financial, fulfillment, data)
    return {
        "platform": platform,
        "store": row[1],
        "id": order_id(platform, row[2]),
        "name": row[3],
        "created_at": iso_utc(row[4]),  # when the order was placed (Order.placed_at)
        "status": status,
        "platform_status": row[14] or _text(data.get("displayFulfillmentStatus"), fulfillment),
        "financial_status": financial,
        "fulfillment_status": fulfillment,
        "total": row[7],
        "currency": row[8],
        "status_url": row[9],
        "tracking": _tracking(data),
        "items": _items(data),
        "returns": _returns(data),
        "actions": [a for a in _strings(data.get("actions")) if a in ACTIONS],
        "external_id": row[2],
        "shipping_address": _shipping(data),
        "fetched_at": iso_utc(row[11]),
    }


def order_id(platform: str, external_id: str) -> str:
    """The platform's order id as REFs and ``orders[].id`` use it: Shopify's GID
    ("gid://shopify/Order/450789469") loses its prefix, other ids are used as they are."""
    if platform == "shopify" and external_id.startswith("gid://"):
        return external_id.rsplit("/", 1)[-1]
    return external_id


def cache_key(platform: str, platform_id: str) -> str:
    """The shop_order key of a platform's order id (``order_id`` read backwards): the
    Shopify order sync keys its rows by GID, so every writer does; other ids as they are."""
    if platform == "shopify" and not platform_id.startswith("gid://"):
        return f"gid://shopify/Order/{platform_id}"
    return platform_id


def legacy_status(financial: str, fulfillment: str, data: dict[str, Any]) -> str:
    """The normalised status of a Shopify order cached before statuses were stored."""
    if data.get("cancelled_at") or data.get("cancelledAt"):
        return "cancelled"
    financial, fulfillment = financial.lower(), fulfillment.lower()
    if financial == "refunded":
        return "returned"
    if financial in {"partially_refunded"} or "return" in fulfillment:
        return "returning"
    if fulfillment == "delivered":
        return "delivered"
    if fulfillment in {"fulfilled", "shipped", "partially_fulfilled", "in_transit"}:
        return "shipped"
    if financial in {"pending", "authorized", "unpaid"}:
        return "unpaid"
    return "to_ship"


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item for item in value[:_MAX_LIST] if isinstance(item, str)]


def _returns(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": _text(entry.get("id")),
            "status": _text(entry.get("status")),
            "reason": _text(entry.get("reason")),
            "amount": _text(entry.get("amount")) or None,
        }
        for entry in _nodes(data.get("returns"))
    ]


def _events(value: Any) -> list[dict[str, Any]]:
    return [
        {"at": _text(event.get("at")) or None, "text": _text(event.get("text"))}
        for event in _nodes(value)
    ]


def _shipping(data: dict[str, Any]) -> dict[str, str]:
    """The address an order ships to (the macro variables' ``shipping_address``)."""
    raw = data.get("shipping_address") or data.get("shippingAddress")
    if not isinstance(raw, dict):
        return {}
    return {key: _text(raw.get(key)) for key in ("address1", "city", "zip", "country")}


def _json_object(value: Any) -> dict[str, Any]:
    # SQLite hands JSON columns back as text, psycopg as decoded objects.
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _nodes(value: Any) -> list[dict[str, Any]]:
    """The objects of a list, a GraphQL connection (``nodes`` / ``edges``), or nothing."""
    if isinstance(value, dict):
        if isinstance(value.get("nodes"), list):
            value = value["nodes"]
        elif isinstance(value.get("edges"), list):
            value = [e.get("node") for e in value["edges"] if isinstance(e, dict)]
    if not isinstance(value, list):
        return []
    return [item for item in value[:_MAX_LIST] if isinstance(item, dict)]


def _text(*values: Any) -> str:
    """The first non-empty scalar among ``values`` as text ("" when there is none)."""
    for value in values:
        if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "":
            return str(value)
    return ""


def _quantity(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _items(data: dict[str, Any]) -> list[dict[str, Any]]:
    # Which shape the cache holds depends on the commerce adapter: our own normalised
    # "items", Shopify REST "line_items" or Shopify GraphQL "lineItems". Accept each.
    found = next(
        (_nodes(data[key]) for key in ("items", "line_items", "lineItems") if key in data), []
    )
    return [
        {
            "title": _text(item.get("title"), item.get("name")),
            "variant": _text(
                item.get("variant"), item.get("variant_title"), item.get("variantTitle")
            ),
            "sku": _text(item.get("sku")),
            "quantity": _quantity(item.get("quantity", item.get("currentQuantity"))),
            "price": _text(item.get("price")) or None,
        }
        for item in found
    ]


def _tracking(data: dict[str, Any]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    if "tracking" in data:
        for info in _nodes(data["tracking"]):
            entries.append(_track(info, info.get("status")))
    for fulfillment in _nodes(data.get("fulfillments")):
        status = _text(
            fulfillment.get("shipment_status"),
            fulfillment.get("displayStatus"),
            fulfillment.get("status"),
        )
        infos = _nodes(fulfillment.get("trackingInfo"))  # GraphQL
        if infos:
            entries.extend(_track(info, status) for info in infos)
            continue
        numbers = fulfillment.get("tracking_numbers") or [fulfillment.get("tracking_number")]
        urls = fulfillment.get("tracking_urls") or [fulfillment.get("tracking_url")]
        if not isinstance(numbers, list) or not isinstance(urls, list):
            continue
        for index, number in enumerate(numbers[:_MAX_LIST]):
            url = urls[index] if index < len(urls) else None
            if number or url:
                entries.append(
                    _track(
                        {
                            "number": number,
                            "url": url,
                            "company": fulfillment.get("tracking_company"),
                        },
                        status,
                    )
                )
    unique = {(e["number"], e["url"], e["company"], e["status"]): e for e in entries}
    return list(unique.values())[:_MAX_LIST]


def _track(info: dict[str, Any], status: Any) -> dict[str, Any]:
    return {
        "number": _text(info.get("number"), info.get("tracking_number")),
        "url": _text(info.get("url"), info.get("tracking_url")),
        "company": _text(info.get("company"), info.get("tracking_company")),
        "status": _text(status),
        "events": _events(info.get("events")),
    }

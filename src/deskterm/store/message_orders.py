"""The orders chat messages name (an order card's link), read with what the cache knows."""

from __future__ import annotations

from typing import Any

from deskterm.store.order_json import ORDER_COLUMNS, order_dict
from deskterm.store.readdb import ReadDb

# The order's store is the message's channel: a marketplace's orders are cached under the
# chat channel's name (store.order_cache).
_LINKED = (
    f"SELECT m.id, ch.name, m.order_ref, o.id IS NOT NULL, {ORDER_COLUMNS}"
    " FROM message m JOIN channel ch ON ch.id = m.channel_id"
    " LEFT JOIN shop_order o ON o.store = ch.name AND o.external_id = m.order_ref"
    " WHERE m.ticket_id = :ticket AND m.order_ref IS NOT NULL"
)


def linked_orders(db: ReadDb, ticket_id: int) -> dict[int, dict[str, Any]]:
    """Message id -> the order it names, for a ticket's messages that name one.

    ``status`` and ``fetched_at`` are None while the order is not cached (not fetched yet,
    or the platform does not know it); ``total``, ``currency`` and ``tracking_number``
    come from the cache too (the conversation's card line).
    """
    found: dict[int, dict[str, Any]] = {}
    for row in db.all(_LINKED, {"ticket": ticket_id}):
        message_id, store, ref, cached = int(row[0]), str(row[1]), str(row[2]), bool(row[3])
        link: dict[str, Any] = {
            "store": store,
            "id": ref,
            "status": None,
            "fetched_at": None,
            "name": None,
            "total": None,
            "currency": None,
            "tracking_number": None,
        }
        if cached:
            order = order_dict(row[4:])
            numbers = [p["number"] for p in order["tracking"] if p.get("number")]
            link.update(
                status=order["status"] or None,
                fetched_at=order["fetched_at"],
                name=order["name"] or None,
                total=order["total"] or None,
                currency=order["currency"] or None,
                tracking_number=numbers[0] if numbers else None,
            )
        found[message_id] = link
    return found

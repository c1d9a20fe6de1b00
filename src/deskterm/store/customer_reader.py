"""Read queries for the customer panel: who the customer is, their other tickets, their orders."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from deskterm.domain.enums import shown_status
from deskterm.domain.errors import NotFoundError
from deskterm.store.readdb import ReadDb, iso_utc

# Financial statuses whose money did not stay with the shop; "total spent" leaves them out
# (Shopify's own amountSpent is net of refunds and voids too).
_NOT_SPENT = frozenset({"refunded", "voided"})
# Order JSON comes from a shop API; cap what one order can put in the panel.
_MAX_LIST = 100


def customer_context_for_ticket(
    db: ReadDb, ticket_id: int, *, limit: int = 10
) -> dict[str, Any] | None:
    """``customer_context`` for the customer of ``ticket_id``, that ticket left out.

    None when the ticket has no customer (e.g. a message whose sender could not be parsed).
    """
    rows = db.all("SELECT customer_id FROM ticket WHERE id = :id", {"id": ticket_id})
    if not rows:
        raise NotFoundError(f"no ticket with id {ticket_id}")
    if rows[0][0] is None:
        return None
    return customer_context(db, int(rows[0][0]), exclude_ticket=ticket_id, limit=limit)


def customer_context(
    db: ReadDb, customer_id: int, *, exclude_ticket: int | None = None, limit: int = 10
) -> dict[str, Any]:
    """Everything the customer panel shows about one customer, newest first where it matters.

    ``tickets`` and ``orders`` hold at most ``limit`` items each; ``ticket_count`` and
    ``order_count`` say how many there are in all. Merged-away tickets (empty shells) are
    not counted; ``exclude_ticket`` (the conversation on screen) is left out.
    """
    rows = db.all(
        "SELECT id, name, note, created_at FROM customer WHERE id = :id", {"id": customer_id}
    )
    if not rows:
        raise NotFoundError(f"no customer with id {customer_id}")
    cid, name, note, created_at = rows[0]
    identities = _identities(db, customer_id)
    emails = [i["value"] for i in identities if i["kind"] == "email"]
    tickets, ticket_count = _tickets(db, customer_id, exclude_ticket, limit)
    orders = _orders(db, customer_id, emails, limit)
    return {
        "customer": {
            "id": cid,
            "name": name or "",
            "email": emails[0] if emails else None,
            "note": note or "",
            "created_at": iso_utc(created_at),
        },
        "identities": identities,
        "tickets": tickets,
        "ticket_count": ticket_count,
        **orders,
    }


def customer_orders(db: ReadDb, customer_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """The customer's cached orders, newest first (``show --json`` and macro variables)."""
    emails = [i["value"] for i in _identities(db, customer_id) if i["kind"] == "email"]
    orders: list[dict[str, Any]] = _orders(db, customer_id, emails, limit)["orders"]
    return orders


# --- identities ---------------------------------------------------------------------------


def _identities(db: ReadDb, customer_id: int) -> list[dict[str, Any]]:
    rows = db.all(
        "SELECT kind, scope, value, display_name FROM customeridentity"
        " WHERE customer_id = :c ORDER BY id",
        {"c": customer_id},
    )
    # Where each handle actually wrote from: the precise answer to "on which channel".
    seen = db.all(
        "SELECT DISTINCT m.author_handle, ch.name, ch.type FROM message m"
        " JOIN ticket t ON t.id = m.ticket_id JOIN channel ch ON ch.id = m.channel_id"
        " WHERE t.customer_id = :c AND m.direction = 'in'",
        {"c": customer_id},
    )
    ticket_channels = db.all(
        "SELECT DISTINCT ch.name, ch.type FROM ticket t JOIN channel ch ON ch.id = t.channel_id"
        " WHERE t.customer_id = :c",
        {"c": customer_id},
    )
    result = []
    for kind, scope, value, display_name in rows:
        channels = sorted(
            {(ch_name, ch_type) for handle, ch_name, ch_type in seen if _same(kind, value, handle)}
        )
        if not channels:
            # A handle that never authored a message (a form's Reply-To, one added by hand):
            # the customer's channels of a matching type are the best guess there is.
            channels = sorted(
                (ch_name, ch_type)
                for ch_name, ch_type in ticket_channels
                if _fits(kind, scope, ch_type)
            )
        result.append(
            {
                "kind": kind,
                "scope": scope or "",
                "value": value,
                "display_name": display_name or "",
                "channels": [{"name": n, "type": t} for n, t in channels],
            }
        )
    return result


def _same(kind: str, value: str, handle: str | None) -> bool:
    # Identities are stored normalised (ingest.identity.normalize_handle) while a message
    # keeps the handle as it arrived; compare in the identity's form. (Store code cannot
    # import ingest, which sits above it.)
    handle = (handle or "").strip()
    if kind == "email":
        return handle.lower() == value
    if kind == "phone":
        return "".join(c for c in handle if c.isdigit() or c == "+") == value
    return handle == value


def _fits(kind: str, scope: str, channel_type: str) -> bool:
    if kind == "email":
        return channel_type == "email"
    if kind == "buyer":
        return channel_type == scope
    return False  # phone numbers arrive through several channel types; no guess is safe


# --- tickets ------------------------------------------------------------------------------


def _tickets(
    db: ReadDb, customer_id: int, exclude: int | None, limit: int
) -> tuple[list[dict[str, Any]], int]:
    where = "t.customer_id = :c AND t.merged_into_id IS NULL"
    params: dict[str, Any] = {"c": customer_id, "_limit": limit}
    if exclude is not None:
        # Built conditionally: psycopg cannot type a NULL parameter in ":x IS NULL OR ...".
        where += " AND t.id <> :ex"
        params["ex"] = exclude
    count = int(db.all(f"SELECT count(*) FROM ticket t WHERE {where}", params)[0][0])
    rows = db.all(
        "SELECT t.id, t.subject, t.status, t.snoozed_until, t.spam, ch.name, ch.type,"
        " t.message_count, t.created_at, t.last_message_at, t.priority"
        f" FROM ticket t JOIN channel ch ON ch.id = t.channel_id WHERE {where}"
        " ORDER BY t.last_message_at DESC, t.id DESC LIMIT :_limit",
        params,
    )
    tickets = [
        {
            "id": row[0],
            "subject": row[1],
            "status": shown_status(row[2], row[3]),
            "snoozed_until": iso_utc(row[3]),
            "spam": bool(row[4]),
            "channel": row[5],
            "channel_type": row[6],
            "message_count": row[7],
            "created_at": iso_utc(row[8]),
            "last_message_at": iso_utc(row[9]),
            "priority": row[10],
        }
        for row in rows
    ]
    return tickets, count


# --- orders -------------------------------------------------------------------------------

MAX_ORDER_EMAILS = 500


def _orders(db: ReadDb, customer_id: int, emails: list[str], limit: int) -> dict[str, Any]:
    # An order belongs to the customer when the shop link says so, or (not linked to anyone
    # else) when it was placed with one of their email addresses. Identities hold emails
    # lower-cased; the commerce cache is expected to store them the same way, which keeps
    # the shop_order.email index usable.
    where = "o.customer_id = :c"
    params: dict[str, Any] = {"c": customer_id, "_limit": limit}
    if emails:
        # Bounded, so the IN (...) stays under every database's parameter limit; a person
        # with more addresses than this has their orders linked by the shop link anyway.
        names = {f"e{n}": email for n, email in enumerate(emails[:MAX_ORDER_EMAILS])}
        params.update(names)
        listed = ", ".join(f":{name}" for name in names)
        where = f"({where} OR (o.customer_id IS NULL AND o.email IN ({listed})))"
    summary = db.all(
        f"SELECT o.total, o.currency, o.financial_status, o.fetched_at FROM shop_order o"
        f" WHERE {where}",
        params,
    )
    rows = db.all(
        "SELECT o.id, o.store, o.external_id, o.name, o.placed_at, o.financial_status,"
        " o.fulfillment_status, o.total, o.currency, o.status_url, o.data, o.fetched_at"
        f" FROM shop_order o WHERE {where}"
        # Unknown placement dates last, portably (NULLS LAST is not in every SQLite).
        " ORDER BY CASE WHEN o.placed_at IS NULL THEN 1 ELSE 0 END, o.placed_at DESC,"
        " o.id DESC LIMIT :_limit",
        params,
    )
    fetched = [moment for row in summary if (moment := iso_utc(row[3]))]
    return {
        "orders": [_order_dict(row) for row in rows],
        "order_count": len(summary),
        "total_spent": _total_spent(summary),
        # The latest refresh of this customer's cached orders, so the panel can show its age.
        "orders_refreshed_at": max(fetched, default=None),
    }


def _total_spent(rows: list[Sequence[Any]]) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for total, currency, financial_status, _fetched in rows:
        if str(financial_status or "").lower() in _NOT_SPENT:
            continue
        try:
            amount = Decimal(str(total or "0"))
        except InvalidOperation:
            continue
        if amount.is_finite():
            totals[currency or ""] = totals.get(currency or "", Decimal(0)) + amount
    return {currency: str(amount) for currency, amount in sorted(totals.items())}


def _order_dict(row: Sequence[Any]) -> dict[str, Any]:
    data = _json_object(row[10])
    return {
        "id": row[0],
        "store": row[1],
        "external_id": row[2],
        "name": row[3],
        "created_at": iso_utc(row[4]),  # when the order was placed (Order.placed_at)
        "financial_status": row[5],
        "fulfillment_status": row[6],
        "total": row[7],
        "currency": row[8],
        "status_url": row[9],
        "items": _items(data),
        "tracking": _tracking(data),
        "shipping_address": _shipping(data),
        "fetched_at": iso_utc(row[11]),
    }


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
        }
        for item in found
    ]


def _tracking(data: dict[str, Any]) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
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
    unique = {tuple(entry.values()): entry for entry in entries}
    return list(unique.values())[:_MAX_LIST]


def _track(info: dict[str, Any], status: Any) -> dict[str, str]:
    return {
        "number": _text(info.get("number"), info.get("tracking_number")),
        "url": _text(info.get("url"), info.get("tracking_url")),
        "company": _text(info.get("company"), info.get("tracking_company")),
        "status": _text(status),
    }

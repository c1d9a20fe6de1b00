"""Read queries for the customer panel: who the customer is, their other tickets, their orders."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from deskterm.domain.enums import shown_status
from deskterm.domain.errors import NotFoundError
from deskterm.store.order_json import ORDER_COLUMNS, order_dict
from deskterm.store.readdb import ReadDb, iso_utc
from deskterm.store.sql_in import in_query

# Financial statuses whose money did not stay with the shop; "total spent" leaves them out
# (Shopify's own amountSpent is net of refunds and voids too).
NOT_SPENT = frozenset({"refunded", "voided"})


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
    not counted; ``exclude_ticket`` (the conversation on screen) is left out. ``insight``
    is store.customer_insight's summary of their whole history.
    """
    from deskterm.store.customer_insight import customer_insight  # it imports this module

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
        "insight": customer_insight(db, customer_id, emails),
    }


def customer_orders(db: ReadDb, customer_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """The customer's cached orders, newest first (``show --json`` and macro variables)."""
    orders: list[dict[str, Any]] = _orders(
        db, customer_id, email_identities(db, customer_id), limit
    )["orders"]
    return orders


@dataclass(frozen=True)
class OrdersAtGlance:
    """What a rule reads of a customer's orders (``order.*``, ``customer.orders``,
    ``customer.spent``)."""

    newest: dict[str, Any] | None  # None: no order known
    count: int
    spent: Decimal  # in the currency they spent most in; refunds and voids left out


def last_orders(db: ReadDb, customer_ids: Collection[int]) -> dict[int, OrdersAtGlance]:
    """Per customer: their newest cached order, how many they have, what they spent.

    The same orders as the panel's (``_orders``: linked by the shop, or placed with one of
    their email addresses and linked to no one), read for many customers in a few queries
    (the rules engine asks for a whole batch of events at once).
    """
    ids = sorted(set(customer_ids))
    emails: dict[int, list[str]] = {cid: [] for cid in ids}
    for cid, value in in_query(
        db,
        "SELECT customer_id, value FROM customeridentity"
        " WHERE kind = 'email' AND customer_id IN ({ids}) ORDER BY id",
        ids,
    ):
        if len(emails[int(cid)]) < MAX_ORDER_EMAILS:
            emails[int(cid)].append(str(value))
    owners: dict[str, set[int]] = {}
    for cid, addresses in emails.items():
        for address in addresses:
            owners.setdefault(address, set()).add(cid)
    found: dict[int, dict[int, Sequence[Any]]] = {cid: {} for cid in ids}
    for row in in_query(
        db,
        f"SELECT {ORDER_COLUMNS}, o.customer_id FROM shop_order o WHERE o.customer_id IN ({{ids}})",
        ids,
    ):
        found[int(row[-1])][int(row[0])] = row
    for row in in_query(
        db,
        f"SELECT {ORDER_COLUMNS}, o.email FROM shop_order o"
        " WHERE o.customer_id IS NULL AND o.email IN ({ids})",
        sorted(owners),
    ):
        for cid in owners.get(str(row[-1]), ()):
            found[cid][int(row[0])] = row
    result: dict[int, OrdersAtGlance] = {}
    for cid, orders in found.items():
        # As _orders sorts: placed newest first, unknown placement last, then newest id.
        rows = sorted(orders.values(), key=lambda row: row[0], reverse=True)
        placed = [row for row in rows if row[4] is not None]
        placed.sort(key=lambda row: row[4], reverse=True)
        newest = (placed or rows)[0] if rows else None
        # ORDER_COLUMNS: total 7, currency 8, financial_status 5 (the fetched_at slot unused).
        spent = _total_spent([(row[7], row[8], row[5], None) for row in rows])
        most = max((Decimal(amount) for amount in spent.values()), default=Decimal(0))
        result[cid] = OrdersAtGlance(
            order_dict(newest[:-1]) if newest is not None else None, len(rows), most
        )
    return result


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


def email_identities(db: ReadDb, customer_id: int) -> list[str]:
    """The customer's email addresses (stored lower-cased), oldest first."""
    rows = db.all(
        "SELECT value FROM customeridentity WHERE kind = 'email' AND customer_id = :c ORDER BY id",
        {"c": customer_id},
    )
    return [str(row[0]) for row in rows]


def owned_orders_where(customer_id: int, emails: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The WHERE (alias ``o``) of the customer's orders, and its parameters.

    An order belongs to the customer when the shop link says so, or (not linked to anyone
    else) when it was placed with one of their email addresses. Identities hold emails
    lower-cased; the commerce cache is expected to store them the same way, which keeps
    the shop_order.email index usable.
    """
    where = "o.customer_id = :c"
    params: dict[str, Any] = {"c": customer_id}
    if emails:
        # Bounded, so the IN (...) stays under every database's parameter limit; a person
        # with more addresses than this has their orders linked by the shop link anyway.
        names = {f"e{n}": email for n, email in enumerate(emails[:MAX_ORDER_EMAILS])}
        params.update(names)
        listed = ", ".join(f":{name}" for name in names)
        where = f"({where} OR (o.customer_id IS NULL AND o.email IN ({listed})))"
    return where, params


def _orders(db: ReadDb, customer_id: int, emails: list[str], limit: int) -> dict[str, Any]:
    where, params = owned_orders_where(customer_id, emails)
    params["_limit"] = limit
    summary = db.all(
        f"SELECT o.total, o.currency, o.financial_status, o.fetched_at FROM shop_order o"
        f" WHERE {where}",
        params,
    )
    rows = db.all(
        f"SELECT {ORDER_COLUMNS}"
        f" FROM shop_order o WHERE {where}"
        # Unknown placement dates last, portably (NULLS LAST is not in every SQLite).
        " ORDER BY CASE WHEN o.placed_at IS NULL THEN 1 ELSE 0 END, o.placed_at DESC,"
        " o.id DESC LIMIT :_limit",
        params,
    )
    fetched = [moment for row in summary if (moment := iso_utc(row[3]))]
    return {
        "orders": [order_dict(row) for row in rows],
        "order_count": len(summary),
        "total_spent": _total_spent(summary),
        # The latest refresh of this customer's cached orders, so the panel can show its age.
        "orders_refreshed_at": max(fetched, default=None),
    }


def _total_spent(rows: list[Sequence[Any]]) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for total, currency, financial_status, _fetched in rows:
        if str(financial_status or "").lower() in NOT_SPENT:
            continue
        try:
            amount = Decimal(str(total or "0"))
        except InvalidOperation:
            continue
        if amount.is_finite():
            totals[currency or ""] = totals.get(currency or "", Decimal(0)) + amount
    return {currency: str(amount) for currency, amount in sorted(totals.items())}

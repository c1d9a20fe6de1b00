"""Find a cached order by REF (``STORE_OR_CHANNEL:ORDER_ID``) and a ticket's orders."""

from __future__ import annotations

from typing import Any

from deskterm.domain.enums import IdentityKind
from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.store.customer_reader import customer_orders
from deskterm.store.order_json import ORDER_COLUMNS, order_dict
from deskterm.store.readdb import ReadDb, iso_utc

REF_HELP = (
    "REF is STORE_OR_CHANNEL:ORDER_ID: the Shopify store's or the marketplace channel's "
    "name, a colon, and the order's id or name (e.g. shopee-id:2512010ABCDEF, main:#1042)"
)


def parse_ref(ref: str) -> tuple[str, str]:
    """(store, order) of a REF; UsageError naming the expected form otherwise."""
    store, sep, order = ref.strip().partition(":")
    if not sep or not store.strip() or not order.strip():
        raise UsageError(f"{ref!r} is not an order REF; {REF_HELP}")
    return store.strip(), order.strip()


def find_order(db: ReadDb, ref: str) -> dict[str, Any]:
    """The cached order ``ref`` names: by the platform's id, its name ("#1042" or "1042")
    or Shopify's GID. NotFoundError says which stores the cache knows."""
    store, wanted = parse_ref(ref)
    names = {wanted, wanted.lstrip("#"), f"#{wanted.lstrip('#')}"}
    keys = {f"k{n}": value for n, value in enumerate(sorted(names))}
    listed = ", ".join(f":{key}" for key in keys)
    rows = db.all(
        f"SELECT {ORDER_COLUMNS} FROM shop_order o WHERE o.store = :store AND"
        f" (o.external_id IN ({listed}) OR o.name IN ({listed})"
        " OR o.external_id LIKE :gid) ORDER BY o.id LIMIT 1",
        {"store": store, "gid": f"gid://shopify/Order/{wanted.lstrip('#')}", **keys},
    )
    if rows:
        return order_dict(rows[0])
    known = [row[0] for row in db.all("SELECT DISTINCT store FROM shop_order ORDER BY store", {})]
    if store not in known:
        where = f"the cache holds orders of {', '.join(known)}" if known else "no order is cached"
        raise NotFoundError(f"no orders of {store!r} are cached ({where})")
    raise NotFoundError(f"no order {wanted!r} of {store!r} is cached")


def ticket_orders(db: ReadDb, ticket_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
    """The orders of a ticket's customer, newest first ([] when it has no customer)."""
    rows = db.all("SELECT customer_id FROM ticket WHERE id = :id", {"id": ticket_id})
    if not rows:
        raise NotFoundError(f"no ticket with id {ticket_id}")
    if rows[0][0] is None:
        return []
    return customer_orders(db, int(rows[0][0]), limit=limit)


def order_ticket(db: ReadDb, store: str, external_id: str) -> int | None:
    """The latest ticket of the customer a cached order belongs to (where an action's note
    goes when no ticket is named), or None."""
    rows = db.all(
        "SELECT t.id FROM shop_order o JOIN ticket t ON t.customer_id = o.customer_id"
        " WHERE o.store = :store AND o.external_id = :external"
        " ORDER BY t.last_message_at DESC, t.id DESC LIMIT 1",
        {"store": store, "external": external_id},
    )
    return int(rows[0][0]) if rows else None


def order_history(db: ReadDb, store: str, order_id: str) -> list[dict[str, Any]]:
    """The actions recorded on one order, oldest first: what was asked, how it ended,
    by whom (``order show`` prints them; the exactly-once record is the audit of them)."""
    rows = db.all(
        "SELECT a.id, a.kind, a.state, a.error, a.created_at, a.done_at, a.attempts,"
        " a.ticket_id, g.name, g.email FROM orderaction a LEFT JOIN agent g ON g.id = a.agent_id"
        " WHERE a.store = :store AND a.order_id = :order ORDER BY a.id",
        {"store": store, "order": order_id},
    )
    return [
        {
            "action_id": row[0],
            "kind": row[1],
            "state": row[2],
            "error": row[3] or None,
            "created_at": iso_utc(row[4]),
            "done_at": iso_utc(row[5]),
            "attempts": row[6],
            "ticket_id": row[7],
            "by": row[8] or row[9],
        }
        for row in rows
    ]


def buyer_ticket(db: ReadDb, platform: str, buyer_id: str, email: str) -> int | None:
    """The latest ticket of the customer a marketplace buyer id or an email belongs to (an
    order the cache does not hold yet); None when no customer is known."""
    if not (buyer_id or email):
        return None
    rows = db.all(
        "SELECT t.id FROM customeridentity i JOIN ticket t ON t.customer_id = i.customer_id"
        " WHERE (i.kind = :buyer_kind AND i.scope = :platform AND i.value = :buyer)"
        " OR (i.kind = :email_kind AND i.scope = '' AND i.value = :email)"
        " ORDER BY t.last_message_at DESC, t.id DESC LIMIT 1",
        {
            "buyer_kind": IdentityKind.BUYER.value,
            "email_kind": IdentityKind.EMAIL.value,
            "platform": platform,
            "buyer": buyer_id,  # "" matches no identity
            "email": email.strip().lower(),
        },
    )
    return int(rows[0][0]) if rows else None

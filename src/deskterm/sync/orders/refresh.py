"""The shop-order cache: refresh a customer's orders from a commerce source, find stale caches.

Orders are only ever inserted or updated here, never deleted: a shop that cannot be reached
leaves the cache as it was (shown with its age), and an order that drops out of a later
answer (older than the page, or than what the app may see) is still a real order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import or_
from sqlmodel import Session, col, select

from deskterm.commerce.types import ShopOrder
from deskterm.domain.enums import IdentityKind, TicketStatus
from deskterm.domain.errors import ChannelError
from deskterm.domain.revenue import AttributionRules
from deskterm.store.engine import Store
from deskterm.store.order_cache import chunks, write_order_row
from deskterm.store.revenue_reader import presale_replies
from deskterm.store.session_read import SessionReadDb
from deskterm.store.tables import CustomerIdentity, Order, Ticket, as_utc, utcnow

MAX_EMAILS = 5  # addresses looked up per customer: each one is a query against the budget


class OrderSource(Protocol):
    """What the cache needs from a commerce adapter (commerce.shopify.ShopifyClient)."""

    def orders_for_email(self, email: str, first: int = 10) -> list[ShopOrder]:
        """The most recent orders placed with ``email``, newest first."""
        ...


@dataclass
class OrdersPass:
    """What one ``refresh_stale`` pass did, for the sync summary and the status line."""

    customers: int = 0  # customers whose orders were fetched
    orders: int = 0  # orders written (inserted or updated)
    stale: int = 0  # customers that were due, including those left for the next pass
    error: str = ""  # the failure that ended the pass early, one line


def order_data(order: ShopOrder) -> dict[str, object]:
    """The ``shop_order.data`` JSON: the normalised lists store.customer_reader reads
    (``items``, ``tracking``), the shipping address the macro variables want, and the API's
    own node under ``shopify`` (not at the top level, where the reader would take its
    ``fulfillments`` for a second copy of the tracking)."""
    return {
        "items": [item.to_json() for item in order.items],
        "tracking": [entry.to_json() for entry in order.tracking],
        "shipping_address": dict(order.shipping_address),
        "shopify": order.raw,
    }


def _normalised(order: ShopOrder, store_name: str) -> dict[str, object]:
    """The one-order-model columns (issue 13): normalised status, the platform's words,
    and what may be done now, from the same Shopify node; nothing when it cannot be read
    (the reader then derives a status from the financial and fulfilment words)."""
    from deskterm.commerce.shopify_orders import platform_order

    try:
        mapped = platform_order(order.raw, label=store_name)
    except ChannelError:
        return {
            "platform": "shopify",
            "status": "",
            "platform_status": "",
            "source_updated_at": None,
        }
    data = order_data(order)
    data["actions"] = list(mapped.actions)
    data["returns"] = [entry.to_json() for entry in mapped.returns]
    return {
        "platform": "shopify",
        "status": mapped.status,
        "platform_status": mapped.platform_status,
        "source_updated_at": mapped.updated_at,
        "data": data,
    }


def refresh_orders(
    store: Store,
    client: OrderSource,
    store_name: str,
    customer: int | Sequence[str],
    *,
    now: datetime | None = None,
    first: int = 10,
) -> int:
    """Fetch the recent orders of a customer (by id) or of email addresses; cache them.

    Each order is upserted on (store, external_id) with ``fetched_at = now`` and linked to
    the customer owning its email as an identity. Returns how many orders were written.
    Every address is fetched before anything is written, so a ChannelError leaves the
    cache exactly as it was.
    """
    moment = as_utc(now) if now is not None else utcnow()
    if isinstance(customer, int):
        with store.read() as session:
            emails = _emails_of(session, [customer]).get(customer, [])
    else:
        emails = _unique(e.strip().lower() for e in customer if e.strip())
    fetched: dict[str, tuple[ShopOrder, str]] = {}
    for email in emails[:MAX_EMAILS]:
        for order in client.orders_for_email(email, first):
            if order.external_id:
                fetched.setdefault(order.external_id, (order, order.email or email))
    if not fetched:
        return 0
    with store.write() as session:
        owners = _owners(session, {email for _order, email in fetched.values()})
        for order, email in fetched.values():
            values = {
                "store": store_name,
                "external_id": order.external_id,
                "customer_id": owners.get(email),
                "email": email,
                "name": order.name,
                "placed_at": order.created_at,
                "financial_status": order.financial_status,
                "fulfillment_status": order.fulfillment_status,
                "total": str(order.total),
                "currency": order.currency,
                "status_url": order.status_url,
                "data": order_data(order),
                "fetched_at": moment,
                "buyer_id": "",
                **_normalised(order, store_name),
            }
            write_order_row(session, store.dialect, values)
    return len(fetched)


def last_refreshed(store: Store, store_name: str, customer_id: int) -> datetime | None:
    """When ``customer_id``'s orders in ``store_name`` were last fetched (None: never cached).

    For the on-demand refresh when a ticket is shown: stale when None or too old.
    """
    with store.read() as session:
        emails = _emails_of(session, [customer_id])
        return _freshness(session, store_name, emails, [customer_id]).get(customer_id)


def stale_customers(
    store: Store,
    store_name: str,
    max_age: timedelta,
    *,
    now: datetime | None = None,
    checked: Mapping[int, datetime] | None = None,
    presale: AttributionRules | None = None,
) -> list[int]:
    """Customers with open tickets whose cached orders are missing or older than ``max_age``.

    Open means status open, not spam, not merged away, on a channel of ``store_name`` or of
    no store (the shop is then unknown, so every store is asked). Only customers with an
    email identity count: orders are looked up by email. ``checked`` maps customers to
    when this process last fetched them: a customer without orders leaves no row to date
    the cache by, and would otherwise be fetched on every pass. Customers with no cache
    come first, then the oldest caches. With ``presale``, customers an agent answered on
    a pre-sale ticket within its window count too, whatever the ticket's status: an order
    they place now is revenue from support, and only a fetched order can be counted.
    """
    moment = as_utc(now) if now is not None else utcnow()
    cutoff = moment - max_age
    with store.read() as session:
        candidates = _open_customers(session, store_name)
        if presale is not None:
            for reply in presale_replies(
                SessionReadDb(session), moment - presale.window, moment, presale
            ):
                stamp = int(reply.sent_at.replace(tzinfo=UTC).timestamp())
                if stamp > candidates.get(reply.customer_id, -1):
                    candidates[reply.customer_id] = stamp
        emails = _emails_of(session, list(candidates))
        fresh = _freshness(session, store_name, emails, list(emails))
    due: list[tuple[bool, datetime, int, int]] = []
    for customer_id in emails:
        known = [t for t in (fresh.get(customer_id), (checked or {}).get(customer_id)) if t]
        latest = max((as_utc(t) for t in known), default=None)
        if latest is None or latest < cutoff:
            # Missing caches first; then the oldest; then the liveliest conversation.
            due.append(
                (latest is not None, latest or moment, -candidates[customer_id], customer_id)
            )
    due.sort()
    return [customer_id for *_order, customer_id in due]


def refresh_stale(
    store: Store,
    client: OrderSource,
    store_name: str,
    max_age: timedelta,
    *,
    checked: MutableMapping[int, datetime],
    now: datetime | None = None,
    limit: int = 50,
    first: int = 10,
    presale: AttributionRules | None = None,
) -> OrdersPass:
    """One sync pass: refresh up to ``limit`` stale customers, stop at the first failure.

    ``checked`` is the caller's memory across passes (see ``stale_customers``); entries
    older than ``max_age`` are dropped here so it stays small. A failure ends the pass: the
    shop is down or refusing us, and the next pass tries again with the cache untouched.
    """
    moment = as_utc(now) if now is not None else utcnow()
    for customer_id, when in list(checked.items()):
        if as_utc(when) < moment - max_age:
            del checked[customer_id]
    due = stale_customers(store, store_name, max_age, now=moment, checked=checked, presale=presale)
    result = OrdersPass(stale=len(due))
    for customer_id in due[:limit]:
        try:
            result.orders += refresh_orders(
                store, client, store_name, customer_id, now=moment, first=first
            )
        except ChannelError as exc:
            result.error = exc.message
            break
        checked[customer_id] = moment
        result.customers += 1
    return result


# --- queries --------------------------------------------------------------------------------


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _open_customers(session: Session, store_name: str) -> dict[int, int]:
    """Customer id -> a number that grows with their latest open ticket's activity."""
    rows = session.exec(
        select(Ticket.customer_id, Ticket.last_message_at).where(
            Ticket.status == TicketStatus.OPEN.value,
            col(Ticket.spam).is_(False),
            col(Ticket.merged_into_id).is_(None),
            col(Ticket.customer_id).is_not(None),
            or_(col(Ticket.store) == store_name, col(Ticket.store).is_(None)),
        )
    ).all()
    latest: dict[int, int] = {}
    for customer_id, last_message_at in rows:
        if customer_id is None:
            continue
        stamp = int(as_utc(last_message_at).timestamp())
        latest[customer_id] = max(latest.get(customer_id, stamp), stamp)
    return latest


def _emails_of(session: Session, customer_ids: Sequence[int]) -> dict[int, list[str]]:
    """Customer id -> their email identities (stored lower-cased), oldest first."""
    found: dict[int, list[str]] = {}
    for chunk in chunks(customer_ids):
        rows = session.exec(
            select(CustomerIdentity.customer_id, CustomerIdentity.value)
            .where(
                CustomerIdentity.kind == IdentityKind.EMAIL.value,
                col(CustomerIdentity.customer_id).in_(chunk),
            )
            .order_by(col(CustomerIdentity.id))
        ).all()
        for customer_id, value in rows:
            found.setdefault(customer_id, []).append(value)
    return found


def _owners(session: Session, emails: Iterable[str]) -> dict[str, int]:
    """Email -> the customer that has it as an identity (identities are unique per value)."""
    wanted = sorted({e for e in emails if e})
    owners: dict[str, int] = {}
    for chunk in chunks(wanted):
        rows = session.exec(
            select(CustomerIdentity.value, CustomerIdentity.customer_id).where(
                CustomerIdentity.kind == IdentityKind.EMAIL.value,
                CustomerIdentity.scope == "",
                col(CustomerIdentity.value).in_(chunk),
            )
        ).all()
        owners.update(dict(rows))
    return owners


def _freshness(
    session: Session,
    store_name: str,
    emails: Mapping[int, list[str]],
    customer_ids: Sequence[int],
) -> dict[int, datetime]:
    """Customer id -> the latest ``fetched_at`` among the cached orders that are theirs.

    Theirs: linked to them, or placed with one of their addresses (linked or not: either
    way the shop was asked about that address then).
    """
    by_email: dict[str, datetime] = {}
    by_customer: dict[int, datetime] = {}
    every_email = _unique(e for ids in customer_ids for e in emails.get(ids, []))
    for chunk in chunks(every_email):
        for email, fetched in session.exec(
            select(Order.email, Order.fetched_at).where(
                Order.store == store_name, col(Order.email).in_(chunk)
            )
        ).all():
            moment = as_utc(fetched)
            by_email[email] = max(by_email.get(email, moment), moment)
    for id_chunk in chunks(customer_ids):
        for customer_id, fetched in session.exec(
            select(Order.customer_id, Order.fetched_at).where(
                Order.store == store_name, col(Order.customer_id).in_(id_chunk)
            )
        ).all():
            if customer_id is None:
                continue
            moment = as_utc(fetched)
            by_customer[customer_id] = max(by_customer.get(customer_id, moment), moment)
    result: dict[int, datetime] = {}
    for customer_id in customer_ids:
        known = [by_email[e] for e in emails.get(customer_id, []) if e in by_email]
        if customer_id in by_customer:
            known.append(by_customer[customer_id])
        if known:
            result[customer_id] = max(known)
    return result

"""Write orders of any platform into the cache (shop_order), linked to their customers.

Orders are only inserted or updated, never deleted (sync/orders/refresh.py says why). A
marketplace order belongs to the customer whose BUYER identity (scope: the platform) is
its buyer id; an order with an email belongs to the customer with that email identity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlmodel import Session, col, select

from deskterm.domain.enums import IdentityKind
from deskterm.domain.orders import PlatformOrder
from deskterm.store.engine import Store
from deskterm.store.order_json import cache_key
from deskterm.store.tables import CustomerIdentity, Order, as_utc, table_of, utcnow
from deskterm.store.upsert import upsert

_T = TypeVar("_T")
CHUNK = 500  # values per IN (...): under SQLite's and PostgreSQL's parameter limits
# Every column a refresh may change; customer_id joins them only when an owner is known.
UPDATED_COLUMNS = (
    "email",
    "name",
    "placed_at",
    "financial_status",
    "fulfillment_status",
    "total",
    "currency",
    "status_url",
    "data",
    "fetched_at",
    "platform",
    "status",
    "platform_status",
    "buyer_id",
    "source_updated_at",
)


def order_data(order: PlatformOrder) -> dict[str, Any]:
    """The ``shop_order.data`` JSON store.order_json reads back, the API's node under the
    platform's name (not at the top level, where the reader would take its fields)."""
    return {
        "items": [item.to_json() for item in order.items],
        "tracking": [parcel.to_json() for parcel in order.tracking],
        "returns": [entry.to_json() for entry in order.returns],
        "actions": list(order.actions),
        "shipping_address": dict(order.shipping_address),
        order.platform: dict(order.raw),
    }


def cache_orders(
    store: Store,
    store_name: str,
    orders: Sequence[PlatformOrder],
    *,
    now: datetime | None = None,
) -> int:
    """Upsert ``orders`` of ``store_name`` (a Shopify store's or a marketplace channel's
    name), fetched at ``now``; returns how many were written. Each is keyed by
    ``order_json.cache_key`` (a Shopify order by its GID, as the Shopify sync keys it)."""
    if not orders:
        return 0
    moment = as_utc(now) if now is not None else utcnow()
    keys = [cache_key(o.platform, o.id) for o in orders]
    with store.write() as session:
        buyers = _buyer_owners(session, {(o.platform, o.buyer_id) for o in orders if o.buyer_id})
        emails = _email_owners(session, {o.email for o in orders if o.email})
        for order, key in zip(orders, keys, strict=True):
            owner = buyers.get((order.platform, order.buyer_id)) or emails.get(order.email.lower())
            values = {
                "store": store_name,
                "external_id": key,
                "customer_id": owner,
                "email": order.email,
                "name": order.name,
                "placed_at": order.created_at,
                "financial_status": order.financial_status,
                "fulfillment_status": order.fulfillment_status,
                "total": str(order.total),
                "currency": order.currency,
                "status_url": order.status_url,
                "data": order_data(order),
                "fetched_at": moment,
                "platform": order.platform,
                "status": order.status,
                "platform_status": order.platform_status,
                "buyer_id": order.buyer_id,
                "source_updated_at": order.updated_at,
            }
            write_order_row(session, store.dialect, values)
    return len(orders)


class CachedVersion(NamedTuple):
    """What a cached order row says of the platform's last change it was fetched at."""

    updated_at: datetime | None  # source_updated_at, aware UTC
    platform_status: str


def cached_versions(
    store: Store, store_name: str, external_ids: Sequence[str]
) -> dict[str, CachedVersion]:
    """External id -> the cached row's version, for those of ``external_ids`` that
    ``store_name`` has cached (an order pass compares its listing with them): one query per
    CHUNK ids."""
    found: dict[str, CachedVersion] = {}
    wanted = sorted(set(external_ids))
    if not wanted:
        return found
    with store.read() as session:
        for chunk in chunks(wanted):
            rows = session.exec(
                select(Order.external_id, Order.source_updated_at, Order.platform_status).where(
                    Order.store == store_name, col(Order.external_id).in_(chunk)
                )
            ).all()
            for key, updated, status in rows:
                found[key] = CachedVersion(as_utc(updated) if updated else None, status)
    return found


def buyer_orders_in(
    store: Store, store_name: str, buyer_id: str, statuses: Sequence[str], limit: int = 50
) -> list[str]:
    """External ids of one buyer's cached orders of ``store_name`` whose normalised status is
    one of ``statuses``, newest first (at most ``limit``)."""
    with store.read() as session:
        rows = session.exec(
            select(Order.external_id)
            .where(
                Order.store == store_name,
                Order.buyer_id == buyer_id,
                col(Order.status).in_(list(statuses)),
            )
            .order_by(col(Order.placed_at).desc())
            .limit(limit)
        ).all()
    return [str(row) for row in rows]


def write_order_row(session: Session, dialect: str, values: dict[str, Any]) -> None:
    """Upsert one shop_order row on (store, external_id); with no owner in ``values``
    the row keeps whatever link it had (a manual one included)."""
    known = values["customer_id"] is not None
    update = (*UPDATED_COLUMNS, "customer_id") if known else UPDATED_COLUMNS
    session.execute(
        upsert(dialect, table_of(Order), values, keys=("store", "external_id"), update=update)
    )


def chunks(values: Sequence[_T]) -> Iterable[list[_T]]:
    """``values`` in slices of CHUNK, for IN (...) lists."""
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


def _buyer_owners(session: Session, buyers: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(platform, buyer id) -> the customer with that BUYER identity."""
    owners: dict[tuple[str, str], int] = {}
    for platform in sorted({platform for platform, _buyer in buyers}):
        ids = sorted(buyer for p, buyer in buyers if p == platform)
        for chunk in chunks(ids):
            rows = session.exec(
                select(CustomerIdentity.value, CustomerIdentity.customer_id).where(
                    CustomerIdentity.kind == IdentityKind.BUYER.value,
                    CustomerIdentity.scope == platform,
                    col(CustomerIdentity.value).in_(chunk),
                )
            ).all()
            owners.update({(platform, value): customer for value, customer in rows})
    return owners


def _email_owners(session: Session, emails: set[str]) -> dict[str, int]:
    """Email (lower-cased) -> the customer with that email identity."""
    owners: dict[str, int] = {}
    for chunk in chunks(sorted(e.lower() for e in emails)):
        rows = session.exec(
            select(CustomerIdentity.value, CustomerIdentity.customer_id).where(
                CustomerIdentity.kind == IdentityKind.EMAIL.value,
                CustomerIdentity.scope == "",
                col(CustomerIdentity.value).in_(chunk),
            )
        ).all()
        owners.update(dict(rows))
    return owners

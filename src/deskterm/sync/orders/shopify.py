"""Shopify order caches kept fresh by the sync: one pass per configured store."""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import datetime, timedelta

from deskterm.commerce.graphql import ATTEMPTS
from deskterm.commerce.shopify import ShopifyClient
from deskterm.config import ShopifyStore
from deskterm.domain.errors import SecretError
from deskterm.domain.revenue import AttributionRules
from deskterm.secrets import resolve_secret
from deskterm.store.engine import Store
from deskterm.store.tables import as_utc, utcnow
from deskterm.sync.orders.refresh import last_refreshed, refresh_orders, refresh_stale
from deskterm.sync.summary import ChannelSummary


def shopify_client(
    shop: ShopifyStore, *, timeout: float = 20.0, attempts: int = ATTEMPTS
) -> ShopifyClient:
    """A client for ``shop``; SecretError (one line) when its token cannot be read.

    ``doctor`` asks for one attempt and a short timeout: it reports, the next pass retries.
    """
    token = resolve_secret(shop.access_token, what=f'stores "{shop.name}".access_token')
    return ShopifyClient(
        shop.shop_url, shop.api_version, token, label=shop.name, timeout=timeout, attempts=attempts
    )


def refresh_store_orders(
    store: Store,
    shop: ShopifyStore,
    checked: MutableMapping[int, datetime],
    *,
    presale: AttributionRules | None = None,
) -> ChannelSummary:
    """Refresh stale caches of customers with open tickets (and, with ``presale``, of
    customers answered on a pre-sale ticket within its window: their next order is
    revenue from support); the summary names any failure."""
    summary = ChannelSummary(channel=shop.name)
    try:
        client = shopify_client(shop)
    except SecretError as exc:
        summary.problems.append(str(exc))
        summary.note = "orders not refreshed"
        return summary
    with client:
        result = refresh_stale(
            store,
            client,
            shop.name,
            timedelta(minutes=shop.refresh_minutes),
            checked=checked,
            presale=presale,
        )
    summary.note = (
        f"orders of {result.customers} customer(s) refreshed ({result.orders} orders)"
        + (f", {result.stale - result.customers} left for the next pass" if result.error else "")
    )
    if result.error:
        summary.problems.append(result.error)
    return summary


def refresh_if_stale(
    store: Store, shop: ShopifyStore, customer_id: int, *, force: bool = False
) -> bool:
    """On demand (a ticket was opened): refresh this customer's cache when missing or old.

    Returns whether a refresh ran. Raises ChannelError/SecretError when the shop cannot be
    reached; the cache then stays as it was and is shown with its age.
    """
    fetched = last_refreshed(store, shop.name, customer_id)
    max_age = timedelta(minutes=shop.refresh_minutes)
    if not force and fetched is not None and as_utc(fetched) > utcnow() - max_age:
        return False
    with shopify_client(shop) as client:
        refresh_orders(store, client, shop.name, customer_id)
    return True

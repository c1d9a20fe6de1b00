"""Marketplace order caches kept fresh by the sync: one listing per channel per pass.

A pass lists the orders created or changed since the channel's order cursor (minus a
little overlap for the platform's clock) and fetches details only for those the cache does
not hold as listed (same update time, or for Shopee same status: see ``_unchanged``), so a
pass where nothing changed costs one listing call, also for orders listed again because
they changed within the overlap.
The cursor is written after the orders: a crash in between lists them again (the upsert
converges). A failure leaves the cache and the cursor as they were (shown with its age).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from deskterm.domain import orders as o
from deskterm.domain.errors import ChannelError, SecretError
from deskterm.domain.orders import ListedOrder, MarketplaceOrders
from deskterm.store.engine import Store
from deskterm.store.order_cache import (
    CachedVersion,
    buyer_orders_in,
    cache_orders,
    cached_versions,
)
from deskterm.store.tables import as_utc, utcnow
from deskterm.sync.chat.kinds import ChatChannelConfig
from deskterm.sync.cursors import load_cursor, save_cursor
from deskterm.sync.summary import ChannelSummary

SCOPE = "orders"
FIRST_WINDOW = timedelta(days=60)  # how far back the first pass of a channel looks
OVERLAP = timedelta(minutes=10)  # the platform's update_time may lag its own clock
BUYER_WINDOW = timedelta(days=180)  # a buyer's orders looked up when their ticket opens


@dataclass
class MarketplaceOrdersPass:
    """What one pass over a channel's orders did (sync summary, bench)."""

    listed: int = 0  # ids the listing returned
    fetched: int = 0  # orders whose details were fetched and written
    fetched_ids: list[str] = field(default_factory=list)  # their ids
    error: str = ""  # the failure that ended the pass, one line


def refresh_channel_orders(
    store: Store,
    source: MarketplaceOrders,
    channel_name: str,
    channel_id: int,
    *,
    now: datetime | None = None,
) -> MarketplaceOrdersPass:
    """One pass: list what changed since the cursor, fetch what differs, write, move on.
    A forced pass follows the same rule (force means "now", not "everything")."""
    moment = as_utc(now) if now is not None else utcnow()
    result = MarketplaceOrdersPass()
    with store.read() as session:
        cursor = load_cursor(session, channel_id, SCOPE)
    since = _since(cursor, moment)
    try:
        listed = source.changed_orders(since, moment)
        result.listed = len(listed)
        ids = differing(store, channel_name, listed)
        orders = source.orders(ids) if ids else []
    except ChannelError as exc:
        result.error = exc.message
        return result
    result.fetched = cache_orders(store, channel_name, orders, now=moment)
    result.fetched_ids = [order.id for order in orders]
    with store.write() as session:
        save_cursor(session, channel_id, SCOPE, {"until": moment.isoformat()})
    return result


def differing(store: Store, channel_name: str, listed: Sequence[ListedOrder]) -> list[str]:
    """Ids of the ``listed`` orders the cache does not hold as listed (not cached, or cached
    with another update time or status), in listing order, each once."""
    latest = {order.id: order for order in listed}  # a later row is the newer state
    cached = cached_versions(store, channel_name, list(latest))
    return [i for i, order in latest.items() if not _unchanged(order, cached.get(i))]


def _unchanged(listed: ListedOrder, cached: CachedVersion | None) -> bool:
    """Whether the cached row is the order as listed.

    TikTok Shop and Lazada list each order's update time (the field their mappers keep as
    ``source_updated_at``): same time, same order. Shopee's listing has no time, only the
    order_status (``platform_status`` is that same word): a change that keeps the status
    (a tracking step, a return's progress while the status stays, an address edit before
    shipping) is NOT seen by the pass until the status moves. A listing that
    tells neither always has the order fetched; so is an order not cached yet.
    """
    if cached is None:
        return False
    if listed.status and listed.status != cached.platform_status:
        return False
    if listed.updated_at is not None:
        return listed.updated_at == cached.updated_at
    return bool(listed.status)


def refresh_buyer_orders(
    store: Store,
    source: MarketplaceOrders,
    channel_name: str,
    channel_id: int,
    buyer_id: str,
    *,
    now: datetime | None = None,
) -> int:
    """On demand (a buyer's ticket was opened): their orders, by the platform's buyer
    filter where it has one, else by the channel's changed-orders pass. Raises
    ChannelError when the platform cannot be reached (the cache stays as it was)."""
    moment = as_utc(now) if now is not None else utcnow()
    ids = source.buyer_order_ids(buyer_id, moment - BUYER_WINDOW)
    if ids is None:
        done = refresh_channel_orders(store, source, channel_name, channel_id, now=moment)
        if done.error:
            raise ChannelError(done.error)
        # The listing only names orders whose update time or status moved (Shopee's has no
        # update time at all): a parcel's new tracking step or a return's progress changes
        # neither. The agent is looking at this buyer now, so their orders still on their
        # way are read again in full.
        just = set(done.fetched_ids)  # read in full by the pass already
        moving = [
            i for i in buyer_orders_in(store, channel_name, buyer_id, MOVING) if i not in just
        ]
        fresh = source.orders(moving) if moving else []
        return done.fetched + cache_orders(store, channel_name, fresh, now=moment)
    return cache_orders(store, channel_name, source.orders(ids) if ids else [], now=moment)


# Orders whose tracking or return may move without a listing noticing (see above).
MOVING = (o.UNPAID, o.TO_SHIP, o.SHIPPED, o.DELIVERED, o.RETURNING)


def _last_pass(cursor: dict[str, object]) -> datetime | None:
    """When the channel's last order pass ended (our clock); None: never, or a damaged
    cursor (then everything starts over and the upsert converges)."""
    until = cursor.get("until")
    if not isinstance(until, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(until))
    except ValueError:
        return None


def _since(cursor: dict[str, object], moment: datetime) -> datetime:
    last = _last_pass(cursor)
    return last - OVERLAP if last is not None else moment - FIRST_WINDOW


def orders_due(store: Store, channel: ChatChannelConfig, channel_id: int, now: datetime) -> bool:
    """Whether the channel's order pass is due: on, and its last pass older than
    ``orders_refresh_minutes`` (or never run)."""
    minutes = channel.orders_refresh_minutes
    if minutes <= 0:
        return False
    with store.read() as session:
        last = _last_pass(load_cursor(session, channel_id, SCOPE))
    if last is None:
        return True
    return now - last >= timedelta(minutes=minutes)


def refresh_marketplace_orders(
    store: Store, channel: ChatChannelConfig, channel_id: int, *, force: bool = False
) -> ChannelSummary | None:
    """The sync's pass over one marketplace channel's orders when due (``force``: now);
    None when not due. Failures become the summary's problems."""
    from deskterm.sync.orders.sources import make_order_source

    moment = utcnow()
    if not force and not orders_due(store, channel, channel_id, moment):
        return None
    summary = ChannelSummary(channel=channel.name)
    try:
        source = make_order_source(store, channel, channel_id)
    except SecretError as exc:
        summary.problems.append(str(exc))
        summary.note = "orders not refreshed"
        return summary
    try:
        done = refresh_channel_orders(store, source, channel.name, channel_id, now=moment)
    finally:
        source.close()
    summary.note = f"orders: {done.listed} changed, {done.fetched} fetched"
    if done.error:
        summary.problems.append(done.error)
    return summary


def refresh_buyer_if_stale(
    store: Store,
    channel: ChatChannelConfig,
    channel_id: int,
    buyer_id: str,
    *,
    force: bool = False,
) -> bool:
    """On demand (the TUI opened a buyer's ticket): fetch the buyer's orders when the
    channel's last order pass is older than ``orders_refresh_minutes``. Returns whether a
    refresh ran (``force``: now, whatever the age); raises ChannelError/SecretError when the
    platform cannot be reached (the cache is then shown with its age)."""
    from deskterm.sync.orders.sources import make_order_source

    moment = utcnow()
    if not force and not orders_due(store, channel, channel_id, moment):
        return False
    source = make_order_source(store, channel, channel_id)
    try:
        refresh_buyer_orders(store, source, channel.name, channel_id, buyer_id, now=moment)
    finally:
        source.close()
    return True

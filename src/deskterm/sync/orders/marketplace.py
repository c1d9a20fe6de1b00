"""Marketplace order caches kept fresh by the sync: one listing per channel per pass.

A pass lists the orders created or changed since the channel's order cursor (minus a
little overlap for the platform's clock) and fetches details only for those, so a pass
where nothing changed costs one listing call.
The cursor is written after the orders: a crash in between lists them again (the upsert
converges). A failure leaves the cache and the cursor as they were (shown with its age).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from deskterm.domain.errors import ChannelError, SecretError
from deskterm.domain.orders import MarketplaceOrders
from deskterm.store.engine import Store
from deskterm.store.order_cache import cache_orders
from deskterm.store.tables import as_utc, utcnow
from deskterm.sync.chat.adapters import ChatChannelConfig
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
    error: str = ""  # the failure that ended the pass, one line


def refresh_channel_orders(
    store: Store,
    source: MarketplaceOrders,
    channel_name: str,
    channel_id: int,
    *,
    now: datetime | None = None,
) -> MarketplaceOrdersPass:
    """One pass: list what changed since the cursor, fetch what differs, write, move on."""
    moment = as_utc(now) if now is not None else utcnow()
    result = MarketplaceOrdersPass()
    with store.read() as session:
        cursor = load_cursor(session, channel_id, SCOPE)
    since = _since(cursor, moment)
    try:
        ids = source.changed_order_ids(since, moment)
        result.listed = len(ids)
        orders = source.orders(list(dict.fromkeys(ids))) if ids else []
    except ChannelError as exc:
        result.error = exc.message
        return result
    result.fetched = cache_orders(store, channel_name, orders, now=moment)
    with store.write() as session:
        save_cursor(session, channel_id, SCOPE, {"until": moment.isoformat()})
    return result


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
        return done.fetched
    return cache_orders(store, channel_name, source.orders(ids) if ids else [], now=moment)


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

"""Orders named in chat: every order card's order is fetched into the cache if unknown.

Ingest stores the link (``message.order_ref``) with the message; this pass, run after the
channel's chat poll and its order pass, asks the channel's order source for the linked
orders the cache does not hold (batched) and writes them with ``cache_orders``. Nothing is
remembered in between but the ids the platform said it does not know (looked at again
after ``RETRY_UNKNOWN``): a crash or a failure at any point leaves links without orders,
which the next pass finds again, and the upsert converges (nothing doubled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlmodel import col, select

from deskterm.domain.errors import ChannelAuthError, ChannelError, SecretError
from deskterm.domain.orders import MarketplaceOrders
from deskterm.store.engine import Store
from deskterm.store.order_cache import cache_orders
from deskterm.store.tables import Message, Order, Ticket, as_utc, utcnow
from deskterm.sync.chat.kinds import ChatChannelConfig
from deskterm.sync.cursors import load_cursor, save_cursor
from deskterm.sync.faults import crash_point
from deskterm.sync.summary import ChannelSummary

SCOPE = "order_links"  # cursor: {"unknown": {order id: ISO time the platform last said so}}
BATCH = 50  # ids per orders() call: the platforms' detail batch (Shopee, TikTok Shop)
RETRY_UNKNOWN = timedelta(hours=1)  # an order the platform did not know may appear later
MAX_PER_PASS = 500  # a backlog (a first sync of a busy shop) is worked off over passes


@dataclass
class CardOrdersPass:
    """What one pass over a channel's linked orders did (sync summary, tests)."""

    wanted: int = 0  # linked orders not in the cache, asked for now
    fetched: int = 0  # of those, cached
    unknown: int = 0  # of those, the platform does not know (status stays null)
    error: str = ""  # the failure that ended the pass, one line


def uncached_links(store: Store, channel_name: str, channel_id: int) -> dict[str, int | None]:
    """Order id -> the customer of the (first) ticket naming it, for every order a message
    of the channel links to that the cache does not hold, oldest link first."""
    cached = exists().where(
        col(Order.store) == channel_name, col(Order.external_id) == col(Message.order_ref)
    )
    query = (
        select(Message.order_ref, Ticket.customer_id)
        .join(Ticket, col(Ticket.id) == col(Message.ticket_id))
        .where(
            Message.channel_id == channel_id,
            col(Message.order_ref).is_not(None),
            ~cached,
        )
        .order_by(col(Message.id))
    )
    found: dict[str, int | None] = {}
    with store.read() as session:
        for ref, customer in session.exec(query).all():
            if ref and ref not in found:
                found[ref] = customer
    return found


@dataclass(frozen=True)
class DueLinks:
    """A channel's linked orders the cache lacks, and which of them to ask for now."""

    wanted: dict[str, int | None]  # order id -> the customer of the first ticket naming it
    unknown: dict[str, str]  # the cursor's "unknown to the platform", of those still wanted
    saved: dict[str, str]  # the cursor's map as stored (rewritten only when it changes)
    due: list[str]  # wanted and not recently unknown, at most MAX_PER_PASS


def links_due(store: Store, channel_name: str, channel_id: int, moment: datetime) -> DueLinks:
    """What a pass over the channel's linked orders would ask for now."""
    wanted = uncached_links(store, channel_name, channel_id)
    with store.read() as session:
        saved = _unknown(load_cursor(session, channel_id, SCOPE))
    # Forget what is cached now (or no longer linked): the cursor stays small.
    unknown = {k: v for k, v in saved.items() if k in wanted}
    due = [ref for ref in wanted if not _recently_unknown(unknown.get(ref), moment)]
    return DueLinks(wanted, unknown, saved, due[:MAX_PER_PASS])


def fetch_linked_orders(
    store: Store,
    source: MarketplaceOrders,
    channel_name: str,
    channel_id: int,
    *,
    now: datetime | None = None,
    due: DueLinks | None = None,
) -> CardOrdersPass:
    """Fetch and cache the channel's linked orders the cache lacks (``due``: as the caller
    found them already); never raises for the platform (its failure is ``error``: the rest
    is tried again next pass)."""
    moment = as_utc(now) if now is not None else utcnow()
    result = CardOrdersPass()
    links = links_due(store, channel_name, channel_id, moment) if due is None else due
    wanted, unknown = links.wanted, dict(links.unknown)
    result.wanted = len(links.due)
    for start in range(0, len(links.due), BATCH):
        batch = links.due[start : start + BATCH]
        try:
            orders = source.orders(batch)
        except ChannelError as exc:
            result.error = str(exc)
            if exc.transient or isinstance(exc, ChannelAuthError):
                break  # the platform or our access is down: all of it next pass
            # The platform refused this batch outright (a malformed id in a card?): it is
            # set aside like an unknown order, so it cannot hold back the other links.
            unknown.update(dict.fromkeys(batch, moment.isoformat()))
            continue
        result.fetched += cache_orders(store, channel_name, orders, now=moment)
        found = {order.id for order in orders}
        _claim(store, channel_name, {ref: wanted[ref] for ref in found if ref in wanted})
        crash_point("orders.card_orders_cached")
        missing = [ref for ref in batch if ref not in found]
        result.unknown += len(missing)
        unknown.update(dict.fromkeys(missing, moment.isoformat()))
    if unknown != links.saved:
        with store.write() as session:
            save_cursor(session, channel_id, SCOPE, {"unknown": unknown})
    return result


def _claim(store: Store, channel_name: str, owners: dict[str, int | None]) -> None:
    """An order nobody owns (no buyer identity matched its buyer id) belongs to the
    customer whose chat named it; a known owner (a manual link included) is kept."""
    by_customer: dict[int, list[str]] = {}
    for ref, customer in owners.items():
        if customer is not None:
            by_customer.setdefault(customer, []).append(ref)
    if not by_customer:
        return
    with store.write() as session:
        for customer, refs in by_customer.items():
            session.execute(
                update(Order)
                .where(
                    col(Order.store) == channel_name,
                    col(Order.external_id).in_(refs),
                    col(Order.customer_id).is_(None),
                )
                .values(customer_id=customer)
            )


def _unknown(cursor: dict[str, object]) -> dict[str, str]:
    value = cursor.get("unknown")
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _recently_unknown(seen: str | None, moment: datetime) -> bool:
    if seen is None:
        return False
    try:
        return moment - as_utc(datetime.fromisoformat(seen)) < RETRY_UNKNOWN
    except ValueError:
        return False  # a damaged cursor: ask again


def link_card_orders(
    store: Store, channel: ChatChannelConfig, channel_id: int
) -> ChannelSummary | None:
    """The sync's pass over a chat channel's linked orders; None when there is nothing to
    fetch (then no request is made) or the channel's orders are off
    (``orders_refresh_minutes = 0``). Failures become the summary's problems."""
    from deskterm.sync.orders.sources import make_order_source

    if channel.orders_refresh_minutes <= 0:
        return None
    moment = utcnow()
    due = links_due(store, channel.name, channel_id, moment)
    if not due.due:
        return None
    summary = ChannelSummary(channel=channel.name)
    try:
        source = make_order_source(store, channel, channel_id)
    except SecretError as exc:
        summary.problems.append(f"orders named in chat not fetched: {exc}")
        summary.note = "orders named in chat not fetched"
        return summary
    try:
        done = fetch_linked_orders(store, source, channel.name, channel_id, now=moment, due=due)
    finally:
        source.close()
    summary.note = f"orders named in chat: {done.fetched} fetched" + (
        f", {done.unknown} unknown to the platform" if done.unknown else ""
    )
    if done.error:
        summary.problems.append(f"orders named in chat: {done.error} (tried again next pass)")
    return summary

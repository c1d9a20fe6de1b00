"""Orders attributed to support, read from the store (domain.revenue applies the rule).

Attribution is computed when read, not stored: it always follows the tickets' current
intent and tags and the orders as last fetched, and history imported today counts like
live mail. Two small queries: the orders placed in the period, and the agent replies on
pre-sale tickets from one window before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from deskterm.domain.revenue import (
    UNEARNED_STATUSES,
    Attribution,
    AttributionRules,
    PlacedOrder,
    PresaleReply,
    attribute,
    json_amount,
    money,
)
from deskterm.store.customer_reader import email_identities, owned_orders_where
from deskterm.store.metric_sql import AGENT_REPLY, LIVE_TICKET, period_params
from deskterm.store.readdb import ReadDb, db_naive_moment, iso_utc
from deskterm.store.sql_in import IN_CHUNK, in_query

_ORDERS = """
SELECT o.id, o.customer_id, o.email, o.placed_at, o.store, o.name, o.external_id, o.total,
    o.currency, o.status
FROM shop_order o
WHERE o.placed_at >= :_since AND o.placed_at < :_until
"""

_REPLIES = f"""
SELECT m.ticket_id, m.sent_at, t.customer_id, coalesce(ag.email, asg.email)
FROM message m
JOIN ticket t ON t.id = m.ticket_id
LEFT JOIN agent ag ON ag.id = m.agent_id
LEFT JOIN agent asg ON asg.id = t.assignee_id
WHERE {AGENT_REPLY} AND {LIVE_TICKET} AND t.customer_id IS NOT NULL
  AND m.sent_at >= :_since AND m.sent_at < :_until
  AND ({{presale}})
  {{customer}}
"""


def read_attributions(
    db: ReadDb,
    since: datetime,
    until: datetime,
    rules: AttributionRules,
    *,
    customer_id: int | None = None,
) -> list[Attribution]:
    """Orders placed in ``[since, until)`` (of ``customer_id`` only, when given) with the
    pre-sale reply each is attributed to; cancelled orders earn nothing."""
    orders = _orders(db, since, until, customer_id)
    buyers = sorted({o.customer_id for o in orders if o.customer_id is not None})
    if not buyers:
        return []
    # Only the buyers' replies: through the ticket's customer index and the messages'
    # (ticket_id, sent_at) index, never a scan of every reply in the period.
    replies: list[PresaleReply] = []
    for start in range(0, len(buyers), IN_CHUNK):
        replies += presale_replies(
            db, since - rules.window, until, rules, customers=buyers[start : start + IN_CHUNK]
        )
    return attribute(orders, replies, rules.window)


def ticket_revenue(db: ReadDb, ticket_id: int, rules: AttributionRules) -> list[Attribution]:
    """The orders attributed to one ticket (any time after its creation), oldest first."""
    rows = db.all("SELECT customer_id, created_at FROM ticket WHERE id = :id", {"id": ticket_id})
    if not rows or rows[0][0] is None:
        return []
    customer_id, created = int(rows[0][0]), db_naive_moment(rows[0][1]) or datetime.min
    found = read_attributions(db, created, datetime.max, rules, customer_id=customer_id)
    return sorted(
        (a for a in found if a.reply.ticket_id == ticket_id),
        key=lambda a: (a.order.placed_at, a.order.id),
    )


def attribution_json(attribution: Attribution) -> dict[str, Any]:
    """One attributed order as ``show --json`` lists it under ``revenue``."""
    order, reply = attribution.order, attribution.reply
    return {
        "store": order.store,
        "order": order.name or order.external_id,
        "placed_at": iso_utc(order.placed_at),
        "amount": json_amount(order.total),
        "currency": order.currency,
        "agent": reply.agent,
        "reply_at": iso_utc(reply.sent_at),
    }


def _orders(
    db: ReadDb, since: datetime, until: datetime, customer_id: int | None
) -> list[PlacedOrder]:
    params = _period(db, since, until)
    sql = _ORDERS
    if customer_id is not None:
        # One customer's orders (a ticket's header): by the customer_id and email indexes.
        where, owned = owned_orders_where(customer_id, email_identities(db, customer_id))
        params.update(owned)
        sql += f" AND {where}"
    rows = [row for row in db.all(sql, params) if row[9] not in UNEARNED_STATUSES]
    # An order fetched before its email became a customer's identity has no customer_id:
    # it belongs to whoever owns that address now.
    emails = sorted({str(row[2]) for row in rows if row[1] is None and row[2]})
    owners = {
        str(value): int(owner)
        for value, owner in in_query(
            db,
            "SELECT value, customer_id FROM customeridentity"
            " WHERE kind = 'email' AND value IN ({ids})",
            emails,
        )
    }
    orders: list[PlacedOrder] = []
    for row in rows:
        owner = int(row[1]) if row[1] is not None else owners.get(str(row[2] or ""))
        if customer_id is not None and owner != customer_id:
            continue
        placed = db_naive_moment(row[3])
        if placed is None:
            continue
        orders.append(
            PlacedOrder(
                id=int(row[0]),
                customer_id=owner,
                placed_at=placed,
                store=str(row[4]),
                name=str(row[5] or ""),
                external_id=str(row[6] or ""),
                total=money(row[7]),
                currency=str(row[8] or ""),
            )
        )
    orders.sort(key=lambda o: (o.placed_at, o.id))
    return orders


def presale_replies(
    db: ReadDb,
    since: datetime,
    until: datetime,
    rules: AttributionRules,
    *,
    customers: Sequence[int] | None = None,
) -> list[PresaleReply]:
    """Agent replies sent in ``[since, until)`` on live pre-sale tickets (of these
    ``customers`` only, when given: at most sql_in.IN_CHUNK of them)."""
    params: dict[str, Any] = _period(db, since, until)
    tests: list[str] = []
    if rules.intents:
        params.update({f"_in{n}": name for n, name in enumerate(rules.intents)})
        tests.append(f"t.intent IN ({_names('_in', rules.intents)})")
    if rules.tags:
        params.update({f"_tg{n}": name for n, name in enumerate(rules.tags)})
        tests.append(
            "t.id IN (SELECT tt.ticket_id FROM tickettag tt JOIN tag g ON g.id = tt.tag_id"
            f" WHERE g.name IN ({_names('_tg', rules.tags)}))"
        )
    if not tests:
        return []
    customer = ""
    if customers is not None:
        params.update({f"_cu{n}": int(c) for n, c in enumerate(customers)})
        customer = f"AND t.customer_id IN ({_names('_cu', customers)})"
    sql = _REPLIES.format(presale=" OR ".join(tests), customer=customer)
    replies: list[PresaleReply] = []
    for ticket_id, sent_at, owner, agent in db.all(sql, params):
        moment = db_naive_moment(sent_at)
        if moment is not None:
            replies.append(PresaleReply(int(owner), int(ticket_id), moment, agent))
    return replies


def _names(prefix: str, values: Iterable[object]) -> str:
    return ", ".join(f":{prefix}{n}" for n, _v in enumerate(values))


def _period(db: ReadDb, since: datetime, until: datetime) -> dict[str, Any]:
    # datetime.max cannot carry a zone: the far end is "the year 9999" either way.
    end = until if until != datetime.max else datetime(9999, 1, 1)
    return period_params(db.dialect, since, end)

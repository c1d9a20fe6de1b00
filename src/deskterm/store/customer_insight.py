"""What a customer's history says about them (``customer show``, the customer panel):
orders, spending, what they buy, what they complained about, how they rated us."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from deskterm.domain.revenue import UNEARNED_STATUSES
from deskterm.store.customer_reader import NOT_SPENT, email_identities, owned_orders_where
from deskterm.store.readdb import ReadDb, db_moment, iso_utc

TOP_PRODUCTS = 5


def customer_insight(
    db: ReadDb, customer_id: int, emails: list[str] | None = None
) -> dict[str, Any]:
    """``{orders, spent, average_order, first_order_at, last_order_at,
    days_between_orders, top_products, intents, csat, channels}`` of one customer.

    Money per currency as decimal text; ``spent`` and ``average_order`` leave out
    refunded, voided and cancelled orders; ``days_between_orders`` is the mean gap between
    consecutive orders (null below two); ``intents`` counts the customer's tickets by
    intent, most frequent first (their complaint history); ``csat`` their answered surveys.
    ``emails``: the customer's addresses when the caller has read them already.
    """
    if emails is None:
        emails = email_identities(db, customer_id)
    where, params = owned_orders_where(customer_id, emails)
    rows = db.all(
        "SELECT o.placed_at, o.total, o.currency, o.financial_status, o.status, o.data"
        f" FROM shop_order o WHERE {where}",
        params,
    )
    insight: dict[str, Any] = {"orders": len(rows), **_spending(rows)}
    placed = sorted(m for row in rows if (m := db_moment(row[0])) is not None)
    insight["first_order_at"] = iso_utc(placed[0]) if placed else None
    insight["last_order_at"] = iso_utc(placed[-1]) if placed else None
    insight["days_between_orders"] = _mean_gap_days(placed)
    insight["top_products"] = _top_products(rows)
    insight["intents"] = _intents(db, customer_id)
    insight["csat"] = _csat(db, customer_id)
    insight["channels"] = [
        str(row[0])
        for row in db.all(
            "SELECT DISTINCT ch.name FROM ticket t JOIN channel ch ON ch.id = t.channel_id"
            " WHERE t.customer_id = :c AND t.merged_into_id IS NULL ORDER BY ch.name",
            {"c": customer_id},
        )
    ]
    return insight


def _spending(rows: list[Any]) -> dict[str, Any]:
    totals: dict[str, Decimal] = {}
    counts: Counter[str] = Counter()
    for _placed, total, currency, financial, status, _data in rows:
        if str(financial or "").lower() in NOT_SPENT or str(status or "") in UNEARNED_STATUSES:
            continue
        try:
            amount = Decimal(str(total or "0"))
        except InvalidOperation:
            continue
        if not amount.is_finite():
            continue
        code = str(currency or "")
        totals[code] = totals.get(code, Decimal(0)) + amount
        counts[code] += 1
    spent = {code: _text(amount) for code, amount in sorted(totals.items())}
    average = {
        code: _text((amount / counts[code]).quantize(Decimal("0.01")))
        for code, amount in sorted(totals.items())
    }
    return {"spent": spent, "average_order": average}


def _text(amount: Decimal) -> str:
    # 150000.00 -> "150000", 42.50 -> "42.50": whole amounts as whole numbers.
    if amount == amount.to_integral_value():
        return str(amount.quantize(Decimal(1)))
    return str(amount)


def _mean_gap_days(placed: list[datetime]) -> float | None:
    if len(placed) < 2:
        return None
    return round((placed[-1] - placed[0]).total_seconds() / 86400 / (len(placed) - 1), 1)


def _top_products(rows: list[Any]) -> list[dict[str, Any]]:
    bought: Counter[str] = Counter()
    for *_head, status, data in rows:
        if str(status or "") in UNEARNED_STATUSES:
            continue
        items = _json(data).get("items") or []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not str(item.get("title") or "").strip():
                continue
            try:
                quantity = int(item.get("quantity") or 1)
            except (TypeError, ValueError):
                quantity = 1
            bought[str(item["title"]).strip()] += max(quantity, 0)
    # Most bought first; ties by title, so the list does not change between reads.
    ranked = sorted(bought.items(), key=lambda pair: (-pair[1], pair[0]))
    return [{"title": title, "quantity": count} for title, count in ranked[:TOP_PRODUCTS]]


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _intents(db: ReadDb, customer_id: int) -> list[dict[str, Any]]:
    rows = db.all(
        "SELECT t.intent, count(*) FROM ticket t WHERE t.customer_id = :c"
        " AND t.intent IS NOT NULL AND t.merged_into_id IS NULL AND t.spam = :no"
        " GROUP BY t.intent",
        {"c": customer_id, "no": False},
    )
    ranked = sorted(((str(i), int(n)) for i, n in rows), key=lambda pair: (-pair[1], pair[0]))
    return [{"intent": intent, "tickets": count} for intent, count in ranked]


def _csat(db: ReadDb, customer_id: int) -> dict[str, Any]:
    scores = [
        int(row[0])
        for row in db.all(
            "SELECT s.score FROM csatsurvey s JOIN ticket t ON t.id = s.ticket_id"
            " WHERE t.customer_id = :c AND s.state = 'answered' AND s.score IS NOT NULL"
            " ORDER BY s.answered_at",
            {"c": customer_id},
        )
    ]
    return {
        "responses": len(scores),
        "average": round(sum(scores) / len(scores), 2) if scores else None,
        "scores": scores,  # oldest first
    }

"""Revenue from support: which orders a pre-sale conversation earned (pure: no store).

An order placed by a customer within N days after an agent's reply on one of their
pre-sale tickets is attributed to that ticket and that reply's agent, once: when several
replies qualify, the last one before the order wins (last touch, as Gorgias counts it).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

PRESALE_INTENTS: tuple[str, ...] = (
    "product/question",
    "product/recommendation",
    "discount/request",
)
"""Intents that make a ticket pre-sale (the customer is deciding whether to buy)."""

PRESALE_TAGS: tuple[str, ...] = ("presale",)
"""Tags that make a ticket pre-sale whatever its intent."""

# Orders that never brought money in are no revenue.
UNEARNED_STATUSES: frozenset[str] = frozenset({"cancelled"})


@dataclass(frozen=True)
class AttributionRules:
    """What makes a ticket pre-sale and how long after a reply an order still counts."""

    window: timedelta = timedelta(days=3)
    intents: tuple[str, ...] = PRESALE_INTENTS
    tags: tuple[str, ...] = PRESALE_TAGS


@dataclass(frozen=True, slots=True)
class PresaleReply:
    """An agent reply on a pre-sale ticket (moments naive UTC, as the store reads them)."""

    customer_id: int
    ticket_id: int
    sent_at: datetime
    agent: str | None  # the replying agent's email (else the ticket's assignee's)


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """An order with its buyer resolved to a customer (None: nobody we know)."""

    id: int
    customer_id: int | None
    placed_at: datetime
    store: str
    name: str
    external_id: str
    total: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Attribution:
    """One order earned by one ticket's reply."""

    order: PlacedOrder
    reply: PresaleReply


@dataclass
class Revenue:
    """Attributed orders counted, with their amount per currency."""

    orders: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)

    def add(self, order: PlacedOrder) -> None:
        self.orders += 1
        self.amounts[order.currency] = self.amounts.get(order.currency, Decimal(0)) + order.total

    def as_json(self) -> dict[str, object]:
        """``{"orders", "amount": {CURRENCY: number}}`` (currencies in order)."""
        amount = {code: json_amount(total) for code, total in sorted(self.amounts.items())}
        return {"orders": self.orders, "amount": amount}


def json_amount(value: Decimal) -> int | float:
    """An exact amount as a JSON number."""
    # JSON has no decimal: whole amounts stay integers (IDR, JPY), the rest floats of
    # the exact decimal sum (the sum is exact; only the printing is a float).
    return int(value) if value == value.to_integral_value() else float(value)


def money(text: object) -> Decimal:
    """A stored order total (decimal text); 0 when empty or unreadable."""
    try:
        return Decimal(str(text or "0"))
    except InvalidOperation:
        return Decimal(0)


def attribute(
    orders: Iterable[PlacedOrder], replies: Iterable[PresaleReply], window: timedelta
) -> list[Attribution]:
    """Each order matched to the last pre-sale reply to its customer at most ``window``
    before it was placed (a reply at the very moment of the order counts); orders with
    no such reply are not in the answer."""
    by_customer: dict[int, list[PresaleReply]] = defaultdict(list)
    for reply in replies:
        by_customer[reply.customer_id].append(reply)
    moments: dict[int, list[datetime]] = {}
    for customer, found in by_customer.items():
        found.sort(key=lambda r: (r.sent_at, r.ticket_id))
        moments[customer] = [r.sent_at for r in found]
    matched: list[Attribution] = []
    for order in orders:
        if order.customer_id is None or order.customer_id not in by_customer:
            continue
        times = moments[order.customer_id]
        at = bisect.bisect_right(times, order.placed_at) - 1
        if at < 0:
            continue
        reply = by_customer[order.customer_id][at]
        if order.placed_at - reply.sent_at <= window:
            matched.append(Attribution(order, reply))
    return matched


def totals(attributions: Sequence[Attribution]) -> Revenue:
    """The revenue of some attributions."""
    revenue = Revenue()
    for attribution in attributions:
        revenue.add(attribution.order)
    return revenue


def earned_line(entries: Sequence[dict[str, object]]) -> str | None:
    """``Revenue 2 orders: Rp250.000 (#1042, #1043) by budi@shop.test`` for a ticket's
    ``show --json`` ``revenue`` list; None when it earned nothing."""
    if not entries:
        return None
    from deskterm.domain.money import format_money

    sums: dict[str, Decimal] = {}
    for entry in entries:
        code = str(entry["currency"])
        sums[code] = sums.get(code, Decimal(0)) + money(entry["amount"])
    amounts = ", ".join(format_money(total, code) for code, total in sorted(sums.items()))
    names = ", ".join(str(entry["order"]) for entry in entries)
    agents = sorted({str(entry["agent"]) for entry in entries if entry.get("agent")})
    count = f"{len(entries)} order" + ("s" if len(entries) > 1 else "")
    line = f"Revenue {count}: {amounts} ({names})"
    return line + (f" by {', '.join(agents)}" if agents else "")

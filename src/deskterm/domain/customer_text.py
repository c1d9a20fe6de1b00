"""A customer's insight (store.customer_insight) as short lines of text, for
``customer show`` and the customer panel alike."""

from __future__ import annotations

from typing import Any

from deskterm.domain.money import format_money


def insight_lines(insight: dict[str, Any], *, products: int = 3) -> list[str]:
    """``average order Rp150.000 · every 12.5 days``, ``first order 2026-01-04, last …``,
    ``buys 3× Kemeja Linen, 1× Tumbler``, ``asked about shipping/status 2, …``, ``CSAT 4.5
    (2 answers)``, ``channels support, shopee-id``; lines with nothing to say are left out."""
    lines: list[str] = []
    average = ", ".join(
        format_money(amount, code) for code, amount in insight["average_order"].items()
    )
    gap = insight["days_between_orders"]
    if average:
        lines.append(f"average order {average}" + (f" · every {gap:g} days" if gap else ""))
    if insight["first_order_at"]:
        first, last = insight["first_order_at"][:10], insight["last_order_at"][:10]
        lines.append(f"first order {first}" + (f", last {last}" if last != first else ""))
    bought = insight["top_products"][:products]
    if bought:
        lines.append("buys " + ", ".join(f"{p['quantity']}× {p['title']}" for p in bought))
    if insight["intents"]:
        lines.append(
            "asked about " + ", ".join(f"{i['intent']} {i['tickets']}" for i in insight["intents"])
        )
    csat = insight["csat"]
    if csat["responses"]:
        answers = "answer" if csat["responses"] == 1 else "answers"
        lines.append(f"CSAT {csat['average']:g} ({csat['responses']} {answers})")
    if insight["channels"]:
        lines.append("channels " + ", ".join(insight["channels"]))
    return lines

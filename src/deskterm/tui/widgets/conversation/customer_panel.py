"""The customer panel beside the conversation: identities, other tickets, orders (with age)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from deskterm.domain.customer_text import insight_lines
from deskterm.domain.money import format_money
from deskterm.domain.timefmt import compact_age
from deskterm.tui.render import safe_line

MAX_TICKETS = 5
MAX_ORDERS = 5
INSIGHT_WIDTH = 68  # two panel lines at most per fact


def panel_text(context: dict[str, Any] | None) -> Text:
    """The panel's content as inert Text (every value came from a customer or a shop)."""
    if context is None:
        return Text("No customer", "dim")
    customer = context["customer"]
    out = Text()
    out.append_text(safe_line(customer["name"] or customer["email"] or "-", "bold"))
    for identity in context["identities"]:
        channels = ", ".join(c["name"] for c in identity["channels"])
        out.append("\n")
        out.append(f"{identity['kind']} ", "dim")
        out.append_text(safe_line(identity["value"]))
        if channels:
            out.append_text(safe_line(f" ({channels})", "dim"))
    out.append("\n\nOther tickets", "bold underline")
    tickets = context["tickets"]
    if not tickets:
        out.append("\nnone", "dim")
    for ticket in tickets[:MAX_TICKETS]:
        out.append(f"\n#{ticket['id']} ", "bold")
        out.append(f"{ticket['status']:<7} {compact_age(ticket['last_message_at']):>4} ", "dim")
        out.append_text(safe_line(ticket["subject"] or "(no subject)", limit=40))
    more = context["ticket_count"] - min(len(tickets), MAX_TICKETS)
    if more > 0:
        out.append(f"\n… and {more} more (search customer:)", "dim")
    insight = context.get("insight")
    if insight is not None:
        lines = insight_lines(insight, products=2)
        if lines:
            out.append("\n\nHistory", "bold underline")
        for line in lines:
            out.append("\n")
            out.append_text(safe_line(line, "dim", limit=INSIGHT_WIDTH))
    out.append("\n\nOrders", "bold underline")
    orders = context["orders"]
    if not orders:
        out.append("\nnone known", "dim")
    for order in orders[:MAX_ORDERS]:
        out.append("\n")
        out.append_text(safe_line(order["name"] or order["external_id"] or "?", "bold"))
        placed = compact_age(order["created_at"])
        out.append(f" {'today' if placed == 'now' else placed + ' ago'} ", "dim")
        out.append_text(safe_line(format_money(order["total"] or "", order["currency"] or "")))
        out.append("\n  ")
        out.append_text(safe_line(_status(order), "italic", limit=34))
        for item in order["items"][:3]:
            out.append("\n  ")
            out.append_text(safe_line(f"{item['quantity']}× {item['title']}", limit=36))
        for tracking in order["tracking"]:
            out.append("\n  📦 ")
            out.append_text(safe_line(f"{tracking['company']} {tracking['number']}".strip()))
            events = tracking.get("events") or []
            if events:  # the newest event: where the parcel is now
                out.append("\n     ")
                newest = events[0]
                when = compact_age(newest.get("at")) if newest.get("at") else ""
                line = f"{newest.get('text') or ''}" + (f" ({when})" if when else "")
                out.append_text(safe_line(line, "dim", limit=32))
    if context.get("orders_refreshed_at"):
        age = compact_age(context["orders_refreshed_at"])
        out.append(f"\norders as of {'now' if age == 'now' else age + ' ago'}", "dim")
    return out


def _status(order: dict[str, Any]) -> str:
    """The normalised status with the platform's own word (Shopify: payment · fulfilment)."""
    if order.get("platform", "shopify") == "shopify":
        words = " · ".join(
            s for s in (order.get("financial_status"), order.get("fulfillment_status")) if s
        )
        return f"{order.get('status') or ''} ({words.lower()})" if words else order["status"]
    own = order.get("platform_status") or ""
    return f"{order.get('status') or ''} ({own.lower()})" if own else order.get("status") or ""


class CustomerPanel(Static):
    """Who the customer is across channels; the app calls ``show_customer`` with loaded data."""

    DEFAULT_CSS = """
    CustomerPanel { width: 36; height: 1fr; padding: 0 1; border-left: solid $panel-lighten-2;
                    overflow-y: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("No customer", "dim"), id=id)
        self.context: dict[str, Any] | None = None

    def show_customer(self, context: dict[str, Any] | None, text: Text | None = None) -> None:
        """Show ``context`` (None: the ticket has no customer); ``text`` is its
        ``panel_text`` when the caller built it already (off the UI thread)."""
        same = context == self.context and context is not None
        self.context = context
        text = text if text is not None else panel_text(context)
        if not (same and text == self.content):  # a reload of the same: no layout, no paint
            self.update(text)

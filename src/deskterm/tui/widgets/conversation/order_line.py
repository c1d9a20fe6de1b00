"""The line under a chat order card: what the cache knows of the order it names now."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from deskterm.domain.money import format_money
from deskterm.domain.timefmt import compact_age, utc_now

# A cache younger than this reads as current; older, its age is said (offline, or the
# channel's order pass is off or failing). Twice the default orders_refresh_minutes.
STALE_AFTER = timedelta(minutes=30)
SEPARATOR = " · "


def order_line(order: dict[str, Any] | None, now: datetime | None = None) -> str:
    """``status now: delivered · Rp129.000 · tracking JP4829103376 · cached 3 h ago``, or
    ``status now: not fetched yet``; "" for a message that names no order. Plain text
    (it holds a platform's words): the widget makes it inert."""
    if not order:
        return ""
    status = order.get("status")
    if not status:
        return "status now: not fetched yet"
    parts = [f"status now: {str(status).replace('_', ' ')}"]
    if order.get("total"):
        parts.append(format_money(order["total"], order.get("currency") or ""))
    if order.get("tracking_number"):
        parts.append(f"tracking {order['tracking_number']}")
    age = _age(order.get("fetched_at"), now or utc_now())
    if age:
        parts.append(f"cached {age} ago")
    return SEPARATOR.join(parts)


def _age(fetched_at: str | None, now: datetime) -> str:
    """``3 h`` when the cache is older than STALE_AFTER; "" when fresh or unknown."""
    if not fetched_at:
        return ""
    then = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    if now - then < STALE_AFTER:
        return ""
    compact = compact_age(fetched_at, now)  # "3h", "2d"
    return f"{compact[:-1]} {compact[-1]}"

"""Order actions per platform: what will happen (the plan shown before asking) and doing it.

The engine in ``services/order_actions.py`` keeps an action to exactly once; this module is
the platform side of it (``OrderActor``: perform, confirm by reading back, read) plus the
plan a person confirms: the amount, the items, restock and notification, in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from deskterm.commerce.shopify_actions import ADDRESS_FIELDS, OrderRead, ShopifyOrderActions
from deskterm.domain import orders as o
from deskterm.domain.money import to_decimal
from deskterm.domain.order_text import money_words
from deskterm.domain.orders import (
    DRAFT,
    ActionPlan,
    ActionRefused,
    ActionRequest,
    MarketplaceOrders,
    PlatformOrder,
)
from deskterm.domain.text import one_line

PLATFORM_NAMES = {
    "shopify": "Shopify",
    "tiktokshop": "TikTok Shop",
    "shopee": "Shopee",
    "lazada": "Lazada",
}
# What deskterm can ask each platform for (README's table says the same).
SUPPORTED: dict[str, tuple[str, ...]] = {
    "shopify": (o.CANCEL, o.REFUND, o.ADDRESS, o.DUPLICATE),
    "tiktokshop": (o.CANCEL, o.ACCEPT_CANCEL, o.REJECT_CANCEL),
    "shopee": (o.CANCEL, o.ACCEPT_CANCEL, o.REJECT_CANCEL),
    "lazada": (o.CANCEL, o.ACCEPT_CANCEL, o.REJECT_CANCEL),
}
VERBS = {
    o.CANCEL: "cancel",
    o.REFUND: "refund",
    o.ADDRESS: "edit the shipping address of",
    o.DUPLICATE: "duplicate",
    o.ACCEPT_CANCEL: "accept the buyer's cancellation of",
    o.REJECT_CANCEL: "reject the buyer's cancellation of",
}


def unsupported(platform: str, kind: str, store: str) -> ActionRefused:
    """The plain refusal of an action a platform does not offer through deskterm."""
    name = PLATFORM_NAMES.get(platform, platform)
    can = ", ".join(SUPPORTED.get(platform, ())) or "nothing"
    why = {
        o.REFUND: f"{name} refunds through the buyer's return request, in its seller centre",
        o.ADDRESS: f"{name} lets only the buyer change the address",
        o.DUPLICATE: f"{name} orders are placed by the buyer",
        o.ACCEPT_CANCEL: "Shopify has no buyer cancellation requests",
        o.REJECT_CANCEL: "Shopify has no buyer cancellation requests",
    }.get(kind, f"{name} does not offer it")
    return ActionRefused(
        f"{store}: deskterm cannot {VERBS.get(kind, kind)} a {name} order ({why}); it can: {can}"
    )


def _who(order: PlatformOrder) -> str:
    return f"order {order.name or order.id}"


def _status_words(order: PlatformOrder) -> str:
    return f"{order.status} ({order.platform_status})" if order.platform_status else order.status


def _items_text(lines: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{qty} x {one_line(title, 60)}" for title, qty in lines)


class ShopifyActor:
    """Cancel, refund, address and duplicate on one Shopify store."""

    platform = "shopify"

    def __init__(self, actions: ShopifyOrderActions, store: str) -> None:
        self.actions = actions
        self.store = store

    def close(self) -> None:
        """Release the HTTP client."""
        self.actions.client.close()

    # --- OrderActor ---

    def read(self, order_id: str) -> PlatformOrder | None:
        """The order as Shopify has it now."""
        return self.actions.order(order_id)

    def perform(
        self, kind: str, order_id: str, params: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Send the action once (no retry here: the engine reads back first)."""
        if kind == o.CANCEL:
            self.actions.cancel(
                order_id,
                str(params.get("reason") or ""),
                refund=bool(params.get("refund")),
                restock=bool(params.get("restock")),
                notify=bool(params.get("notify")),
                idempotency_key=idempotency_key,
            )
            return {}
        if kind == o.REFUND:
            amount = self.actions.refund(
                order_id,
                **_refund_args(params),
                notify=bool(params.get("notify")),
                idempotency_key=idempotency_key,
            )
            return {"amount": str(amount)}
        if kind == o.ADDRESS:
            self.actions.update_address(order_id, dict(params.get("fields") or {}))
            return {}
        if kind == o.DUPLICATE:
            draft = self.actions.duplicate(order_id, idempotency_key=idempotency_key)
            return {"draft_id": draft.id, "draft_name": draft.name}
        raise unsupported(self.platform, kind, self.store)

    def confirm(
        self, kind: str, order_id: str, params: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any] | None:
        """Read back: the result when the action shows as done, else None."""
        if kind == o.CANCEL:
            return {} if self.actions.order(order_id).status == o.CANCELLED else None
        if kind == o.REFUND:
            # A refund shows as a new refund on the order (any amount, lines only too).
            before = set(params.get("refunds_before") or [])
            new = [r for r in _refunds(self.actions.order(order_id)) if r.id not in before]
            if not new:
                return None
            return {"amount": str(sum((r.amount or Decimal(0) for r in new), Decimal(0)))}
        if kind == o.ADDRESS:
            wanted = dict(params.get("fields") or {})
            current = self.actions.read(order_id).shipping_address()
            same = all(current.get(k, "") == v for k, v in wanted.items() if k != "country")
            return {} if same else None
        if kind == o.DUPLICATE:
            draft = self.actions.find_duplicate(idempotency_key)
            return None if draft is None else {"draft_id": draft.id, "draft_name": draft.name}
        raise unsupported(self.platform, kind, self.store)

    # --- the plan ---

    def plan(self, order_id: str, request: ActionRequest) -> ActionPlan:
        """What ``request`` will do to the order as Shopify has it now."""
        kind = request.kind
        if kind not in SUPPORTED[self.platform]:
            raise unsupported(self.platform, kind, self.store)
        read = self.actions.read(self.actions.order_id_for(order_id))  # the plan's one read
        order = read.order
        head = f"{VERBS[kind]} {_who(order)} of {self.store} (Shopify), now {_status_words(order)}"
        if kind == o.CANCEL:
            return self._plan_cancel(read, request, head)
        if kind == o.REFUND:
            return self._plan_refund(read, request, head)
        if kind == o.ADDRESS:
            return self._plan_address(read, request, head)
        lines = tuple((item.title, item.quantity) for item in order.items)
        steps = (
            head,
            f"a draft order with {_items_text(lines) or 'no items'}, the same customer "
            "and shipping address; nothing is charged until the draft is completed",
        )
        note = f"Order {order.name} duplicated as draft {DRAFT}"
        return self._plan(order, kind, {}, steps, note)

    def _plan_cancel(self, read: OrderRead, request: ActionRequest, head: str) -> ActionPlan:
        order = read.order
        reason = request.reason.strip()
        steps = [head, f"reason: {one_line(reason, 100)}"]
        note = f"Order {order.name} cancelled: {one_line(reason, 100)}"
        money = Decimal(0)
        if request.refund:
            try:
                money = read.refund_plan().amount
            except ActionRefused:
                money = Decimal(0)  # nothing paid or nothing left: nothing to give back
        if request.refund and money > 0:
            steps.append(f"refund {money_words(money, order.currency)} to the original payment")
            note += f"; refunded {money_words(money, order.currency)}"
        else:
            steps.append("no refund" if not request.refund else "nothing was paid to refund")
        count = sum(item.quantity for item in order.items)
        if request.restock and count:
            steps.append(f"restock {count} item{'s' if count != 1 else ''}")
            note += "; restocked"
        else:
            steps.append("no restock")
        steps.append("email the customer" if request.notify else "the customer is not emailed")
        params = {
            "reason": reason,
            "refund": request.refund,
            "restock": request.restock,
            "notify": request.notify,
        }
        return self._plan(order, o.CANCEL, params, tuple(steps), note)

    def _plan_refund(self, read: OrderRead, request: ActionRequest, head: str) -> ActionPlan:
        order = read.order
        args = {
            "amount": request.amount,
            "items": request.items,
            "shipping": request.shipping,
            "restock": request.restock and bool(request.items),
        }
        plan = read.refund_plan(**args)  # type: ignore[arg-type]
        full = request.amount is None and not request.items and request.shipping is None
        money = money_words(plan.amount, order.currency)
        steps = [head, f"give back {money} to the original payment"]
        parts = []
        if plan.lines:
            steps.append(f"items: {_items_text(plan.lines)}")
            parts.append(_items_text(plan.lines))
        if plan.shipping:
            steps.append(f"shipping: {money_words(plan.shipping, order.currency)}")
            parts.append("shipping")
        if full:
            steps.append("everything still refundable: every line and the shipping")
        steps.append("restock the items" if plan.restock else "no restock")
        steps.append("email the customer" if request.notify else "the customer is not emailed")
        note = f"Order {order.name} refunded {money}" + (f" ({'; '.join(parts)})" if parts else "")
        note += "; restocked" if plan.restock else ""
        params: dict[str, Any] = {
            "amount": None if request.amount is None else str(request.amount),
            "items": [[ref, qty] for ref, qty in request.items],
            "shipping": (
                str(request.shipping) if isinstance(request.shipping, Decimal) else request.shipping
            ),
            "restock": plan.restock,
            "notify": request.notify,
            "planned_amount": str(plan.amount),
            "refunds_before": [r.id for r in _refunds(order)],
        }
        return self._plan(order, o.REFUND, params, tuple(steps), note)

    def _plan_address(self, read: OrderRead, request: ActionRequest, head: str) -> ActionPlan:
        order = read.order
        fields = dict(request.fields)
        unknown = sorted(set(fields) - set(ADDRESS_FIELDS))
        if unknown:
            raise ActionRefused(
                f"unknown address field {unknown[0]!r} (one of: {', '.join(ADDRESS_FIELDS)})"
            )
        if not fields:
            raise ActionRefused("say what to change: --set FIELD=VALUE (e.g. --set city=Bandung)")
        current = read.shipping_address()
        steps = [head]
        for key, value in fields.items():
            was = current.get(key, "")
            steps.append(f"{key}: {one_line(was, 60) or '(empty)'} -> {one_line(value, 60)}")
        changed = ", ".join(f"{key} {one_line(value, 60)}" for key, value in fields.items())
        note = f"Order {order.name} shipping address changed: {changed}"
        return self._plan(order, o.ADDRESS, {"fields": fields}, tuple(steps), note)

    def _plan(
        self,
        order: PlatformOrder,
        kind: str,
        params: dict[str, Any],
        steps: tuple[str, ...],
        note: str,
    ) -> ActionPlan:
        return ActionPlan(kind, self.store, order.id, order.name or order.id, params, steps, note)


def _refunds(order: PlatformOrder) -> list[o.OrderReturn]:
    return [entry for entry in order.returns if entry.id and entry.status == "REFUNDED"]


def _refund_args(params: Mapping[str, Any]) -> dict[str, Any]:
    shipping = params.get("shipping")
    return {
        "amount": to_decimal(params.get("amount")),
        "items": [(str(ref), int(qty)) for ref, qty in params.get("items") or []],
        "shipping": shipping
        if isinstance(shipping, bool) or shipping is None
        else to_decimal(shipping),
        "restock": bool(params.get("restock")),
    }


class MarketplaceActor:
    """Cancel and answer a buyer's cancellation on TikTok Shop, Shopee or Lazada."""

    def __init__(self, source: MarketplaceOrders, store: str) -> None:
        self.source = source
        self.store = store
        self.platform = source.platform

    def close(self) -> None:
        """Release the HTTP client."""
        self.source.close()

    def read(self, order_id: str) -> PlatformOrder | None:
        """The order as the platform has it now (None when it has no such order)."""
        found = self.source.orders([order_id])
        return found[0] if found else None

    def perform(
        self, kind: str, order_id: str, params: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Send the action once (no retry here: the engine reads back first)."""
        if kind == o.CANCEL:
            reason = str(params.get("reason") or "")
            self.source.cancel(order_id, reason, idempotency_key=idempotency_key)
        elif kind in (o.ACCEPT_CANCEL, o.REJECT_CANCEL):
            self.source.answer_cancellation(order_id, kind == o.ACCEPT_CANCEL)
        else:
            raise unsupported(self.platform, kind, self.store)
        return {}

    def confirm(
        self, kind: str, order_id: str, params: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any] | None:
        """Read back: cancelled (cancel, accept), or no request pending any more (reject)."""
        order = self.read(order_id)
        if order is None:
            return None
        if kind in (o.CANCEL, o.ACCEPT_CANCEL):
            return {} if order.status == o.CANCELLED else None
        if kind == o.REJECT_CANCEL:
            pending = o.ACCEPT_CANCEL in order.actions
            return {} if order.status != o.CANCELLED and not pending else None
        raise unsupported(self.platform, kind, self.store)

    def plan(self, order_id: str, request: ActionRequest) -> ActionPlan:
        """What ``request`` will do to the order as the platform has it now."""
        kind = request.kind
        if kind not in SUPPORTED.get(self.platform, ()):
            raise unsupported(self.platform, kind, self.store)
        order = self.read(order_id)
        name = PLATFORM_NAMES.get(self.platform, self.platform)
        if order is None:
            raise ActionRefused(f"{self.store}: {name} has no order {order_id}")
        head = f"{VERBS[kind]} {_who(order)} of {self.store} ({name}), now {_status_words(order)}"
        total = money_words(order.total, order.currency) if order.total is not None else ""
        items = _items_text(tuple((item.title, item.quantity) for item in order.items))
        label = order.name or order.id
        steps = [head, *([f"items: {items}"] if items else [])]
        params: dict[str, Any] = {}
        if kind == o.CANCEL:
            reason = request.reason.strip()
            params = {"reason": reason}
            steps.append(f"reason: {one_line(reason, 100)}")
            steps.append(f"{name} refunds what the buyer paid{f' ({total})' if total else ''}")
            steps.append(f"{name} tells the buyer; restock follows {name}'s own rules")
            note = f"Order {label} cancelled: {one_line(reason, 100)}"
        elif kind == o.ACCEPT_CANCEL:
            steps.append(f"{name} cancels the order and refunds the buyer")
            note = f"Order {label}: buyer's cancellation accepted"
        else:
            steps.append("the order goes on as it was; the buyer is told")
            note = f"Order {label}: buyer's cancellation rejected"
        return ActionPlan(kind, self.store, order.id, label, params, tuple(steps), note)

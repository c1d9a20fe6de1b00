"""Shopify order actions (cancel, refund, address, duplicate as a draft) and the read-back."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from deskterm.commerce.graphql import GraphqlError
from deskterm.commerce.shopify import (
    LINE_ITEMS,
    ORDER_FIELDS,
    ORDERS_QUERY,
    ShopifyClient,
    _get,
    _nodes,
    _str,
)
from deskterm.commerce.shopify_orders import numeric_id, order_gid, platform_order
from deskterm.commerce.shopify_refund import RefundPlan, money, plan_refund
from deskterm.domain.errors import ChannelError
from deskterm.domain.orders import ActionRefused, PlatformOrder
from deskterm.domain.text import one_line

# refundCreate accepts ``@idempotent(key:)`` from 2026-01 (mandatory from 2026-04). Before
# that no order mutation takes a key, and orderCancel, orderUpdate and draftOrderCreate take
# none in any version: there the caller's read-back after an ambiguous failure is the guard
# (a second cancel is refused as already cancelled; an address set twice is the same address;
# a duplicate's draft carries the key as a tag so it can be found).
IDEMPOTENT_SINCE = "2026-01"
IDEMPOTENT_REQUIRED = "2026-04"  # from here refundCreate without a key is an error
NUMBER_DIGITS = 8  # at most this many digits: an order number ("1042"), not an id

ORDER_QUERY = f"""
query Order($id: ID!) {{
  order(id: $id) {{
    ...OrderFields
    totalShippingPriceSet {{ shopMoney {{ amount }} }}
    transactions(first: 10) {{ id kind status gateway amountSet {{ shopMoney {{ amount }} }} }}
    lineItems(first: {LINE_ITEMS}) {{ nodes {{ variant {{ id }} }} }}
  }}
}}
{ORDER_FIELDS}"""

CANCEL_MUTATION = """
mutation OrderCancel($orderId: ID!, $reason: OrderCancelReason!,
    $refundMethod: OrderCancelRefundMethodInput, $restock: Boolean!,
    $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refundMethod: $refundMethod,
      restock: $restock, notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""

_REFUND_SELECTION = """{
    refund { id totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }"""
REFUND_MUTATION = f"""
mutation RefundCreate($input: RefundInput!) {{
  refundCreate(input: $input) {_REFUND_SELECTION}
}}
"""
REFUND_MUTATION_IDEMPOTENT = f"""
mutation RefundCreate($input: RefundInput!, $idempotencyKey: String!) {{
  refundCreate(input: $input) @idempotent(key: $idempotencyKey) {_REFUND_SELECTION}
}}
"""

ADDRESS_MUTATION = """
mutation OrderUpdate($input: OrderInput!) {
  orderUpdate(input: $input) { order { id } userErrors { field message } }
}
"""

DRAFT_MUTATION = """
mutation DraftOrderCreate($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) { draftOrder { id name } userErrors { field message } }
}
"""

# A duplicate's draft carries ``deskterm-KEY``: after a dropped answer this finds it.
DRAFT_BY_TAG_QUERY = """
query DraftByTag($query: String!) {
  draftOrders(first: 1, query: $query) { nodes { id name } }
}
"""

CANCEL_REASONS = ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF")
# Words of a free-text reason -> Shopify's OrderCancelReason (the text goes to staffNote).
_REASON_WORDS = (
    (("stock", "inventory", "habis", "sold out"), "INVENTORY"),
    (("fraud", "penipuan"), "FRAUD"),
    (("declined", "payment", "pembayaran"), "DECLINED"),
    (("staff", "mistake", "error", "salah"), "STAFF"),
    (("customer", "buyer", "pembeli", "changed"), "CUSTOMER"),
)
# MailingAddressInput fields an address edit may set.
ADDRESS_FIELDS = (
    "firstName",
    "lastName",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "provinceCode",
    "zip",
    "country",
    "countryCode",
    "phone",
)


@dataclass(frozen=True, slots=True)
class DraftRef:
    """The draft order a duplicate made: Shopify's numeric id and its name ("#D12")."""

    id: str
    name: str


@dataclass(frozen=True)
class OrderRead:
    """One read of an order (ORDER_QUERY's node) and what follows from it."""

    node: Mapping[str, Any]
    label: str

    @cached_property
    def order(self) -> PlatformOrder:
        """The order in the one order model."""
        return platform_order(self.node, label=self.label)

    def refund_plan(
        self,
        *,
        amount: Decimal | None = None,
        items: Sequence[tuple[str, int]] = (),
        shipping: Decimal | bool | None = None,
        restock: bool = False,
    ) -> RefundPlan:
        """What ``refund`` with these arguments would send (ActionRefused when Shopify's
        figures forbid it: nothing paid, more than was paid, an unknown line)."""
        return plan_refund(
            self.node,
            amount=amount,
            items=items,
            shipping=shipping,
            restock=restock,
            label=self.label,
        )

    def shipping_address(self) -> dict[str, str]:
        """The shipping address as MailingAddressInput fields (ADDRESS_FIELDS)."""
        return _address_input(_get(self.node, "shippingAddress"))


def cancel_reason(reason: str) -> str:
    """A free-text or enum reason as Shopify's OrderCancelReason."""
    word = reason.strip().upper()
    if word in CANCEL_REASONS:
        return word
    text = reason.lower()
    for words, value in _REASON_WORDS:
        if any(w in text for w in words):
            return value
    return "OTHER"


class ShopifyOrderActions:
    """One shop's order actions. Never retries a mutation after an ambiguous failure: the
    caller reads the order back (``order``) to learn whether it happened."""

    def __init__(self, client: ShopifyClient) -> None:
        self.client = client
        self.http = client.http
        self.label = client.label

    # --- reading ---

    def order(self, order_id: str) -> PlatformOrder:
        """The order as Shopify has it now (ActionRefused when there is no such order)."""
        return self.read(order_id).order

    def _node(self, order_id: str) -> Mapping[str, Any]:
        data = self.http.execute(ORDER_QUERY, {"id": order_gid(order_id)}, key="order")
        node = data.get("order")
        if not isinstance(node, Mapping):
            raise ActionRefused(f"{self.label}: Shopify has no order {numeric_id(order_id)}")
        return node

    def read(self, order_id: str) -> OrderRead:
        """One read of the order: it as PlatformOrder, and what a refund or an address edit
        would send to it (a plan shown before asking reads the order once)."""
        return OrderRead(self._node(order_id), self.label)

    def order_id_for(self, ref: str) -> str:
        """The order's id for what a REF names: an id or GID as it is; a name ("#1042",
        what the customer quotes) or number looked up on Shopify."""
        # Shopify's order ids are long (ten digits and more); "1042" is an order number.
        if ref.startswith("gid://") or (ref.isdigit() and len(ref) > NUMBER_DIGITS):
            return ref
        name = ref if ref.startswith("#") else f"#{ref}"
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        data = self.http.execute(
            ORDERS_QUERY, {"first": 5, "query": f'name:"{escaped}"'}, key="orders:5"
        )
        for node in _nodes(_get(data, "orders")):
            if node.get("name") == name and node.get("id"):
                return numeric_id(str(node["id"]))
        raise ActionRefused(f"{self.label}: Shopify has no order {one_line(name, 40)}")

    # --- the actions ---

    def cancel(
        self,
        order_id: str,
        reason: str,
        *,
        refund: bool,
        restock: bool,
        notify: bool,
        staff_note: str = "",
        idempotency_key: str = "",  # orderCancel takes none (see IDEMPOTENT_SINCE)
    ) -> None:
        """Cancel the order; Shopify finishes it in a job (read the order back to see it)."""
        del idempotency_key
        enum = cancel_reason(reason)
        free_text = "" if reason.strip().upper() == enum else reason.strip()
        note = " — ".join(part for part in (free_text, staff_note.strip()) if part)
        variables = {
            "orderId": order_gid(order_id),
            "reason": enum,
            "refundMethod": {"originalPaymentMethodsRefund": refund},
            "restock": restock,
            "notifyCustomer": notify,
            "staffNote": note or None,
        }
        data = self._mutate(CANCEL_MUTATION, variables, "orderCancel", "cancel", order_id)
        self._refused(data.get("orderCancelUserErrors"), "cancel", order_id)

    def refund(
        self,
        order_id: str,
        *,
        amount: Decimal | None = None,
        items: Sequence[tuple[str, int]] = (),
        shipping: Decimal | bool | None = None,
        restock: bool = False,
        notify: bool = False,
        note: str = "",
        idempotency_key: str = "",
    ) -> Decimal:
        """Refund money, line items (SKU or line id, quantity) and shipping (an amount, or
        True for all of it); neither amount nor items: everything still refundable. Returns
        the money sent back."""
        plan = self.read(order_id).refund_plan(
            amount=amount, items=items, shipping=shipping, restock=restock
        )
        payload = {"orderId": order_gid(order_id), "notify": notify, **plan.input}
        if note:
            payload["note"] = note
        document = REFUND_MUTATION
        variables: dict[str, Any] = {"input": payload}
        if not idempotency_key and self.http.api_version >= IDEMPOTENT_REQUIRED:
            idempotency_key = str(uuid.uuid4())  # the caller's read-back stays the guard
        if idempotency_key and self.http.api_version >= IDEMPOTENT_SINCE:
            document = REFUND_MUTATION_IDEMPOTENT
            variables["idempotencyKey"] = idempotency_key
        data = self._mutate(document, variables, "refundCreate", "refund", order_id)
        self._refused(data.get("userErrors"), "refund", order_id)
        return plan.amount

    def update_address(self, order_id: str, fields: Mapping[str, str]) -> None:
        """Set shipping address fields (ADDRESS_FIELDS); the rest of the address is kept."""
        unknown = sorted(set(fields) - set(ADDRESS_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown address field {unknown[0]!r} (one of: {', '.join(ADDRESS_FIELDS)})"
            )
        current = self.read(order_id).shipping_address()
        if "country" in fields and "countryCode" not in fields:
            current.pop("countryCode", None)  # the old code would contradict the new country
        address = current | dict(fields)
        variables = {"input": {"id": order_gid(order_id), "shippingAddress": address}}
        data = self._mutate(
            ADDRESS_MUTATION, variables, "orderUpdate", "edit the address of", order_id
        )
        self._refused(data.get("userErrors"), "edit the address of", order_id)

    def duplicate(self, order_id: str, *, idempotency_key: str = "") -> DraftRef:
        """A draft order with the order's lines, customer and shipping address."""
        node = self._node(order_id)
        name = _str(node.get("name")) or numeric_id(order_id)
        currency = _str(_get(node, "totalPriceSet", "shopMoney").get("currencyCode"))
        lines: list[dict[str, Any]] = []
        for line in _nodes(node.get("lineItems")):
            variant = _str(_get(line, "variant").get("id"))
            entry: dict[str, Any] = {"quantity": int(line.get("quantity") or 0)}
            if variant:
                entry["variantId"] = variant
            else:  # a custom item: Shopify needs its title and price
                entry["title"] = _str(line.get("title"))
                entry["sku"] = _str(line.get("sku")) or None
                entry["originalUnitPriceWithCurrency"] = {
                    "amount": str(money(_get(line, "originalUnitPriceSet"))),
                    "currencyCode": currency,
                }
            lines.append(entry)
        tags = ["deskterm"] + ([_tag(idempotency_key)] if idempotency_key else [])
        payload: dict[str, Any] = {
            "lineItems": lines,
            "note": f"Duplicate of {name}",
            "tags": tags,
        }
        email = _str(node.get("email")) or _str(_get(node, "customer").get("email"))
        if email:
            payload["email"] = email
        address = _address_input(_get(node, "shippingAddress"))
        if address:
            payload["shippingAddress"] = address
        data = self._mutate(
            DRAFT_MUTATION, {"input": payload}, "draftOrderCreate", "duplicate", order_id
        )
        self._refused(data.get("userErrors"), "duplicate", order_id)
        draft = data.get("draftOrder")
        if not isinstance(draft, Mapping):
            raise ChannelError(f"{self.label}: Shopify answered without the draft order")
        return DraftRef(numeric_id(_str(draft.get("id"))), _str(draft.get("name")))

    def find_duplicate(self, idempotency_key: str) -> DraftRef | None:
        """The draft a ``duplicate`` with this key made, if Shopify has it (the read-back
        after an ambiguous failure: draftOrderCreate takes no idempotency key)."""
        variables = {"query": f"tag:{_tag(idempotency_key)}"}
        data = self.http.execute(DRAFT_BY_TAG_QUERY, variables, key="draftOrders:1")
        found = _nodes(_get(data, "draftOrders").get("nodes"))
        if not found:
            return None
        return DraftRef(numeric_id(_str(found[0].get("id"))), _str(found[0].get("name")))

    # --- plumbing ---

    def _mutate(
        self, document: str, variables: Mapping[str, Any], field: str, verb: str, order_id: str
    ) -> Mapping[str, Any]:
        """Send one mutation; its payload. No retry after an ambiguous failure."""
        what = f"{verb} order {numeric_id(order_id)}"
        try:
            data = self.http.execute(document, variables, key=field, mutation=True)
        except GraphqlError as exc:
            raise ActionRefused(
                f"{self.label}: Shopify refused to {what}: {_sentence(exc.reason)}"
            ) from exc
        except ChannelError as exc:
            if not exc.transient:
                raise
            raise ChannelError(
                f"{self.label}: no answer from Shopify to {what}; it may have happened — "
                f"read the order back before trying again ({exc})"
            ) from exc
        payload = data.get(field)
        if not isinstance(payload, Mapping):
            raise ChannelError(f"{self.label}: Shopify answered {field} without a result")
        return payload

    def _refused(self, errors: Any, verb: str, order_id: str) -> None:
        messages = [_str(e.get("message")) for e in (errors or []) if isinstance(e, Mapping)]
        messages = [m for m in messages if m]
        if messages:
            raise ActionRefused(
                f"{self.label}: Shopify refused to {verb} order {numeric_id(order_id)}: "
                f"{_sentence('; '.join(messages))}"
            )


def _tag(idempotency_key: str) -> str:
    # Shopify tags are at most 40 characters; search matches them whole.
    return f"deskterm-{idempotency_key}"[:40]


def _sentence(text: str) -> str:
    line = one_line(text, 200).rstrip(".")
    return f"{line}."


def _address_input(address: Mapping[str, Any]) -> dict[str, str]:
    """A MailingAddress as read (ORDER_FIELDS) -> MailingAddressInput."""
    out: dict[str, str] = {}
    for key, value in address.items():
        if value is None or value == "":
            continue
        name = "countryCode" if key == "countryCodeV2" else key
        if name in ADDRESS_FIELDS:
            out[name] = _str(value)
    return out

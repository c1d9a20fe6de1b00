"""The Shopify fake's order actions: orderCancel, refundCreate, orderUpdate, draftOrderCreate."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLString, value_from_ast

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo

    from deskterm.demo.fakes.shopify import FakeOrder, FakeShopify

if TYPE_CHECKING:
    from typing import TypeAlias

    Info: TypeAlias = GraphQLResolveInfo[Any]

# Added to the fake's schema (demo/fakes/shopify.py builds SCHEMA_SDL + MUTATION_SDL).
MUTATION_SDL = """
scalar Money
directive @idempotent(key: String!) on FIELD

enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
enum OrderCancelUserErrorCode { INVALID NOT_FOUND NO_REFUND_PERMISSION }
enum OrderReturnStatus {
  INSPECTION_COMPLETE IN_PROGRESS NO_RETURN RETURNED RETURN_FAILED RETURN_REQUESTED
}
enum ReturnStatus { CANCELED CLOSED DECLINED OPEN REQUESTED }
enum RefundLineItemRestockType { CANCEL LEGACY_RESTOCK NO_RESTOCK RETURN }
enum OrderTransactionKind {
  AUTHORIZATION CAPTURE CHANGE EMV_AUTHORIZATION REFUND SALE SUGGESTED_REFUND VOID
}
enum OrderTransactionStatus { AWAITING_RESPONSE ERROR FAILURE PENDING SUCCESS UNKNOWN }

type Refund implements Node {
  id: ID!
  createdAt: DateTime
  note: String
  totalRefundedSet: MoneyBag!
}
type Return implements Node { id: ID! name: String! status: ReturnStatus! }
type ReturnConnection { nodes: [Return!]! edges: [ReturnEdge!]! pageInfo: PageInfo! }
type ReturnEdge { cursor: String! node: Return! }
type OrderTransaction implements Node {
  id: ID!
  kind: OrderTransactionKind!
  status: OrderTransactionStatus!
  gateway: String
  amountSet: MoneyBag!
}
type Job { id: ID! done: Boolean! }
type UserError { field: [String!] message: String! }
type OrderCancelUserError { field: [String!] message: String! code: OrderCancelUserErrorCode }
type OrderCancelPayload {
  job: Job
  orderCancelUserErrors: [OrderCancelUserError!]!
  userErrors: [UserError!]!
}
type RefundCreatePayload { order: Order refund: Refund userErrors: [UserError!]! }
type OrderUpdatePayload { order: Order userErrors: [UserError!]! }
type DraftOrder implements Node {
  id: ID!
  name: String!
  email: String
  note2: String
  tags: [String!]!
  totalPriceSet: MoneyBag!
}
type DraftOrderConnection {
  nodes: [DraftOrder!]!
  edges: [DraftOrderEdge!]!
  pageInfo: PageInfo!
}
type DraftOrderEdge { cursor: String! node: DraftOrder! }
type DraftOrderCreatePayload { draftOrder: DraftOrder userErrors: [UserError!]! }

input OrderCancelRefundMethodInput { originalPaymentMethodsRefund: Boolean }
input MoneyInput { amount: Decimal! currencyCode: CurrencyCode! }
input RefundLineItemInput {
  lineItemId: ID!
  quantity: Int!
  restockType: RefundLineItemRestockType = RETURN
  locationId: ID
}
input ShippingRefundInput { amount: Money fullRefund: Boolean }
input OrderTransactionInput {
  amount: Money!
  gateway: String!
  kind: OrderTransactionKind!
  orderId: ID!
  parentId: ID
}
input RefundInput {
  orderId: ID!
  note: String
  notify: Boolean
  currency: CurrencyCode
  refundLineItems: [RefundLineItemInput!]
  shipping: ShippingRefundInput
  transactions: [OrderTransactionInput!]
}
input MailingAddressInput {
  address1: String
  address2: String
  city: String
  company: String
  country: String
  countryCode: CountryCode
  firstName: String
  lastName: String
  phone: String
  province: String
  provinceCode: String
  zip: String
}
input OrderInput { id: ID! email: String note: String shippingAddress: MailingAddressInput }
input PurchasingEntityInput { customerId: ID }
input DraftOrderLineItemInput {
  variantId: ID
  quantity: Int!
  title: String
  sku: String
  originalUnitPriceWithCurrency: MoneyInput
  requiresShipping: Boolean
}
input DraftOrderInput {
  email: String
  note: String
  tags: [String!]
  lineItems: [DraftOrderLineItemInput!]
  shippingAddress: MailingAddressInput
  purchasingEntity: PurchasingEntityInput
}

type Mutation {
  orderCancel(
    orderId: ID!, reason: OrderCancelReason!, refund: Boolean,
    refundMethod: OrderCancelRefundMethodInput, restock: Boolean!,
    notifyCustomer: Boolean = false, staffNote: String
  ): OrderCancelPayload
  refundCreate(input: RefundInput!): RefundCreatePayload
  orderUpdate(input: OrderInput!): OrderUpdatePayload
  draftOrderCreate(input: DraftOrderInput!): DraftOrderCreatePayload
}
"""

IDEMPOTENT_SINCE = "2026-01"  # refundCreate takes @idempotent(key:) from this version on
MUTATION_COST = 10  # Shopify's flat price of a mutation, before its selection

_PAID = ("PAID", "PARTIALLY_REFUNDED", "REFUNDED", "PARTIALLY_PAID")
_FULFILLED = ("FULFILLED", "PARTIALLY_FULFILLED")
# MailingAddressInput -> the MailingAddress fields the fake keeps.
_ADDRESS_FIELDS = {
    "address1": "address1",
    "address2": "address2",
    "city": "city",
    "province": "province",
    "provinceCode": "province",
    "zip": "zip",
    "country": "country",
    "countryCode": "countryCodeV2",
    "phone": "phone",
}


def money_bag(amount: Decimal, currency: str) -> dict[str, Any]:
    """A MoneyBag: Shopify's Decimal scalar is a string with at least one decimal."""
    text = format(amount.normalize(), "f")
    if "." not in text:
        text += ".0"
    bag = {"amount": text, "currencyCode": currency}
    return {"shopMoney": bag, "presentmentMoney": dict(bag)}


@dataclass
class FakeRefund:
    """One refund of an order: money back, lines (index, quantity, restock type), shipping."""

    id: int
    created_at: datetime
    amount: Decimal
    note: str = ""
    lines: list[tuple[int, int, str]] = field(default_factory=list)
    shipping: Decimal = Decimal(0)


@dataclass
class FakeReturn:
    """A return the buyer asked for."""

    id: int
    name: str
    status: str = "REQUESTED"  # ReturnStatus


@dataclass
class FakeDraft:
    """A draft order (what ``draftOrderCreate`` makes)."""

    id: int
    number: int
    email: str
    note: str
    lines: list[dict[str, Any]]
    currency: str
    address: dict[str, str]
    tags: list[str]

    @property
    def name(self) -> str:
        """Shopify names drafts "#D1", "#D2", ..."""
        return f"#D{self.number}"


def seed_refunds(order: FakeOrder) -> None:
    """The refunds a seeded REFUNDED / PARTIALLY_REFUNDED order implies (one record)."""
    if order.financial == "REFUNDED":
        lines = [(i, line.quantity, "NO_RESTOCK") for i, line in enumerate(order.lines)]
        order.refunds.append(FakeRefund(order.id * 10, order.created_at, order.total, "", lines))
    elif order.financial == "PARTIALLY_REFUNDED" and order.lines:
        price = order.lines[0].price
        order.refunds.append(
            FakeRefund(order.id * 10, order.created_at, price, "", [(0, 1, "NO_RESTOCK")])
        )


def paid(order: FakeOrder) -> Decimal:
    """What the buyer paid (PARTIALLY_PAID: half, as the demo tells it)."""
    if order.financial == "PARTIALLY_PAID":
        return (order.total / 2).quantize(Decimal("0.01"))
    if order.financial in _PAID or (order.financial == "VOIDED" and order.refunds):
        return order.total
    return Decimal(0)


def refunded(order: FakeOrder) -> Decimal:
    """Money given back so far."""
    return sum((r.amount for r in order.refunds), Decimal(0))


def refunded_quantity(order: FakeOrder, index: int) -> int:
    """Units of line ``index`` refunded so far."""
    return sum(qty for refund in order.refunds for i, qty, _ in refund.lines if i == index)


def order_extras(order: FakeOrder) -> dict[str, Any]:
    """The action-related fields of an Order node (the fake's ``_node`` merges them in)."""
    currency = order.currency
    transactions = []
    if paid(order) > 0:
        transactions.append(
            {
                "id": f"gid://shopify/OrderTransaction/{order.id}1",
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": "manual",
                "amountSet": money_bag(paid(order), currency),
            }
        )
    transactions += [
        {
            "id": f"gid://shopify/OrderTransaction/{refund.id}",
            "kind": "REFUND",
            "status": "SUCCESS",
            "gateway": "manual",
            "amountSet": money_bag(refund.amount, currency),
        }
        for refund in order.refunds
        if refund.amount > 0
    ]
    refunds = [refund_node(refund, currency) for refund in order.refunds]
    returns = [
        {"id": f"gid://shopify/Return/{r.id}", "name": r.name, "status": r.status}
        for r in order.returns
    ]
    return {
        "cancelledAt": _iso(order.cancelled_at) if order.cancelled_at else None,
        "cancelReason": order.cancel_reason,
        "closed": order.closed,
        "returnStatus": order.return_status,
        "totalRefundedSet": money_bag(refunded(order), currency),
        "refunds": lambda _info, first=None: refunds[:first] if first is not None else refunds,
        "transactions": lambda _info, first=None: (
            transactions[:first] if first is not None else transactions
        ),
        "_returns": returns,
    }


def refund_node(refund: FakeRefund, currency: str) -> dict[str, Any]:
    """A Refund object."""
    return {
        "id": f"gid://shopify/Refund/{refund.id}",
        "createdAt": _iso(refund.created_at),
        "note": refund.note or None,
        "totalRefundedSet": money_bag(refund.amount, currency),
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user_error(field_path: list[str], message: str) -> dict[str, Any]:
    return {"field": field_path, "message": message}


def _decimal(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _idempotency_key(info: Info) -> str | None:
    for directive in info.field_nodes[0].directives or ():
        if directive.name.value == "idempotent":
            for argument in directive.arguments or ():
                if argument.name.value == "key":
                    variables = info.variable_values.coerced
                    value = value_from_ast(argument.value, GraphQLString, variables)
                    return str(value)
    return None


@dataclass
class Mutations:
    """The four order actions with Shopify's rules, on the fake's orders."""

    fake: FakeShopify
    api_version: Callable[[], str]
    drafts: list[FakeDraft] = field(default_factory=list)
    # Idempotency key -> (fingerprint of the input, the payload answered the first time).
    answered: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    effects: list[tuple[str, str]] = field(default_factory=list)  # (mutation, order gid) applied
    _next: int = 9_100_000_001

    def resolvers(self) -> dict[str, Any]:
        """The Mutation root's fields (and ``draftOrders``) for graphql-core's resolver."""
        return {
            "draftOrders": self.draft_orders,
            "orderCancel": self.order_cancel,
            "refundCreate": self.refund_create,
            "orderUpdate": self.order_update,
            "draftOrderCreate": self.draft_order_create,
        }

    def _id(self) -> int:
        self._next += 1
        return self._next

    def _order(self, gid: str) -> FakeOrder | None:
        return next((o for o in self.fake.orders if o.gid == gid), None)

    def _touch(self, order: FakeOrder, what: str) -> None:
        order.updated_at = self.fake.now()
        self.effects.append((what, order.gid))

    # --- orderCancel ---

    def order_cancel(self, _info: Info, **args: Any) -> dict[str, Any]:
        """Cancel: refused when already cancelled or (partly) fulfilled."""
        order = self._order(args["orderId"])

        def refused(code: str, message: str) -> dict[str, Any]:
            error = {"field": ["orderId"], "message": message, "code": code}
            return {
                "job": None,
                "orderCancelUserErrors": [error],
                "userErrors": [_user_error(["orderId"], message)],
            }

        if order is None:
            return refused("NOT_FOUND", "Order does not exist")
        if order.cancelled_at is not None:
            return refused("INVALID", "Order has already been cancelled")
        if order.fulfillment in _FULFILLED:
            return refused("INVALID", "Cannot cancel an order that has fulfillments")
        if order.return_status in ("RETURN_REQUESTED", "IN_PROGRESS"):
            return refused("INVALID", "Cannot cancel an order with a return in progress")
        method = args.get("refundMethod") or {}
        refund = bool(method.get("originalPaymentMethodsRefund", args.get("refund") or False))
        order.cancelled_at = self.fake.now()
        order.cancel_reason = args["reason"]
        if args.get("staffNote"):
            order.staff_notes.append(str(args["staffNote"]))
        if args.get("restock"):
            order.restocked += [
                (i, line.quantity - refunded_quantity(order, i))
                for i, line in enumerate(order.lines)
                if line.quantity - refunded_quantity(order, i) > 0
            ]
        left = paid(order) - refunded(order)
        if refund and left > 0:
            lines = [(i, line.quantity, "CANCEL") for i, line in enumerate(order.lines)]
            order.refunds.append(FakeRefund(self._id(), self.fake.now(), left, "", lines))
            order.financial = "REFUNDED"
        elif order.financial in ("PENDING", "AUTHORIZED"):
            order.financial = "VOIDED"
        if args.get("notifyCustomer"):
            order.notified.append("order_cancelled")
        self._touch(order, "orderCancel")
        job = {"id": f"gid://shopify/Job/{uuid.uuid4()}", "done": False}
        return {"job": job, "orderCancelUserErrors": [], "userErrors": []}

    # --- refundCreate ---

    def refund_create(self, info: Info, **args: Any) -> dict[str, Any]:
        """Refund lines, shipping and money; an @idempotent key replays the first answer."""
        key = _idempotency_key(info)
        if key is not None and self.api_version() < IDEMPOTENT_SINCE:
            raise GraphQLError("Directive 'idempotent' is not defined")
        payload = args["input"]
        fingerprint = hashlib.sha256(
            json.dumps(payload, sort_keys=True, default=str).encode()
        ).hexdigest()
        if key is not None and key in self.answered:
            seen, answer = self.answered[key]
            if seen != fingerprint:
                raise GraphQLError(
                    "The same idempotency key cannot be used with different operation parameters."
                )
            return answer
        answer = self._refund(payload)
        if key is not None:
            self.answered[key] = (fingerprint, answer)
        return answer

    def _refund(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        order = self._order(payload["orderId"])
        if order is None:
            return _refused(["orderId"], "Order does not exist")
        lines: list[tuple[int, int, str]] = []
        for n, item in enumerate(payload.get("refundLineItems") or ()):
            index = next(
                (i for i, _ in enumerate(order.lines) if _line_gid(order, i) == item["lineItemId"]),
                None,
            )
            if index is None:
                return _refused(["refundLineItems", str(n), "lineItemId"], "Line item not found")
            left = order.lines[index].quantity - refunded_quantity(order, index)
            if not 0 < item["quantity"] <= left:
                return _refused(
                    ["refundLineItems", str(n), "quantity"],
                    f"Quantity cannot refund more items than were purchased ({left} left)",
                )
            lines.append((index, item["quantity"], item.get("restockType") or "RETURN"))
        shipping = Decimal(0)
        ship = payload.get("shipping") or {}
        shipped_back = sum((r.shipping for r in order.refunds), Decimal(0))
        if ship.get("fullRefund"):
            shipping = order.shipping - shipped_back
        elif ship.get("amount") is not None:
            shipping = _decimal(ship["amount"]) or Decimal(0)
            if shipping > order.shipping - shipped_back:
                return _refused(
                    ["shipping", "amount"],
                    "Shipping refund amount is greater than the refundable shipping amount",
                )
        amount = Decimal(0)
        for n, transaction in enumerate(payload.get("transactions") or ()):
            value = _decimal(transaction["amount"])
            if value is None or value <= 0:
                return _refused(["transactions", str(n), "amount"], "Amount must be positive")
            amount += value
        if amount > paid(order) - refunded(order):
            return _refused(
                ["transactions"],
                f"Refund amount of {amount} is greater than the refundable amount of "
                f"{paid(order) - refunded(order)} {order.currency}",
            )
        refund = FakeRefund(
            self._id(), self.fake.now(), amount, str(payload.get("note") or ""), lines, shipping
        )
        order.refunds.append(refund)
        order.restocked += [(i, qty) for i, qty, kind in lines if kind in ("RETURN", "CANCEL")]
        if amount > 0:
            order.financial = "REFUNDED" if refunded(order) >= paid(order) else "PARTIALLY_REFUNDED"
        if payload.get("notify"):
            order.notified.append("refund_created")
        self._touch(order, "refundCreate")
        return {
            "order": self.fake._node(order),
            "refund": refund_node(refund, order.currency),
            "userErrors": [],
        }

    # --- orderUpdate ---

    def order_update(self, _info: Info, **args: Any) -> dict[str, Any]:
        """Edit the shipping address: refused once fulfilled or cancelled."""
        payload = args["input"]
        order = self._order(payload["id"])
        if order is None:
            return {"order": None, "userErrors": [_user_error(["id"], "Order does not exist")]}
        address = payload.get("shippingAddress")
        if address is not None:
            if order.fulfillment in _FULFILLED:
                message = "Shipping address cannot be changed once the order is fulfilled"
                return {"order": None, "userErrors": [_user_error(["shippingAddress"], message)]}
            if order.cancelled_at is not None:
                message = "Shipping address cannot be changed on a cancelled order"
                return {"order": None, "userErrors": [_user_error(["shippingAddress"], message)]}
            for name, value in address.items():
                if name in _ADDRESS_FIELDS and value is not None:
                    order.address[_ADDRESS_FIELDS[name]] = str(value)
        if payload.get("email"):
            order.email = str(payload["email"])
        self._touch(order, "orderUpdate")
        return {"order": self.fake._node(order), "userErrors": []}

    # --- draftOrderCreate ---

    def draft_orders(self, _info: Info, **args: Any) -> dict[str, Any]:
        """Drafts, newest last; ``query`` understands ``tag:NAME`` (Shopify's search)."""
        from deskterm.demo.fakes.shopify import _page  # the fake imports this module

        wanted = str(args.get("query") or "").strip()
        tag = wanted[4:].strip('"') if wanted.startswith("tag:") else ""
        found = [d for d in self.drafts if not tag or tag in d.tags]
        page = _page(found, lambda d: d.id, "DraftOrder", args)
        nodes = [_draft_node(d) for d in page["nodes"]]
        edges = [
            {"cursor": e["cursor"], "node": n} for e, n in zip(page["edges"], nodes, strict=True)
        ]
        return {"nodes": nodes, "edges": edges, "pageInfo": page["pageInfo"]}

    def draft_order_create(self, _info: Info, **args: Any) -> dict[str, Any]:
        """A draft order from line items, a customer and an address."""
        payload = args["input"]
        lines = list(payload.get("lineItems") or ())
        if not lines:
            message = "Add at least 1 product"
            return {"draftOrder": None, "userErrors": [_user_error(["lineItems"], message)]}
        currency = "IDR"
        for line in lines:
            price = line.get("originalUnitPriceWithCurrency")
            if line.get("variantId") is None and (not line.get("title") or price is None):
                message = "Custom line items need a title and a price"
                return {"draftOrder": None, "userErrors": [_user_error(["lineItems"], message)]}
            if price is not None:
                currency = price["currencyCode"]
        address = {
            _ADDRESS_FIELDS[k]: str(v)
            for k, v in (payload.get("shippingAddress") or {}).items()
            if k in _ADDRESS_FIELDS and v is not None
        }
        draft = FakeDraft(
            self._id(),
            len(self.drafts) + 1,
            str(payload.get("email") or ""),
            str(payload.get("note") or ""),
            lines,
            currency,
            address,
            list(payload.get("tags") or ()),
        )
        self.drafts.append(draft)
        self.effects.append(("draftOrderCreate", f"gid://shopify/DraftOrder/{draft.id}"))
        return {"draftOrder": _draft_node(draft), "userErrors": []}


def _draft_node(draft: FakeDraft) -> dict[str, Any]:
    total = sum(
        (
            (_decimal(line["originalUnitPriceWithCurrency"]["amount"]) or Decimal(0))
            * line["quantity"]
            for line in draft.lines
            if line.get("originalUnitPriceWithCurrency")
        ),
        Decimal(0),
    )
    return {
        "id": f"gid://shopify/DraftOrder/{draft.id}",
        "name": draft.name,
        "email": draft.email or None,
        "note2": draft.note or None,
        "tags": draft.tags,
        "totalPriceSet": money_bag(total, draft.currency),
    }


def _refused(field_path: list[str], message: str) -> dict[str, Any]:
    return {"order": None, "refund": None, "userErrors": [_user_error(field_path, message)]}


def _line_gid(order: FakeOrder, index: int) -> str:
    return f"gid://shopify/LineItem/{order.id * 100 + index}"

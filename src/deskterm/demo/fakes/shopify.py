"""A loopback fake of Shopify's GraphQL Admin API (orders), strict where Shopify is strict.

Incoming documents are parsed, validated and EXECUTED by graphql-core against a subset
of the Admin schema (``SCHEMA_SDL``), so an unknown field, a wrong argument or a bad
variable fails as it does on Shopify. The access token is checked per request, query cost
is metered in a leaky bucket (``extensions.cost``; THROTTLED when empty) on an injectable
clock, and the ``email:`` search filter works with Shopify's quoting rules.

Cost rule (a simplification of Shopify's published one): scalars and enums cost 0, an
object 1, a connection 2 + page size × the cost of one node (page size = ``first`` or
``last``), a plain list ``first`` × one item (a list with no ``first`` counts one item,
or the page size when it is a connection's ``nodes``/``edges``). requestedQueryCost uses
the page sizes asked for; actualQueryCost the sizes returned, and the difference is
refunded to the bucket as Shopify does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute_sync,
    get_named_type,
    parse,
    validate,
    value_from_ast,
)

from deskterm.demo.fakes.http_fake import FakeRequest, FakeResponse, HttpFake
from deskterm.demo.fakes.shopify_mutations import (
    MUTATION_COST,
    MUTATION_SDL,
    FakeRefund,
    FakeReturn,
    Mutations,
    money_bag,
    order_extras,
    refunded_quantity,
    seed_refunds,
)

SCHEMA_SDL = """
schema { query: QueryRoot mutation: Mutation }

scalar DateTime
scalar Decimal
scalar URL

enum CurrencyCode { AUD CAD CNY EUR GBP HKD IDR INR JPY KRW MYR NZD PHP SGD THB TWD USD VND }
enum CountryCode { AU CA CN DE FR GB HK ID IN JP KR MY NZ PH SG TH TW US VN }

enum OrderSortKeys {
  CREATED_AT CUSTOMER_NAME DESTINATION FINANCIAL_STATUS FULFILLMENT_STATUS ID ORDER_NUMBER
  PO_NUMBER PROCESSED_AT RELEVANCE TOTAL_ITEMS_QUANTITY TOTAL_PRICE UPDATED_AT
}
enum OrderDisplayFinancialStatus {
  AUTHORIZED EXPIRED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED
}
enum OrderDisplayFulfillmentStatus {
  FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT REQUEST_DECLINED
  RESTOCKED SCHEDULED UNFULFILLED
}
enum FulfillmentStatus { CANCELLED ERROR FAILURE OPEN PENDING SUCCESS }
enum FulfillmentDisplayStatus {
  ATTEMPTED_DELIVERY CANCELED CONFIRMED DELIVERED FAILURE FULFILLED IN_TRANSIT
  LABEL_PRINTED LABEL_PURCHASED LABEL_VOIDED MARKED_AS_FULFILLED NOT_DELIVERED
  OUT_FOR_DELIVERY PICKED_UP READY_FOR_PICKUP SUBMITTED
}

interface Node { id: ID! }

type QueryRoot {
  orders(
    first: Int, after: String, last: Int, before: String, query: String,
    sortKey: OrderSortKeys = ID, reverse: Boolean = false, savedSearchId: ID
  ): OrderConnection!
  order(id: ID!): Order
  draftOrders(first: Int, after: String, last: Int, before: String, query: String):
    DraftOrderConnection!
  shop: Shop!
}

type Shop implements Node {
  id: ID!
  name: String!
  email: String!
  myshopifyDomain: String!
  currencyCode: CurrencyCode!
  ianaTimezone: String!
}

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type OrderConnection { nodes: [Order!]! edges: [OrderEdge!]! pageInfo: PageInfo! }
type OrderEdge { cursor: String! node: Order! }

type Order implements Node {
  id: ID!
  name: String!
  email: String
  phone: String
  note: String
  tags: [String!]!
  createdAt: DateTime!
  processedAt: DateTime!
  updatedAt: DateTime!
  cancelledAt: DateTime
  cancelReason: OrderCancelReason
  closed: Boolean!
  returnStatus: OrderReturnStatus!
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  statusPageUrl: URL!
  currencyCode: CurrencyCode!
  totalPriceSet: MoneyBag!
  subtotalPriceSet: MoneyBag
  totalShippingPriceSet: MoneyBag!
  totalRefundedSet: MoneyBag!
  refunds(first: Int): [Refund!]!
  returns(first: Int, after: String, last: Int, before: String): ReturnConnection!
  transactions(first: Int): [OrderTransaction!]!
  lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false):
    LineItemConnection!
  fulfillments(first: Int): [Fulfillment!]!
  customer: Customer
  shippingAddress: MailingAddress
}

type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }

type LineItemConnection { nodes: [LineItem!]! edges: [LineItemEdge!]! pageInfo: PageInfo! }
type LineItemEdge { cursor: String! node: LineItem! }

type LineItem implements Node {
  id: ID!
  title: String!
  name: String!
  variantTitle: String
  sku: String
  quantity: Int!
  currentQuantity: Int!
  refundableQuantity: Int!
  originalUnitPriceSet: MoneyBag!
  variant: ProductVariant
}

type ProductVariant implements Node { id: ID! sku: String }

type Fulfillment implements Node {
  id: ID!
  name: String!
  status: FulfillmentStatus!
  displayStatus: FulfillmentDisplayStatus
  createdAt: DateTime!
  trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
}

type FulfillmentTrackingInfo { number: String url: URL company: String }

type Customer implements Node {
  id: ID!
  displayName: String!
  firstName: String
  lastName: String
  email: String
  phone: String
}

type MailingAddress implements Node {
  id: ID!
  name: String
  address1: String
  address2: String
  city: String
  province: String
  zip: String
  country: String
  countryCodeV2: CountryCode
  phone: String
}
"""

SCHEMA: GraphQLSchema = build_schema(SCHEMA_SDL + MUTATION_SDL)
assert SCHEMA.query_type is not None and SCHEMA.mutation_type is not None
_QUERY_ROOT: GraphQLObjectType = SCHEMA.query_type
_MUTATION_ROOT: GraphQLObjectType = SCHEMA.mutation_type
_MUTATION_RE = re.compile(r"^\s*mutation\b")

MAX_PAGE = 250
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105  (Shopify's error text)
_PATH_RE = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")
_DOCS = "https://shopify.dev/api/usage/rate-limits"
_MAX_COST_TEXT = (
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead."
)


# --- orders as the fake keeps them -------------------------------------------------------


@dataclass
class FakeLine:
    """One line item: title, quantity and unit price in the order's currency."""

    title: str
    quantity: int
    price: Decimal
    sku: str = ""


@dataclass
class FakeTracking:
    """One tracking entry of a fulfillment."""

    number: str
    url: str
    company: str


@dataclass
class FakeOrder:
    """An order in the fake shop."""

    id: int
    number: int
    email: str
    customer_name: str
    created_at: datetime
    currency: str
    lines: list[FakeLine]
    shipping: Decimal = Decimal(0)
    financial: str = "PAID"  # OrderDisplayFinancialStatus
    fulfillment: str = "UNFULFILLED"  # OrderDisplayFulfillmentStatus
    tracking: list[FakeTracking] = field(default_factory=list)
    address: dict[str, str] = field(default_factory=dict)
    # Order actions (demo/fakes/shopify_mutations.py) and their traces.
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    closed: bool = False  # archived: a completed order
    delivered: bool = False  # the carrier delivered every fulfillment
    return_status: str = "NO_RETURN"  # OrderReturnStatus
    refunds: list[FakeRefund] = field(default_factory=list)
    returns: list[FakeReturn] = field(default_factory=list)
    restocked: list[tuple[int, int]] = field(default_factory=list)  # (line index, quantity)
    notified: list[str] = field(default_factory=list)  # notifications sent to the customer
    staff_notes: list[str] = field(default_factory=list)
    updated_at: datetime | None = None

    @property
    def gid(self) -> str:
        """Shopify's global id."""
        return f"gid://shopify/Order/{self.id}"

    @property
    def name(self) -> str:
        """What the customer quotes: "#1001"."""
        return f"#{self.number}"

    @property
    def total(self) -> Decimal:
        """Lines plus shipping."""
        return sum((line.price * line.quantity for line in self.lines), self.shipping)


_money = money_bag


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cursor(kind: str, key: int) -> str:
    return base64.b64encode(json.dumps({"last_id": key, "kind": kind}).encode()).decode()


def _uncursor(cursor: str) -> int:
    try:
        value = json.loads(base64.b64decode(cursor, validate=True))
        return int(value["last_id"])
    except (ValueError, KeyError, TypeError):
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from None


def _page(
    items: Sequence[Any],
    key: Callable[[Any], int],
    kind: str,
    args: Mapping[str, Any],
) -> dict[str, Any]:
    """A Relay connection over ``items`` (already sorted) for first/after/last/before."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE:
            raise GraphQLError(f"{name} must be between 0 and {MAX_PAGE}")
    keys = [key(item) for item in items]
    low, high = 0, len(items)
    if args.get("after") is not None:
        after = _uncursor(args["after"])
        low = keys.index(after) + 1 if after in keys else len(items)
    if args.get("before") is not None:
        before = _uncursor(args["before"])
        high = keys.index(before) if before in keys else high
    if first is not None:
        high = min(high, low + first)
    if last is not None:
        low = max(low, high - last)
    shown = list(items[low:high]) if low < high else []
    cursors = [_cursor(kind, key(item)) for item in shown]
    return {
        "nodes": shown,
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, shown, strict=True)],
        "pageInfo": {
            "hasNextPage": high < len(items),
            "hasPreviousPage": low > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


# --- Shopify search syntax (the subset the fake understands) -----------------------------

_TOKEN_RE = re.compile(r'\s*(-?)(?:([A-Za-z_]+):)?("(?:[^"\\]|\\.)*"|[^\s"]+)')


@dataclass(frozen=True)
class _Term:
    field: str  # "" for free text
    value: str
    prefix: bool  # a bare value ending in "*"
    negate: bool


def parse_search(query: str) -> list[list[_Term]]:
    """``query`` as OR-ed groups of AND-ed terms (Shopify: implicit AND, OR binds looser)."""
    groups: list[list[_Term]] = [[]]
    position = 0
    while position < len(query):
        match = _TOKEN_RE.match(query, position)
        if match is None or not match.group(0).strip():
            break
        position = match.end()
        negate, name, raw = match.group(1) == "-", match.group(2) or "", match.group(3)
        if not name and not negate and raw == "OR":
            groups.append([])
            continue
        if not name and not negate and raw == "AND":
            continue
        quoted = raw.startswith('"')
        value = re.sub(r"\\(.)", r"\1", raw[1:-1]) if quoted else raw
        prefix = not quoted and value.endswith("*")
        groups[-1].append(
            _Term(name.lower(), value.rstrip("*") if prefix else value, prefix, negate)
        )
    return [group for group in groups if group]


def _term_matches(term: _Term, order: FakeOrder) -> bool:
    def same(actual: str) -> bool:
        actual, wanted = actual.lower(), term.value.lower()
        return actual.startswith(wanted) if term.prefix else actual == wanted

    if term.field == "email":
        hit = same(order.email)
    elif term.field == "name":
        hit = same(order.name) or same(order.name.lstrip("#"))
    elif term.field == "financial_status":
        hit = same(order.financial)
    elif term.field == "fulfillment_status":
        hit = same(order.fulfillment)
    elif term.field == "id":
        hit = same(str(order.id))
    elif term.field:
        hit = True  # Shopify ignores a filter it does not know (with a search warning)
    else:
        text = term.value.lower()
        hit = any(text in s.lower() for s in (order.email, order.name, order.customer_name))
    return hit != term.negate


def search_matches(groups: list[list[_Term]], order: FakeOrder) -> bool:
    """Whether ``order`` passes the parsed search (no groups: everything matches)."""
    return not groups or any(all(_term_matches(t, order) for t in group) for group in groups)


# --- query cost ----------------------------------------------------------------------------


def _fields(
    selection: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[FieldNode]:
    found: list[FieldNode] = []
    for node in selection.selections if selection else ():
        if isinstance(node, FieldNode):
            found.append(node)
        elif isinstance(node, InlineFragmentNode):
            found.extend(_fields(node.selection_set, fragments))
        elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
            found.extend(_fields(fragments[node.name.value].selection_set, fragments))
    return found


def _size_arg(node: FieldNode, variables: Mapping[str, Any]) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value in ("first", "last"):
            value = value_from_ast(argument.value, GraphQLInt, dict(variables))
            return value if isinstance(value, int) else None
    return None


_ABSENT = object()


def query_cost(
    selection: SelectionSetNode | None,
    parent: GraphQLObjectType | GraphQLInterfaceType,
    variables: Mapping[str, Any],
    fragments: Mapping[str, FragmentDefinitionNode],
    data: Any = _ABSENT,
    *,
    page: int | None = None,
) -> int:
    """The module docstring's cost rule: requested with ``data`` absent, actual with it."""
    total = 0
    for node in _fields(selection, fragments):
        definition = parent.fields.get(node.name.value)
        if definition is None:
            continue  # __typename and friends are free
        named = get_named_type(definition.type)
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            continue
        value: Any = _ABSENT
        if data is not _ABSENT:
            value = data.get(node.alias.value if node.alias else node.name.value) if data else None
            if value is None:
                continue
        size = _size_arg(node, variables)
        if named.name.endswith("Connection"):
            total += 2 + query_cost(
                node.selection_set, named, variables, fragments, value, page=size or 0
            )
            continue
        inner = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else None
        if isinstance(definition.type, GraphQLList) or isinstance(inner, GraphQLList):
            if value is _ABSENT:
                count = size if size is not None else (page if page is not None else 1)
                total += count * (1 + query_cost(node.selection_set, named, variables, fragments))
            else:
                total += sum(
                    1 + query_cost(node.selection_set, named, variables, fragments, item)
                    for item in value
                )
            continue
        total += 1 + query_cost(node.selection_set, named, variables, fragments, value)
    return total


# --- the fake ------------------------------------------------------------------------------


class FakeShopify(HttpFake):
    """Shopify's Admin GraphQL endpoint for one shop, with a leaky-bucket cost limit."""

    rate_limit_body: ClassVar[Any] = {"errors": "Throttled"}

    def __init__(
        self,
        *,
        access_token: str = "shpat_fake_token",  # noqa: S107  (a fake's own token)
        shop_name: str = "Toko Batik Nusantara",
        domain: str = "toko-batik.myshopify.com",
        maximum_available: float = 1000.0,
        restore_rate: float = 50.0,
        clock: Callable[[], float] = time.monotonic,
        visible_days: int | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__()
        self.access_token = access_token
        self.shop_name = shop_name
        self.domain = domain
        self.maximum_available = maximum_available
        self.restore_rate = restore_rate
        self.clock = clock
        # Without read_all_orders Shopify shows only the last 60 days: set visible_days=60.
        self.visible_days = visible_days
        self.now = now
        self.available = maximum_available
        self._as_of = clock()
        self.orders: list[FakeOrder] = []
        self.costs: list[tuple[int, int | None]] = []  # (requested, actual) per metered query
        self._next_id = 5_600_000_001
        self._next_number = 1001
        self.api_version = ""  # of the request being answered (the path names it)
        # The order actions (demo/fakes/shopify_mutations.py): drafts, idempotency, effects.
        self.mutations = Mutations(self, lambda: self.api_version)

    # --- seeding ---

    def add_order(
        self,
        email: str,
        lines: Sequence[FakeLine],
        *,
        currency: str = "IDR",
        created_at: datetime | None = None,
        customer_name: str = "",
        shipping: Decimal = Decimal(0),
        financial: str = "PAID",
        fulfillment: str = "UNFULFILLED",
        tracking: Sequence[FakeTracking] = (),
        address: Mapping[str, str] | None = None,
    ) -> FakeOrder:
        """Add one order placed with ``email`` (the next id and "#number")."""
        with self.lock:
            order = FakeOrder(
                id=self._next_id,
                number=self._next_number,
                email=email,
                customer_name=customer_name,
                created_at=created_at or self.now(),
                currency=currency,
                lines=list(lines),
                shipping=shipping,
                financial=financial,
                fulfillment=fulfillment,
                tracking=list(tracking),
                address=dict(address or {}),
            )
            self._next_id += 1
            self._next_number += 1
            seed_refunds(order)
            self.orders.append(order)
            return order

    def seed_orders(
        self,
        email: str,
        count: int = 3,
        *,
        customer_name: str = "",
        indonesian: bool | None = None,
        now: datetime | None = None,
    ) -> list[FakeOrder]:
        """``count`` realistic orders for ``email``, newest first in the returned list.

        Indonesian customers (``indonesian``, or an address under .id) buy in IDR and ship
        with JNE, SiCepat or J&T; others pay in USD and ship with USPS or DHL. The same
        email always gets the same orders (seeded by the address).
        """
        rng = random.Random(zlib.crc32(email.lower().encode()))  # noqa: S311  (seed data)
        local = indonesian if indonesian is not None else email.lower().endswith(".id")
        catalogue, currency = (_CATALOGUE_IDR, "IDR") if local else (_CATALOGUE_USD, "USD")
        carriers = _CARRIERS_ID if local else _CARRIERS_INTL
        now = now or self.now()
        name = customer_name or email.partition("@")[0].replace(".", " ").title()
        address = rng.choice(_ADDRESSES_ID if local else _ADDRESSES_INTL)
        # Oldest first, so order numbers grow with time as a shop's do.
        ages = sorted(rng.sample(range(1, 120), count), reverse=True)
        orders: list[FakeOrder] = []
        for index, days in enumerate(ages):
            lines = [
                FakeLine(title, rng.choice((1, 1, 1, 2, 3)), price, sku)
                for title, price, sku in rng.sample(catalogue, rng.randint(1, 3))
            ]
            if index == count - 1:
                financial, fulfillment = rng.choice(_RECENT_STATES)
            else:
                financial, fulfillment = rng.choice(_OLDER_STATES)
            tracking = []
            if fulfillment in ("FULFILLED", "PARTIALLY_FULFILLED"):
                company, template, make = rng.choice(carriers)
                number = make(rng)
                tracking.append(FakeTracking(number, template.format(number), company))
            orders.append(
                self.add_order(
                    email,
                    lines,
                    currency=currency,
                    created_at=(now - timedelta(days=days, minutes=rng.randint(0, 600))).replace(
                        microsecond=0
                    ),
                    customer_name=name,
                    shipping=rng.choice(_SHIP_IDR if local else _SHIP_USD),
                    financial=financial,
                    fulfillment=fulfillment,
                    tracking=tracking,
                    address=address,
                )
            )
        return orders[::-1]

    def seed_every_status(
        self, email: str, *, customer_name: str = "", now: datetime | None = None
    ) -> dict[str, FakeOrder]:
        """One IDR order of ``email`` in each normalised status (domain/orders.py STATUSES),
        keyed by it: what the demo's buyers and the order-action tests start from."""
        now = now or self.now()
        name = customer_name or email.partition("@")[0].replace(".", " ").title()
        address = dict(_ADDRESSES_ID[0])
        # status -> (financial, fulfillment, delivered, closed, cancelled, return status)
        plan: dict[str, tuple[str, str, bool, bool, bool, str]] = {
            "unpaid": ("PENDING", "UNFULFILLED", False, False, False, "NO_RETURN"),
            "to_ship": ("PAID", "UNFULFILLED", False, False, False, "NO_RETURN"),
            "shipped": ("PAID", "FULFILLED", False, False, False, "NO_RETURN"),
            "delivered": ("PAID", "FULFILLED", True, False, False, "NO_RETURN"),
            "completed": ("PAID", "FULFILLED", True, True, False, "NO_RETURN"),
            "cancelled": ("REFUNDED", "UNFULFILLED", False, False, True, "NO_RETURN"),
            "returning": ("PAID", "FULFILLED", True, False, False, "RETURN_REQUESTED"),
            "returned": ("REFUNDED", "FULFILLED", True, True, False, "RETURNED"),
        }
        made: dict[str, FakeOrder] = {}
        for age, (status, state) in enumerate(plan.items()):
            financial, fulfillment, delivered, closed, cancelled, returning = state
            title, price, sku = _CATALOGUE_IDR[age % len(_CATALOGUE_IDR)]
            second = _CATALOGUE_IDR[(age + 3) % len(_CATALOGUE_IDR)]
            number = f"JP{8_800_000_000 + age}"
            order = self.add_order(
                email,
                [FakeLine(title, 2, price, sku), FakeLine(second[0], 1, second[1], second[2])],
                created_at=(now - timedelta(days=20 - age)).replace(microsecond=0),
                customer_name=name,
                shipping=Decimal(15000),
                financial=financial,
                fulfillment=fulfillment,
                tracking=[FakeTracking(number, f"https://jet.co.id/track?awb={number}", "J&T")]
                if fulfillment == "FULFILLED"
                else [],
                address=address,
            )
            with self.lock:
                order.delivered, order.closed, order.return_status = delivered, closed, returning
                if cancelled:
                    order.cancelled_at, order.cancel_reason = order.created_at, "CUSTOMER"
                if returning != "NO_RETURN":
                    order.returns.append(
                        FakeReturn(
                            order.id * 10 + 1,
                            f"{order.name}-R1",
                            "OPEN" if returning == "RETURN_REQUESTED" else "CLOSED",
                        )
                    )
            made[status] = order
        return made

    # --- HTTP ---

    def is_send(self, request: FakeRequest) -> bool:
        """A mutation is what ``drop_after_next_send`` applies and then leaves unanswered."""
        try:
            body = request.json()
        except ValueError:
            return False
        query = body.get("query") if isinstance(body, dict) else None
        return isinstance(query, str) and bool(_MUTATION_RE.match(query))

    def handle(self, request: FakeRequest) -> FakeResponse:
        """One Admin API request: path, token, JSON body, then the GraphQL document."""
        path = _PATH_RE.match(request.path)
        if not path:
            return FakeResponse(404, {"errors": "Not Found"})
        self.api_version = path.group(1)
        if request.method != "POST":
            return FakeResponse(405, {"errors": "Method Not Allowed"})
        if request.headers.get("x-shopify-access-token") != self.access_token:
            return FakeResponse(401, {"errors": INVALID_TOKEN})
        try:
            body = request.json()
        except ValueError:
            return FakeResponse(400, {"errors": {"query": "Required parameter missing or invalid"}})
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return FakeResponse(400, {"errors": {"query": "Required parameter missing or invalid"}})
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            return FakeResponse(200, {"errors": [{"message": "Variables must be an object"}]})
        return FakeResponse(200, self.graphql(body["query"], variables, body.get("operationName")))

    def graphql(
        self, query: str, variables: dict[str, Any], operation: str | None = None
    ) -> dict[str, Any]:
        """The JSON answer to one GraphQL document, cost metering included."""
        try:
            document = parse(query)
        except GraphQLError as error:
            return {"errors": [_shopify_error(error)]}
        problems = validate(SCHEMA, document)
        if problems:
            return {"errors": [_shopify_error(e) for e in problems]}
        requested = self._requested_cost(document, variables, operation)
        if requested > self.maximum_available:
            message = _MAX_COST_TEXT.format(cost=requested, limit=int(self.maximum_available))
            return {
                "errors": [{"message": message, "extensions": {"code": "MAX_COST_EXCEEDED"}}],
                "extensions": self._cost_extension(requested, None),
            }
        self._leak()
        if requested > self.available + 1e-6:  # float dust from the leak is not a throttle
            self.costs.append((requested, None))
            return {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {"code": "THROTTLED", "documentation": _DOCS},
                    }
                ],
                "extensions": self._cost_extension(requested, None),
            }
        self.available -= requested
        result = execute_sync(
            SCHEMA,
            document,
            root_value=self._root(),
            variable_values=variables,
            operation_name=operation,
        )
        answer: dict[str, Any] = {}
        if result.errors:
            answer["errors"] = [_shopify_error(e) for e in result.errors]
        data = result.data
        actual = self._actual_cost(document, variables, operation, data)
        # Shopify charges the requested cost up front and refunds what was not used.
        self.available = min(self.maximum_available, self.available + requested - actual)
        self.costs.append((requested, actual))
        answer["data"] = data
        answer["extensions"] = self._cost_extension(requested, actual)
        return answer

    # --- cost ---

    def _leak(self) -> None:
        now = self.clock()
        elapsed = max(now - self._as_of, 0.0)
        self.available = min(self.maximum_available, self.available + elapsed * self.restore_rate)
        self._as_of = now

    def _cost_extension(self, requested: int, actual: int | None) -> dict[str, Any]:
        self._leak()
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": self.maximum_available,
                    "currentlyAvailable": int(self.available),
                    "restoreRate": self.restore_rate,
                },
            }
        }

    def _operation(
        self, document: DocumentNode, operation: str | None
    ) -> tuple[OperationDefinitionNode | None, dict[str, FragmentDefinitionNode]]:
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode) and (
                operation is None or (definition.name and definition.name.value == operation)
            ):
                return definition, fragments
        return None, fragments

    def _requested_cost(
        self, document: DocumentNode, variables: Mapping[str, Any], operation: str | None
    ) -> int:
        found, fragments = self._operation(document, operation)
        if found is None:
            return 0
        if found.operation.value == "mutation":
            return MUTATION_COST + query_cost(
                found.selection_set, _MUTATION_ROOT, variables, fragments
            )
        return query_cost(found.selection_set, _QUERY_ROOT, variables, fragments)

    def _actual_cost(
        self,
        document: DocumentNode,
        variables: Mapping[str, Any],
        operation: str | None,
        data: Any,
    ) -> int:
        found, fragments = self._operation(document, operation)
        if found is None or data is None:
            return 0
        if found.operation.value == "mutation":
            return MUTATION_COST + query_cost(
                found.selection_set, _MUTATION_ROOT, variables, fragments, data
            )
        return query_cost(found.selection_set, _QUERY_ROOT, variables, fragments, data)

    # --- resolvers (graphql-core's default resolver calls callables with info and args) ---

    def _root(self) -> dict[str, Any]:
        return {
            "orders": self._orders,
            "order": lambda _info, id: next(
                (self._node(o) for o in self._visible() if o.gid == id), None
            ),
            "shop": {
                "id": "gid://shopify/Shop/60000001",
                "name": self.shop_name,
                "email": f"owner@{self.domain}",
                "myshopifyDomain": self.domain,
                "currencyCode": "IDR",
                "ianaTimezone": "Asia/Jakarta",
            },
            **self.mutations.resolvers(),
        }

    def _visible(self) -> list[FakeOrder]:
        if self.visible_days is None:
            return list(self.orders)
        since = self.now() - timedelta(days=self.visible_days)
        return [o for o in self.orders if o.created_at >= since]

    def _orders(self, _info: Any, **args: Any) -> dict[str, Any]:
        groups = parse_search(args.get("query") or "")
        found = [o for o in self._visible() if search_matches(groups, o)]
        sort_key = args.get("sortKey") or "ID"
        found.sort(key=_SORTS.get(sort_key, _SORTS["ID"]), reverse=bool(args.get("reverse")))
        page = _page(found, lambda o: o.id, "Order", args)
        nodes = [self._node(o) for o in page["nodes"]]
        return {
            "nodes": nodes,
            "edges": [
                {"cursor": e["cursor"], "node": n}
                for e, n in zip(page["edges"], nodes, strict=True)
            ],
            "pageInfo": page["pageInfo"],
        }

    def _node(self, order: FakeOrder) -> dict[str, Any]:
        token = hashlib.sha256(order.gid.encode()).hexdigest()
        first, _, last = order.customer_name.partition(" ")
        lines = [
            {
                "id": f"gid://shopify/LineItem/{order.id * 100 + index}",
                "title": line.title.split(" - ")[0],
                "name": line.title,
                "variantTitle": line.title.split(" - ")[1] if " - " in line.title else None,
                "sku": line.sku or None,
                "quantity": line.quantity,
                "currentQuantity": line.quantity - refunded_quantity(order, index),
                "refundableQuantity": line.quantity - refunded_quantity(order, index),
                "originalUnitPriceSet": _money(line.price, order.currency),
                "variant": None,  # the demo's lines are custom items
            }
            for index, line in enumerate(order.lines)
        ]
        fulfillments = (
            [
                {
                    "id": f"gid://shopify/Fulfillment/{order.id}",
                    "name": f"{order.name}-F1",
                    "status": "SUCCESS",
                    "displayStatus": "DELIVERED" if order.delivered else "IN_TRANSIT",
                    "createdAt": _iso(order.created_at + timedelta(days=1)),
                    "trackingInfo": lambda _info, first=None, t=order.tracking: [
                        {"number": i.number, "url": i.url, "company": i.company}
                        for i in (t[:first] if first is not None else t)
                    ],
                }
            ]
            if order.fulfillment in ("FULFILLED", "PARTIALLY_FULFILLED")
            else []
        )
        extras = order_extras(order)
        returns = extras.pop("_returns")
        return extras | {
            "id": order.gid,
            "name": order.name,
            "email": order.email,
            "phone": None,
            "note": None,
            "tags": [],
            "createdAt": _iso(order.created_at),
            "processedAt": _iso(order.created_at),
            "updatedAt": _iso(order.updated_at or order.created_at),
            "returns": lambda _info, **args: _page(returns, _line_key, "Return", args),
            "displayFinancialStatus": order.financial,
            "displayFulfillmentStatus": order.fulfillment,
            "statusPageUrl": f"https://{self.domain}/60000001/orders/{token[:32]}/authenticate"
            f"?key={token[32:]}",
            "currencyCode": order.currency,
            "totalPriceSet": _money(order.total, order.currency),
            "subtotalPriceSet": _money(order.total - order.shipping, order.currency),
            "totalShippingPriceSet": _money(order.shipping, order.currency),
            "lineItems": lambda _info, **args: _page(
                lines[::-1] if args.get("reverse") else lines, _line_key, "LineItem", args
            ),
            "fulfillments": lambda _info, first=None: (
                fulfillments[:first] if first is not None else fulfillments
            ),
            "customer": {
                "id": f"gid://shopify/Customer/{zlib.crc32(order.email.lower().encode())}",
                "displayName": order.customer_name or order.email,
                "firstName": first or None,
                "lastName": last or None,
                "email": order.email,
                "phone": None,
            },
            "shippingAddress": (
                {"id": f"gid://shopify/MailingAddress/{order.id}", "name": order.customer_name}
                | order.address
                if order.address
                else None
            ),
        }


def _line_key(line: Mapping[str, Any]) -> int:
    return int(str(line["id"]).rsplit("/", 1)[1])


_SORTS: dict[str, Callable[[FakeOrder], Any]] = {
    "ID": lambda o: o.id,
    "CREATED_AT": lambda o: (o.created_at, o.id),
    "PROCESSED_AT": lambda o: (o.created_at, o.id),
    "UPDATED_AT": lambda o: (o.created_at, o.id),
    "ORDER_NUMBER": lambda o: o.number,
    "TOTAL_PRICE": lambda o: (o.total, o.id),
    "CUSTOMER_NAME": lambda o: (o.customer_name.lower(), o.id),
    "FINANCIAL_STATUS": lambda o: (o.financial, o.id),
    "FULFILLMENT_STATUS": lambda o: (o.fulfillment, o.id),
}

# graphql-core's wording -> Shopify's (graphql-ruby) for the two mistakes clients make most.
_UNDEFINED_FIELD_RE = re.compile(r"^Cannot query field '(\w+)' on type '(\w+)'\.")
_UNKNOWN_ARG_RE = re.compile(r"^Unknown argument '(\w+)' on field '(\w+)\.(\w+)'\.")


def _shopify_error(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    message = error.message
    if match := _UNDEFINED_FIELD_RE.match(message):
        name, type_name = match.groups()
        formatted["message"] = f"Field '{name}' doesn't exist on type '{type_name}'"
        formatted["extensions"] = {
            "code": "undefinedField",
            "typeName": type_name,
            "fieldName": name,
        }
    elif match := _UNKNOWN_ARG_RE.match(message):
        argument, _type_name, name = match.groups()
        formatted["message"] = f"Field '{name}' doesn't accept argument '{argument}'"
        formatted["extensions"] = {
            "code": "argumentNotAccepted",
            "name": name,
            "typeName": "Field",
            "argumentName": argument,
        }
    return formatted


# --- seed catalogue -----------------------------------------------------------------------

_CATALOGUE_IDR: list[tuple[str, Decimal, str]] = [
    ("Kemeja Batik Pria Lengan Panjang - Parang Biru / L", Decimal(189000), "BTK-PRG-L"),
    ("Hijab Segi Empat Voal Premium - Dusty Pink", Decimal(65000), "HJB-VOAL-DP"),
    ("Kopi Arabika Gayo 250 g", Decimal(98000), "KOPI-GAYO-250"),
    ("Sambal Roa Khas Manado 200 g", Decimal(45000), "SMB-ROA-200"),
    ("Tas Rotan Bulat Bali - Natural", Decimal(175000), "TAS-ROTAN-NAT"),
    ("Sarung Tenun Samarinda - Merah Marun", Decimal(235000), "SRG-SMD-MRN"),
    ("Madu Hutan Sumbawa 500 ml", Decimal(120000), "MADU-SBW-500"),
    ("Kaos Polos Cotton Combed 30s - Hitam / M", Decimal(55000), "KAOS-30S-HTM-M"),
]
_CATALOGUE_USD: list[tuple[str, Decimal, str]] = [
    ("Batik Shirt Long Sleeve - Parang Blue / L", Decimal("24.90"), "BTK-PRG-L"),
    ("Voile Square Hijab - Dusty Pink", Decimal("8.90"), "HJB-VOAL-DP"),
    ("Gayo Arabica Coffee 250 g", Decimal("12.50"), "KOPI-GAYO-250"),
    ("Bali Round Rattan Bag - Natural", Decimal("29.00"), "TAS-ROTAN-NAT"),
    ("Sumbawa Forest Honey 500 ml", Decimal("15.75"), "MADU-SBW-500"),
]
_SHIP_IDR = (Decimal(9000), Decimal(15000), Decimal(22000))
_SHIP_USD = (Decimal("4.99"), Decimal("9.95"))

_RECENT_STATES = (
    ("PAID", "FULFILLED"),
    ("PAID", "UNFULFILLED"),
    ("PAID", "PARTIALLY_FULFILLED"),
    ("PENDING", "UNFULFILLED"),
)
_OLDER_STATES = (
    ("PAID", "FULFILLED"),
    ("PAID", "FULFILLED"),
    ("REFUNDED", "FULFILLED"),
    ("PARTIALLY_REFUNDED", "FULFILLED"),
)


def _digits(count: int) -> Callable[[random.Random], str]:
    return lambda rng: "".join(rng.choice("0123456789") for _ in range(count))


_CARRIERS_ID: list[tuple[str, str, Callable[[random.Random], str]]] = [
    ("JNE", "https://www.jne.co.id/tracking-package?awb={}", _digits(16)),
    ("SiCepat", "https://www.sicepat.com/checkAwb?awb={}", lambda rng: "00" + _digits(10)(rng)),
    ("J&T Express", "https://jet.co.id/track?awb={}", lambda rng: "JP" + _digits(10)(rng)),
]
_CARRIERS_INTL: list[tuple[str, str, Callable[[random.Random], str]]] = [
    (
        "USPS",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
        lambda rng: "9400" + _digits(18)(rng),
    ),
    ("DHL Express", "https://www.dhl.com/en/express/tracking.html?AWB={}", _digits(10)),
]
_ADDRESSES_ID = [
    {"address1": "Jl. Kemang Raya No. 12", "city": "Jakarta Selatan", "zip": "12730",
     "province": "DKI Jakarta", "country": "Indonesia", "countryCodeV2": "ID"},
    {"address1": "Jl. Dago No. 88", "city": "Bandung", "zip": "40135",
     "province": "Jawa Barat", "country": "Indonesia", "countryCodeV2": "ID"},
    {"address1": "Jl. Malioboro No. 5", "city": "Yogyakarta", "zip": "55271",
     "province": "DI Yogyakarta", "country": "Indonesia", "countryCodeV2": "ID"},
]  # fmt: skip
_ADDRESSES_INTL = [
    {"address1": "221 Pine Street", "city": "Seattle", "zip": "98101",
     "province": "Washington", "country": "United States", "countryCodeV2": "US"},
    {"address1": "12 Orchard Road", "city": "Singapore", "zip": "238826",
     "province": "", "country": "Singapore", "countryCodeV2": "SG"},
]  # fmt: skip

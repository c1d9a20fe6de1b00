"""Rule conditions: the views' query language plus the fields only a rule sees.

One language for views and rules (issue 14): a condition is parsed by ``domain.query``'s
own parser, given a ``QueryExtension`` with the rule-only fields. The views' parser was
EXTENDED rather than wrapped: its lexer decides word by word what is a field (a URL or
"10:30" stays text), so a wrapper would have had to re-lex the condition itself, twice the
rules and two sets of column numbers. The extension hook is off for views (they parse
exactly as before; every query test still passes) and, for a rule, lets a field be dotted
(``order.status:``) and compare (``order.total>50``, ``order.age<2d``). Its terms come out
as ordinary ``Term`` leaves carrying their ``op``, so the tree is the views' own AST:

- a ``Term`` whose field is in ``RULE_FIELDS`` is a fact of the event (``fact_value`` gives
  its value typed: text, Decimal, int or timedelta);
- every other leaf (``Term``, ``DateRange``, ``SlaFilter``, ``MatchAll``) means what it
  means in a view, about the event's ticket;
- ``And``/``Or``/``Not`` combine them.

``leaves`` lists the terms in reading order with their text, for ``rules explain``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from deskterm.domain.enums import ChannelType
from deskterm.domain.orders import STATUSES
from deskterm.domain.query import describe, parse_query
from deskterm.domain.query_ast import And, DateRange, MatchAll, Node, Not, Or, SlaFilter, Term
from deskterm.domain.sla import format_duration, parse_duration

# Who wrote the message that triggered the event: the customer, an agent, or a rule.
MESSAGE_FROM = ("customer", "agent", "rule")
HOURS = ("inside", "outside")
# Lower snake case, as the order model stores them (commerce.types): Shopify's display
# statuses and the marketplaces' mapped ones.
FULFILLMENTS = (
    "fulfilled",
    "in_progress",
    "on_hold",
    "open",
    "partial",
    "partially_fulfilled",
    "pending_fulfillment",
    "restocked",
    "scheduled",
    "unfulfilled",
)
# Whether the message is automatic mail: RFC 3834 Auto-Submitted, list or bulk mail, a
# delivery report, or a bounce/no-reply sender (what keeps rules from answering it).
MESSAGE_AUTO = ("yes", "no")
_CHOICES: dict[str, tuple[str, ...]] = {
    "message.from": MESSAGE_FROM,
    "message.auto": MESSAGE_AUTO,
    "message.channel_type": tuple(str(kind) for kind in ChannelType),
    "hours": HOURS,
    "order.status": STATUSES,
    "order.fulfillment": FULFILLMENTS,
}
_TEXT = frozenset({"message.body", "customer.tag"})
_AMOUNT = frozenset({"order.total", "customer.spent"})
_COUNT = frozenset({"customer.orders"})
_AGE = frozenset({"order.age"})
_COMPARED = _AMOUNT | _COUNT | _AGE
RULE_FIELDS = frozenset(_CHOICES) | _TEXT | _COMPARED
CUSTOMER_ORDER_FIELDS = frozenset({"customer.orders", "customer.spent"})
"""Customer facts read from their cached orders."""

_COMPARISONS = ("<", "<=", ">", ">=", "=")
_TAG = re.compile(r"[^\s\"(),]+")
MAX_AMOUNT = Decimal("1e15")
MAX_COUNT = 1_000_000
MAX_AGE = timedelta(days=3660)


class RuleFields:
    """The ``QueryExtension`` of rule conditions: checks each rule-only term as it is read."""

    @property
    def fields(self) -> frozenset[str]:
        """Every rule-only field."""
        return RULE_FIELDS

    def term(self, field: str, op: str, value: str, *, quoted: bool, position: int) -> Term:
        """The checked leaf, its value normalised (lower case, canonical number or span)."""
        if field in _COMPARED:
            return self._compared(field, op, value.strip(), position)
        if op != ":":
            raise ValueError(f"compare with ':' ({field}:VALUE), not '{op}'")
        text = value.strip()
        if not text:
            raise ValueError("needs a value")
        choices = _CHOICES.get(field)
        if choices is not None:
            lowered = text.lower()
            if lowered not in choices:
                raise ValueError(_not_one_of(text, choices))
            return Term(field, lowered, position=position)
        if field == "customer.tag" and not _TAG.fullmatch(text):
            raise ValueError(f"a tag is one word, not {text!r}")
        # message.body keeps its case for display; matching is the engine's (case-insensitive).
        return Term(
            field,
            text if field == "message.body" else text.lower(),
            phrase=quoted,
            position=position,
        )

    def _compared(self, field: str, op: str, value: str, position: int) -> Term:
        op = "=" if op == ":" else op
        if op not in _COMPARISONS:
            raise ValueError(f"compare with <, <=, >, >= or =, not '{op}'")
        if field in _AMOUNT:
            return Term(field, str(_amount(value)), position=position, op=op)
        if field in _COUNT:
            return Term(field, str(_count(value)), position=position, op=op)
        return Term(field, format_duration(_age(value)), position=position, op=op)


def _not_one_of(value: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value.lower(), choices, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"'{value}' is not one of {', '.join(choices)}{hint}"


def _amount(text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"expected an amount such as 50 or 19.99, not {text!r}") from None
    if not amount.is_finite() or not 0 <= amount < MAX_AMOUNT:
        raise ValueError(f"expected an amount from 0 to {MAX_AMOUNT:,.0f}, not {text!r}")
    return amount.normalize() if amount != amount.to_integral() else amount.quantize(Decimal(1))


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise ValueError(f"expected a whole number such as 3, not {text!r}")
    count = int(text)
    if count > MAX_COUNT:
        raise ValueError(f"expected a number up to {MAX_COUNT:,}, not {text!r}")
    return count


def _age(text: str) -> timedelta:
    try:
        span = parse_duration(text)
    except (ValueError, OverflowError):
        raise ValueError(
            f"expected a duration such as 30m, 4h, 2d or 1w (m is minutes), not {text!r}"
        ) from None
    if span <= timedelta(0) or span > MAX_AGE:
        raise ValueError(f"expected a duration from 1m to {MAX_AGE.days}d, not {text!r}")
    return span


RULE_EXTENSION = RuleFields()


def parse_condition(text: str) -> Node:
    """The tree of a rule's ``if``; QueryError (with the column) for the first fault."""
    return parse_query(text, extension=RULE_EXTENSION)


def is_fact(node: Node) -> bool:
    """Whether ``node`` is a rule-only term (a fact of the event, not of the ticket)."""
    return isinstance(node, Term) and node.field in RULE_FIELDS


def fact_value(term: Term) -> str | Decimal | int | timedelta:
    """A rule-only term's value typed for comparing: Decimal for order.total and
    customer.spent, int for
    customer.orders, timedelta for order.age, else the (lower-cased) text."""
    if term.field in _AMOUNT:
        return Decimal(term.value)
    if term.field in _COUNT:
        return int(term.value)
    if term.field in _AGE:
        return parse_duration(term.value)
    return term.value


def term_text(node: Node) -> str:
    """One leaf as written canonically (``order.total>50``, ``tag:vip``, ``date:…``)."""
    if isinstance(node, Term) and node.field in RULE_FIELDS:
        value = node.value
        if node.phrase or not _TAG.fullmatch(value):
            value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{node.field}{node.op}{value}"
    return describe(node)


@dataclass(frozen=True, slots=True)
class Leaf:
    """One term of a condition, for explaining: its node and its canonical text."""

    node: Term | DateRange | SlaFilter | MatchAll
    text: str


def leaves(node: Node) -> list[Leaf]:
    """Every term of ``node`` in reading order (what ``rules explain`` evaluates one by one)."""
    if isinstance(node, Not):
        return leaves(node.operand)
    if isinstance(node, And | Or):
        return [leaf for child in node.operands for leaf in leaves(child)]
    return [Leaf(node, term_text(node))]

"""Evaluating a rule's condition for one event: the event's facts, then the ticket's terms.

A condition is the views' tree (conditions.py). Its rule-only terms are facts of the
event (who wrote the message, its words, business hours, the customer's last order) and
are judged here in Python; every other leaf is about the event's ticket and is judged by
the views' own SQL compiler (store/query_sql.py), restricted to that one ticket, so a
condition means in a rule exactly what it means in a view (the spam and merged guards
included: a rule sees a spam ticket only when its condition names ``is:spam``).

``evaluate`` returns the verdict and every leaf's value (``rules explain``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from deskterm.automation.rules.conditions import fact_value, is_fact, leaves, parse_condition
from deskterm.domain.business_hours import BusinessHours, is_open
from deskterm.domain.machine_mail import machine_sender
from deskterm.domain.query_ast import And, MatchAll, Node, Not, Or, Term
from deskterm.domain.sla import SlaTargets
from deskterm.domain.timefmt import iso_moment
from deskterm.store.customer_reader import last_orders
from deskterm.store.query_sql import QueryCompiler
from deskterm.store.readdb import ReadDb

_TRUE: Node = MatchAll()
_FALSE: Node = Not(MatchAll())


@dataclass(frozen=True, slots=True)
class Facts:
    """What only a rule sees about one event (``conditions.RULE_FIELDS``).

    ``message_from`` is None when the event has no message (ticket.updated, ...): then
    every ``message.*`` term is false. ``hours`` is None without ``[business_hours]``.
    """

    ticket_id: int
    at: datetime  # when the event happened (business hours are judged then)
    channel_type: str
    message_id: int | None = None
    message_from: str | None = None  # customer | agent | rule | system
    message_body: str = ""
    # message_body.casefold(), once per event rather than once per term that reads it
    body_folded: str = field(init=False, default="")
    message_auto: bool = False  # automatic mail (conditions.MESSAGE_AUTO)
    hours: str | None = None  # inside | outside
    order: Mapping[str, Any] | None = None  # the customer's newest order (order_json shape)
    order_count: int = 0
    spent: Decimal = Decimal(0)  # in the currency the customer spent most in (customer.spent)
    customer_tags: frozenset[str] = frozenset()
    customer_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "body_folded", self.message_body.casefold())


@dataclass(frozen=True, slots=True)
class LeafValue:
    """One term of the condition as written, and what it evaluated to."""

    text: str
    value: bool
    fact: bool  # a rule-only fact (judged in Python) or a ticket term (judged by SQL)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The verdict on one event, and (when asked for) each leaf's value."""

    matched: bool
    leaves: list[LeafValue] = field(default_factory=list)


def hours_word(at: datetime, hours: BusinessHours | None) -> str | None:
    """``inside`` or ``outside`` the business hours at ``at``; None without any."""
    if hours is None:
        return None
    return "inside" if is_open(at, hours) else "outside"


def gather_facts(
    db: ReadDb,
    ticket_id: int,
    *,
    at: datetime,
    message_id: int | None = None,
    message_from: str | None = None,
    hours: BusinessHours | None = None,
) -> Facts | None:
    """The facts of an event on ``ticket_id`` (None when the ticket is gone)."""
    rows = db.all(
        "SELECT c.type, t.customer_id FROM ticket t JOIN channel c ON c.id = t.channel_id"
        " WHERE t.id = :t",
        {"t": ticket_id},
    )
    if not rows:
        return None
    channel_type, customer_id = str(rows[0][0]), rows[0][1]
    body, auto = "", False
    if message_id is not None:
        found = db.all(
            "SELECT body_text, body_html_text, auto_submitted, author_handle FROM message"
            " WHERE id = :m",
            {"m": message_id},
        )
        if found:
            body = str(found[0][0] or found[0][1] or "")
            auto = is_auto(found[0][2], found[0][3])
    order: dict[str, Any] | None = None
    count, spent = 0, Decimal(0)
    tags: frozenset[str] = frozenset()
    if customer_id is not None:
        glance = last_orders(db, [int(customer_id)])[int(customer_id)]
        order, count, spent = glance.newest, glance.count, glance.spent
        tags = frozenset(
            str(row[0])
            for row in db.all(
                "SELECT DISTINCT g.name FROM tag g JOIN tickettag tt ON tt.tag_id = g.id"
                " JOIN ticket t ON t.id = tt.ticket_id WHERE t.customer_id = :c",
                {"c": int(customer_id)},
            )
        )
    return Facts(
        ticket_id=ticket_id,
        at=at,
        channel_type=channel_type,
        message_id=message_id,
        message_from=message_from,
        message_body=body,
        message_auto=auto,
        hours=hours_word(at, hours),
        order=order,
        order_count=count,
        spent=spent,
        customer_tags=tags,
        customer_id=None if customer_id is None else int(customer_id),
    )


def is_auto(auto_submitted: object, author_handle: object) -> bool:
    """``message.auto:yes``: ingest found it automatic (auto_submitted), or a machine sent it."""
    return bool(auto_submitted) or machine_sender(str(author_handle or ""))


def fact_holds(term: Term, facts: Facts, now: datetime) -> bool:
    """Whether the rule-only ``term`` holds for ``facts``."""
    name = term.field
    if name == "message.from":
        return facts.message_from == term.value
    if name == "message.body":
        return facts.message_from is not None and term.value.casefold() in facts.body_folded
    if name == "message.auto":
        return facts.message_from is not None and facts.message_auto == (term.value == "yes")
    if name == "message.channel_type":
        return facts.channel_type == term.value
    if name == "hours":
        # Without [business_hours] the shop is never "outside" (README: Rules).
        return (facts.hours or "inside") == term.value
    if name == "customer.orders":
        return _compare(facts.order_count, term.op, fact_value(term))
    if name == "customer.spent":
        return _compare(facts.spent, term.op, fact_value(term))
    if name == "customer.tag":
        return term.value in facts.customer_tags
    order = facts.order
    if order is None:
        return False
    if name == "order.status":
        return str(order.get("status") or "") == term.value
    if name == "order.fulfillment":
        return _snake(str(order.get("fulfillment_status") or "")) == term.value
    if name == "order.total":
        total = _decimal(order.get("total"))
        return total is not None and _compare(total, term.op, fact_value(term))
    if name == "order.age":
        placed = iso_moment(order.get("created_at"))
        return placed is not None and _compare(now - placed, term.op, fact_value(term))
    return False


def _snake(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    return bool(left == right)


def _substitute(node: Node, facts: Facts, now: datetime) -> Node:
    """``node`` with every fact replaced by a constant (MatchAll or its negation)."""
    if is_fact(node):
        assert isinstance(node, Term)
        return _TRUE if fact_holds(node, facts, now) else _FALSE
    if isinstance(node, Not):
        return Not(_substitute(node.operand, facts, now))
    if isinstance(node, And):
        return And(tuple(_substitute(child, facts, now) for child in node.operands))
    if isinstance(node, Or):
        return Or(tuple(_substitute(child, facts, now) for child in node.operands))
    return node


def _ticket_matches(
    db: ReadDb,
    node: Node,
    ticket_id: int,
    *,
    sla_targets: Mapping[str, SlaTargets] | None,
    me_agent_id: int | None,
    now: datetime,
    exclude_spam: bool = True,
) -> bool:
    where = QueryCompiler(
        db.dialect, me_agent_id=me_agent_id, sla_targets=sla_targets, now=now
    ).compile(node, exclude_spam=exclude_spam)
    params = dict(where.params, _rule_ticket=ticket_id)
    rows = db.all(
        f"SELECT 1 FROM ticket t WHERE t.id = :_rule_ticket AND {where.sql} LIMIT 1", params
    )
    return bool(rows)


def evaluate(
    db: ReadDb,
    condition: str | Node,
    facts: Facts,
    *,
    now: datetime | None = None,
    sla_targets: Mapping[str, SlaTargets] | None = None,
    me_agent_id: int | None = None,
    explain: bool = False,
) -> Evaluation:
    """Whether ``condition`` holds for the event of ``facts``; with ``explain``, the value
    of every leaf too (each ticket term judged on its own, spam or not)."""
    node = parse_condition(condition) if isinstance(condition, str) else condition
    moment = now or datetime.now(UTC)
    matched = _ticket_matches(
        db,
        _substitute(node, facts, moment),
        facts.ticket_id,
        sla_targets=sla_targets,
        me_agent_id=me_agent_id,
        now=moment,
    )
    if not explain:
        return Evaluation(matched)
    values: list[LeafValue] = []
    for leaf in leaves(node):
        if is_fact(leaf.node):
            assert isinstance(leaf.node, Term)
            values.append(LeafValue(leaf.text, fact_holds(leaf.node, facts, moment), True))
            continue
        holds = _ticket_matches(
            db,
            leaf.node,
            facts.ticket_id,
            sla_targets=sla_targets,
            me_agent_id=me_agent_id,
            now=moment,
            exclude_spam=False,
        )
        values.append(LeafValue(leaf.text, holds, False))
    return Evaluation(matched, values)

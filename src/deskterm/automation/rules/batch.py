"""Judging many events against many rules at once: facts read in bulk, one SQL per shape.

``evaluate`` judges one rule on one event: a handful of queries for the facts, then one
query for the ticket's terms. A sync pass that stored 20,000 messages with 100 rules on
would run millions of such queries (issue 14: ingest may slow down by 15% at most), and
``rules test`` over 100k tickets more. Here the same verdicts come from:

- the facts of every event of a batch, read with a few queries for the whole batch, and
  only the facts some rule names (no order lookup when no rule asks about orders);
- per rule, the events grouped by what its facts evaluate to (most groups fold to a
  constant: ``message.from:agent AND …`` on a customer's message is false without SQL);
- per remaining group, ONE query over the views' SQL for all of the group's tickets.

The verdicts equal ``evaluate``'s (a test compares them); the engine still re-checks a
matching rule inside the write transaction where it acts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from deskterm.automation.rules.conditions import CUSTOMER_ORDER_FIELDS, is_fact, leaves
from deskterm.automation.rules.evaluate import Facts, fact_holds, hours_word, is_auto
from deskterm.domain.business_hours import BusinessHours
from deskterm.domain.query_ast import And, MatchAll, Node, Not, Or, Term
from deskterm.domain.sla import SlaTargets
from deskterm.store.customer_reader import last_orders
from deskterm.store.query_sql import QueryCompiler, mentions_spam
from deskterm.store.readdb import ReadDb, db_moment
from deskterm.store.sql_in import in_query

WHOLE_STORE_FROM = 5_000  # a group this large is judged over all tickets, then intersected

_FROM = {"in": "customer", "out": "agent", "system": "system"}


# Actors whose changes no rule answers: the rules themselves, and the satisfaction survey
# (sent on its own schedule; a rule replying to it would be a loop with the customer).
AUTOMATED = ("rule:", "survey:")


def automated(actor: str) -> bool:
    """True for a change made by a rule or by the survey, not by a person or the sync."""
    return actor.startswith(AUTOMATED)


def message_from(
    kind: str, actor: str, direction: str | None, auto_submitted: bool | None
) -> str | None:
    """Who wrote the event's message (``message.from:``): customer, agent, rule or system."""
    if kind == "reply.queued":
        return "rule" if automated(actor) else "agent"
    if direction is None:
        return None
    if direction == "out" and auto_submitted:
        return "rule"
    return _FROM.get(direction)


@dataclass(frozen=True, slots=True)
class EventRef:
    """What the batch needs to know of one logged event."""

    id: int
    ticket_id: int
    kind: str
    actor: str
    created_at: datetime
    message_id: int | None


def message_id_of(data: Any) -> int | None:
    """The ``message_id`` an event's data names (stored JSON: text on SQLite)."""
    if isinstance(data, str | bytes):
        data = json.loads(data)
    value = data.get("message_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


def event_ref(row: Sequence[Any], default_time: datetime) -> EventRef:
    """An EventRef from ``SELECT id, ticket_id, kind, actor, created_at, data FROM event``."""
    event_id, ticket_id, kind, actor, created_at, data = row
    return EventRef(
        int(event_id),
        int(ticket_id),
        str(kind),
        str(actor),
        db_moment(created_at) or default_time,
        message_id_of(data),
    )


def _rows_by_id(db: ReadDb, sql: str, ids: Collection[int]) -> list[Sequence[Any]]:
    return in_query(db, sql, sorted(set(ids)))


def gather_batch(
    db: ReadDb,
    events: Sequence[EventRef],
    fields: frozenset[str],
    hours: BusinessHours | None,
) -> dict[int, Facts]:
    """The facts of every event (by event id) whose ticket still exists, in bulk."""
    tickets = {
        int(row[0]): (str(row[1]), row[2])
        for row in _rows_by_id(
            db,
            "SELECT t.id, c.type, t.customer_id FROM ticket t"
            " JOIN channel c ON c.id = t.channel_id WHERE t.id IN ({ids})",
            [e.ticket_id for e in events],
        )
    }
    body_wanted = "message.body" in fields
    messages = {
        int(row[0]): row
        for row in _rows_by_id(
            db,
            "SELECT id, direction, auto_submitted, sent_at, author_handle"
            + (", body_text, body_html_text" if body_wanted else "")
            + " FROM message WHERE id IN ({ids})",
            [e.message_id for e in events if e.message_id is not None],
        )
    }
    customers = {int(c) for _, c in tickets.values() if c is not None}
    orders_wanted = any(f.startswith("order.") or f in CUSTOMER_ORDER_FIELDS for f in fields)
    orders = last_orders(db, customers) if orders_wanted and customers else {}
    tags: dict[int, set[str]] = defaultdict(set)
    if "customer.tag" in fields and customers:
        for customer, name in _rows_by_id(
            db,
            "SELECT DISTINCT t.customer_id, g.name FROM tag g"
            " JOIN tickettag tt ON tt.tag_id = g.id JOIN ticket t ON t.id = tt.ticket_id"
            " WHERE t.customer_id IN ({ids})",
            customers,
        ):
            tags[int(customer)].add(str(name))
    facts: dict[int, Facts] = {}
    for event in events:
        found = tickets.get(event.ticket_id)
        if found is None:
            continue
        channel_type, customer = found
        row = messages.get(event.message_id) if event.message_id is not None else None
        body = str(row[5] or row[6] or "") if row is not None and body_wanted else ""
        moment = db_moment(row[3]) if row is not None else None
        at = moment or event.created_at
        glance = orders.get(int(customer)) if customer is not None else None
        facts[event.id] = Facts(
            ticket_id=event.ticket_id,
            at=at,
            channel_type=channel_type,
            message_id=event.message_id if row is not None else None,
            message_from=message_from(
                event.kind,
                event.actor,
                str(row[1]) if row is not None else None,
                bool(row[2]) if row is not None else None,
            ),
            message_body=body,
            message_auto=row is not None and is_auto(row[2], row[4]),
            hours=hours_word(at, hours),
            order=glance.newest if glance else None,
            order_count=glance.count if glance else 0,
            spent=glance.spent if glance else Decimal(0),
            customer_id=None if customer is None else int(customer),
            customer_tags=frozenset(tags.get(int(customer), ()))
            if customer is not None
            else frozenset(),
        )
    return facts


# -- folding the facts into constants -------------------------------------------------------


def tickets_matching(
    db: ReadDb,
    node: Node,
    ticket_ids: Collection[int] | None,
    *,
    now: datetime,
    sla_targets: Mapping[str, SlaTargets] | None,
    exclude_spam: bool = True,
) -> set[int]:
    """Which of ``ticket_ids`` (None: every ticket) the ticket terms ``node`` hold for, as
    the views say."""
    compiler = QueryCompiler(db.dialect, sla_targets=sla_targets, now=now)
    where = compiler.compile(node, exclude_spam=exclude_spam)
    if ticket_ids is None or len(ticket_ids) >= WHOLE_STORE_FROM:
        # One pass over the store beats many passes over its subqueries (full text, tags).
        rows = db.all(f"SELECT t.id FROM ticket t WHERE {where.sql}", dict(where.params))
        every = {int(row[0]) for row in rows}
        return every if ticket_ids is None else every & set(ticket_ids)
    rows = in_query(
        db,
        # Braces of the compiled SQL (none today) must not read as the ids' place.
        "SELECT t.id FROM ticket t WHERE t.id IN ({ids}) AND "
        + where.sql.replace("{", "{{").replace("}", "}}"),
        sorted(set(ticket_ids)),
        dict(where.params),
    )
    return {int(row[0]) for row in rows}


class Judge:
    """Verdicts of several rules on many events, with as little work per pair as can be.

    Each distinct fact term (``message.from:customer`` …) is judged once per event; an
    event's values of all of them (its *vector*) decide, per rule, the folded condition,
    computed once per (rule, vector); the ticket terms left are judged with one query per
    (rule, folded condition): over the given tickets, or with ``whole_store`` (``rules
    test`` over months) once over the whole store and kept for the rest of the replay.
    """

    def __init__(
        self,
        db: ReadDb,
        trees: Sequence[Node],
        *,
        now: datetime,
        sla_targets: Mapping[str, SlaTargets] | None,
        whole_store: bool = False,
    ) -> None:
        self.db, self.trees, self.now = db, list(trees), now
        self.sla_targets, self.whole_store = sla_targets, whole_store
        terms: dict[Term, int] = {}
        for tree in self.trees:
            for leaf in leaves(tree):
                if is_fact(leaf.node) and isinstance(leaf.node, Term):
                    terms.setdefault(leaf.node, len(terms))
        self._terms = list(terms)
        self._exclude_spam = [not mentions_spam(tree) for tree in self.trees]
        self._vector_ids: dict[tuple[bool, ...], int] = {}
        self._vectors: list[tuple[bool, ...]] = []
        self._folded: dict[tuple[int, int], Node | bool] = {}
        self._stored: dict[tuple[int, Node], set[int]] = {}  # whole_store: kept answers

    def reading(self, db: ReadDb) -> Judge:
        """This judge, reading its next verdicts on ``db``: what it has folded and compiled
        stays (the rules engine keeps one judge for a whole batch, across read sessions)."""
        self.db = db
        return self

    @property
    def fields(self) -> frozenset[str]:
        """The rule-only fields the rules name (the facts worth reading)."""
        return frozenset(term.field for term in self._terms if term.field)

    def vector(self, facts: Facts) -> int:
        """The values of every fact term of the rules for one event, as a small number:
        events with the same values share it (most of a batch's events share a few)."""
        values = tuple(fact_holds(term, facts, self.now) for term in self._terms)
        found = self._vector_ids.get(values)
        if found is None:
            found = self._vector_ids[values] = len(self._vectors)
            self._vectors.append(values)
        return found

    @staticmethod
    def group(events: Iterable[tuple[int, int, int]]) -> dict[int, list[tuple[int, int]]]:
        """(event id, ticket id, vector) by vector: what ``matches`` takes."""
        grouped: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for event_id, ticket_id, vector in events:
            grouped[vector].append((event_id, ticket_id))
        return grouped

    def _fold(self, rule: int, vector: int) -> Node | bool:
        key = (rule, vector)
        folded = self._folded.get(key)
        if folded is None:
            values = dict(zip(self._terms, self._vectors[vector], strict=True))
            folded = self._folded[key] = _fold_known(self.trees[rule], values)
        return folded

    def matches(self, rule: int, grouped: Mapping[int, list[tuple[int, int]]]) -> set[int]:
        """Which of the ``grouped`` events (``group``) rule number ``rule`` matches.

        Per rule, the work is per vector, not per event, until a group's ticket terms
        are asked: a rule its facts rule out costs nothing per event."""
        groups: dict[Node, list[tuple[int, int]]] = defaultdict(list)
        for vector, members in grouped.items():
            folded = self._fold(rule, vector)
            if folded is False:
                continue
            # Still the views' guards when the facts settle it: no spam, no merged ticket.
            groups[MatchAll() if folded is True else folded].extend(members)
        matched: set[int] = set()
        for folded, members in groups.items():
            hits = self._tickets(rule, folded, {ticket for _, ticket in members})
            matched.update(event for event, ticket in members if ticket in hits)
        return matched

    def _tickets(self, rule: int, node: Node, tickets: set[int]) -> set[int]:
        exclude_spam = self._exclude_spam[rule]
        if not self.whole_store:
            return tickets_matching(
                self.db,
                node,
                tickets,
                now=self.now,
                sla_targets=self.sla_targets,
                exclude_spam=exclude_spam,
            )
        key = (rule, node)
        found = self._stored.get(key)
        if found is None:
            found = self._stored[key] = tickets_matching(
                self.db,
                node,
                None,
                now=self.now,
                sla_targets=self.sla_targets,
                exclude_spam=exclude_spam,
            )
        return found & tickets


def _fold_known(node: Node, values: Mapping[Term, bool]) -> Node | bool:
    """``fold`` with the facts' values given per term."""
    if is_fact(node):
        assert isinstance(node, Term)
        return values[node]
    if isinstance(node, Not):
        inner = _fold_known(node.operand, values)
        return (not inner) if isinstance(inner, bool) else Not(inner)
    if isinstance(node, And | Or):
        settles = isinstance(node, Or)  # True settles an OR, False an AND
        kept: list[Node] = []
        for child in node.operands:
            value = _fold_known(child, values)
            if isinstance(value, bool):
                if value is settles:
                    return settles
                continue  # the neutral constant drops out
            kept.append(value)
        if not kept:
            return not settles
        if len(kept) == 1:
            return kept[0]
        return And(tuple(kept)) if isinstance(node, And) else Or(tuple(kept))
    if isinstance(node, MatchAll):
        return True
    return node

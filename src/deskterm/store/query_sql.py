"""Compile a parsed query (domain.query_ast) into one SQL boolean expression over tickets.

The output is plain SQL text with named bind parameters so that the fast read path
(store.reader, plain DB-API) and SQLAlchemy sessions can both run it. Full-text terms use
SQLite FTS5; other dialects fall back to case-insensitive LIKE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from deskterm.domain.query_ast import And, DateRange, MatchAll, Node, Not, Or, SlaFilter, Term
from deskterm.domain.sla import SlaTargets

SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite

# Which FTS table and column (None: every column) a text field searches.
_MESSAGE_COLUMNS = {None: None, "from": "author_search", "to": "recipients", "body": "body_text"}
_LIKE_COLUMNS = {
    "from": ("m.author_search",),
    "to": ("m.recipients",),
    "body": ("m.body_text",),
    None: ("m.body_text", "m.author_search", "m.recipients"),
}


@dataclass
class SqlFragment:
    """A SQL boolean expression over ``ticket AS t`` and its bind parameters."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)


def datetime_param(moment: datetime, dialect: str) -> Any:
    """A datetime as the driver must receive it to compare with stored values."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).strftime(SQLITE_DATETIME) if dialect == "sqlite" else moment


def fts_phrase(value: str, *, prefix: bool = False) -> str:
    """``value`` as one FTS5 string token (quotes doubled), optionally a prefix query."""
    quoted = '"' + value.replace('"', '""') + '"'
    return quoted + ("*" if prefix else "")


def mentions_spam(node: Node) -> bool:
    """True when the query asks about spam itself (then spam is not excluded)."""
    if isinstance(node, Term):
        return node.field == "status" and node.value == "spam"
    if isinstance(node, Not):
        return mentions_spam(node.operand)
    if isinstance(node, And | Or):
        return any(mentions_spam(child) for child in node.operands)
    return False


class QueryCompiler:
    """Turns a query tree into SQL; one instance per compiled query."""

    def __init__(
        self,
        dialect: str,
        *,
        me_agent_id: int | None = None,
        sla_targets: Mapping[str, SlaTargets] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.dialect = dialect
        self.me_agent_id = me_agent_id
        # SLA targets live in the config, by channel name; the store only has the times.
        self.sla_targets = {name: t for name, t in (sla_targets or {}).items() if t}
        self.now = now if now is not None else datetime.now(UTC)
        self.params: dict[str, Any] = {}

    def compile(self, node: Node, *, exclude_spam: bool = True) -> SqlFragment:
        """The WHERE expression for ``node`` (merged tickets are always excluded)."""
        sql = self._node(node)
        guards = ["t.merged_into_id IS NULL"]
        if exclude_spam and not mentions_spam(node):
            guards.append(f"t.spam = {self._bind(False)}")
        return SqlFragment(" AND ".join([*guards, f"({sql})"]), self.params)

    def _bind(self, value: Any) -> str:
        name = f"q{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def _node(self, node: Node) -> str:
        if isinstance(node, MatchAll):
            return "1=1"
        if isinstance(node, Not):
            return f"NOT ({self._node(node.operand)})"
        if isinstance(node, And):
            return " AND ".join(f"({self._node(child)})" for child in node.operands)
        if isinstance(node, Or):
            return " OR ".join(f"({self._node(child)})" for child in node.operands)
        if isinstance(node, DateRange):
            return self._date(node)
        if isinstance(node, SlaFilter):
            return self._sla(node)
        return self._term(node)

    def _sla(self, node: SlaFilter) -> str:
        """Open tickets whose running clock is overdue (or due within ``node.within``).

        Both clocks start at the ticket's first customer message (``created_at``); the
        first-response clock runs until the first public, not auto-submitted, reply
        (as ``reader.first_replies``). "created_at + span < now" is written as
        "created_at < now - span" so that it needs no date arithmetic in SQL.
        """
        unanswered = (
            "NOT EXISTS (SELECT 1 FROM message m WHERE m.ticket_id = t.id"
            f" AND m.direction = {self._bind('out')} AND m.auto_submitted = {self._bind(False)})"
        )
        per_channel = []
        for name, targets in sorted(self.sla_targets.items()):
            clocks = []
            if targets.first_response is not None:
                clocks.append(f"{unanswered} AND {self._due(targets.first_response, node)}")
            if targets.resolution is not None:
                clocks.append(self._due(targets.resolution, node))
            channel = (
                f"t.channel_id IN (SELECT c.id FROM channel c WHERE c.name = {self._bind(name)})"
            )
            per_channel.append(f"({channel} AND ({' OR '.join(f'({c})' for c in clocks)}))")
        if not per_channel:
            return "1=0"  # no channel has targets: nothing can be due or breached
        return f"t.status = {self._bind('open')} AND ({' OR '.join(per_channel)})"

    def _due(self, span: timedelta, node: SlaFilter) -> str:
        """``created_at + span`` is past (breached) or within ``[now, now + within)``."""
        due_by = self._bind(datetime_param(self.now - span, self.dialect))
        if node.within is None:
            return f"t.created_at < {due_by}"
        until = self._bind(datetime_param(self.now - span + node.within, self.dialect))
        return f"t.created_at >= {due_by} AND t.created_at < {until}"

    def _date(self, node: DateRange) -> str:
        bounds = []
        if node.start is not None:
            bounds.append(f"m.sent_at >= {self._bind(datetime_param(node.start, self.dialect))}")
        if node.end is not None:
            bounds.append(f"m.sent_at < {self._bind(datetime_param(node.end, self.dialect))}")
        if not bounds:
            return "1=1"
        return f"t.id IN (SELECT m.ticket_id FROM message m WHERE {' AND '.join(bounds)})"

    def _term(self, term: Term) -> str:
        if term.field in (None, "from", "to", "body", "subject"):
            return self._text(term)
        value = term.value
        match term.field:
            case "tag":
                return (
                    "t.id IN (SELECT tt.ticket_id FROM tickettag tt JOIN tag g ON g.id = tt.tag_id"
                    f" WHERE g.name = {self._bind(value)})"
                )
            case "status":
                return self._status(value)
            case "channel":
                return (
                    "t.channel_id IN (SELECT c.id FROM channel c"
                    f" WHERE lower(c.name) = {self._bind(value)})"
                )
            case "assignee":
                return self._assignee(value)
            case "intent":
                exact, family = self._bind(value), self._bind(_like_escape(value) + "/%")
                return f"(lower(t.intent) = {exact} OR lower(t.intent) LIKE {family} ESCAPE '\\')"
            case "sentiment":
                pattern = self._bind("% " + _like_escape(value) + " %")
                return f"(' ' || lower(t.sentiments) || ' ') LIKE {pattern} ESCAPE '\\'"
            case "language":
                return f"lower(t.language) = {self._bind(value)}"
            case "store":
                return f"lower(t.store) = {self._bind(value)}"
            case "priority":
                return f"t.priority = {self._bind(value)}"
            case "id":
                return f"t.id = {self._bind(int(value))}"
            case "customer":
                return self._customer(value)
            case "has":
                return (
                    "EXISTS (SELECT 1 FROM message m WHERE m.ticket_id = t.id"
                    f" AND m.has_attachments = {self._bind(True)})"
                )
        raise ValueError(f"no SQL for field {term.field!r}")  # the parser rejects these first

    def _status(self, value: str) -> str:
        if value == "spam":
            return f"t.spam = {self._bind(True)}"
        # Snoozed is stored as closed with a wake-up time; it is shown as "snoozed" and
        # status:closed means what the word "closed" shows for: closed, not snoozed.
        if value == "snoozed":
            return f"(t.status = {self._bind('closed')} AND t.snoozed_until IS NOT NULL)"
        if value == "closed":
            return f"(t.status = {self._bind('closed')} AND t.snoozed_until IS NULL)"
        return f"t.status = {self._bind(value)}"

    def _assignee(self, value: str) -> str:
        if value == "none":
            return "t.assignee_id IS NULL"
        if value == "me":
            if self.me_agent_id is None:
                return "1=0"  # no local agent yet: nothing is assigned to "me"
            return f"t.assignee_id = {self._bind(self.me_agent_id)}"
        bound = self._bind(value)
        return (
            "t.assignee_id IN (SELECT a.id FROM agent a"
            f" WHERE lower(a.email) = {bound} OR lower(a.name) = {bound})"
        )

    def _customer(self, value: str) -> str:
        exact = self._bind(value)
        like = self._bind("%" + _like_escape(value) + "%")
        return (
            "t.customer_id IN (SELECT i.customer_id FROM customeridentity i"
            f" WHERE i.value = {exact}"
            f" UNION SELECT c.id FROM customer c WHERE lower(c.name) LIKE {like} ESCAPE '\\')"
        )

    def _text(self, term: Term) -> str:
        if self.dialect == "sqlite":
            return self._fts(term)
        return self._like(term)

    def _fts(self, term: Term) -> str:
        phrase = fts_phrase(term.value, prefix=term.prefix)
        if term.field == "subject":
            match = self._bind("subject : " + phrase)
            return f"t.id IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH {match})"
        column = _MESSAGE_COLUMNS[term.field]
        query = phrase if column is None else f"{column} : {phrase}"
        in_messages = (
            "SELECT m.ticket_id FROM message m WHERE m.id IN"
            f" (SELECT rowid FROM message_fts WHERE message_fts MATCH {self._bind(query)})"
        )
        if term.field is not None:
            return f"t.id IN ({in_messages})"
        # One list of ticket ids for both tables: "IN (a) OR IN (b)" built two lists and
        # looked every ticket up twice (~5 ms of a frequent word at 100k tickets).
        in_ticket = f"SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH {self._bind(phrase)}"
        return f"t.id IN ({in_messages} UNION {in_ticket})"

    def _like(self, term: Term) -> str:
        pattern = self._bind("%" + _like_escape(term.value.lower()) + "%")
        if term.field == "subject":
            return f"lower(t.subject) LIKE {pattern} ESCAPE '\\'"
        columns = _LIKE_COLUMNS[term.field]
        tests = " OR ".join(f"lower({column}) LIKE {pattern} ESCAPE '\\'" for column in columns)
        in_messages = f"t.id IN (SELECT m.ticket_id FROM message m WHERE {tests})"
        if term.field is not None:
            return in_messages
        return f"({in_messages} OR lower(t.subject) LIKE {pattern} ESCAPE '\\')"


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# What SQLite and PostgreSQL say when a query is beyond their limits. The parser's caps
# (domain.query MAX_TERMS, MAX_QUERY_LENGTH) keep typed queries well below them; this
# recognises whatever still gets through, so that it is reported as the user's query being
# too complex (a usage error), not as a broken store.
_LIMIT_MESSAGES = (
    "expression tree is too large",
    "too many sql variables",
    "parser stack overflow",
    "too many terms in compound select",
    "like or glob pattern too complex",
    "string or blob too big",
    "stack depth limit exceeded",
    "number of parameters must be between",
)


def beyond_store_limits(error: BaseException) -> bool:
    """True when ``error`` (or the driver error behind it) says a query is too complex."""
    text = f"{error} {error.__cause__ or ''}".lower()
    return any(message in text for message in _LIMIT_MESSAGES)

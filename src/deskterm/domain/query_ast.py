"""The syntax tree of the notmuch-style ticket query language (see domain.query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Fields whose value is free text matched by full-text search (word or "phrase").
TEXT_FIELDS = frozenset({"from", "to", "subject", "body"})
# Fields whose value is compared exactly (case-insensitive) against a column.
EXACT_FIELDS = frozenset(
    {
        "tag",
        "status",
        "channel",
        "assignee",
        "intent",
        "sentiment",
        "language",
        "store",
        "priority",
        "id",
        "customer",
    }
)
ALL_FIELDS = TEXT_FIELDS | EXACT_FIELDS | {"has", "date", "sla"}

STATUS_VALUES = frozenset({"open", "closed", "snoozed", "spam"})
HAS_VALUES = frozenset({"attachment"})


@dataclass(frozen=True, slots=True)
class MatchAll:
    """``*`` or an empty query: every ticket."""

    position: int = 0


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase, free (``field is None``) or scoped to a field.

    ``prefix`` is True for ``word*``. ``value`` is as typed (quotes removed, escapes
    resolved); for exact fields it is lower-cased except ``id``. ``op`` is ``:`` for every
    field of the views' language; only a parse with a ``QueryExtension`` (rule conditions:
    ``order.total>50``) yields a comparison (``<``, ``<=``, ``>``, ``>=``, ``=``).
    """

    field: str | None
    value: str
    phrase: bool = False
    prefix: bool = False
    position: int = 0
    op: str = ":"


@dataclass(frozen=True, slots=True)
class DateRange:
    """``date:A..B``: messages sent in ``[start, end)``; naive UTC, either side open."""

    start: datetime | None
    end: datetime | None
    position: int = 0


@dataclass(frozen=True, slots=True)
class SlaFilter:
    """``sla:breached`` (``within`` None): an open ticket whose running SLA clock is past
    due; ``sla:due<1h``: one whose running clock falls due within ``within``, not yet
    breached. The targets are the channels' (config), so the store is told them."""

    within: timedelta | None
    position: int = 0


@dataclass(frozen=True, slots=True)
class Not:
    """``NOT x`` or ``-x``."""

    operand: Node
    position: int = 0


@dataclass(frozen=True, slots=True)
class And:
    """Every operand holds (``a b`` or ``a AND b``)."""

    operands: tuple[Node, ...]
    position: int = 0


@dataclass(frozen=True, slots=True)
class Or:
    """Any operand holds."""

    operands: tuple[Node, ...]
    position: int = 0


Node = MatchAll | Term | DateRange | SlaFilter | Not | And | Or

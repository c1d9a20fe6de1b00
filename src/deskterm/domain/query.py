"""Parse the notmuch-style ticket query language into a query_ast tree, and print one back."""

# Hand-written rather than generated with a parser library: the language has implicit AND by
# juxtaposition, a dash that negates only at the start of a word ("-tag:spam" but not "e-mail"),
# notmuch-style "field:" prefixes decided word by word (a URL or "10:30" stays a plain word),
# and every error must point at the exact column with a message in the user's terms. A grammar
# library would need most of that as custom lexer hooks and would report its own grammar's
# vocabulary; a small recursive-descent parser stays readable and dependency-free.

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import Enum
from typing import Protocol

from deskterm.domain.errors import QueryError
from deskterm.domain.labels import INTENT_FAMILIES, INTENTS, SENTIMENTS
from deskterm.domain.query_ast import (
    ALL_FIELDS,
    HAS_VALUES,
    STATUS_VALUES,
    TEXT_FIELDS,
    And,
    DateRange,
    MatchAll,
    Node,
    Not,
    Or,
    SlaFilter,
    Term,
)
from deskterm.domain.record_ids import parse_id
from deskterm.domain.sla import format_duration, parse_duration
from deskterm.domain.text import terminal_safe

__all__ = ["QueryExtension", "describe", "parse_query"]

# Deep nesting would otherwise end in RecursionError, which is not a user-facing error.
_MAX_DEPTH = 64
# Each term is one more level of the SQL expression; SQLite refuses trees past 1000 levels
# ("Expression tree is too large") and any store slows down long before. A saved view is
# shared by the whole team, so these limits also keep one bad view from breaking `views`.
MAX_TERMS = 256
MAX_QUERY_LENGTH = 8000

# A bare word ends at whitespace or at one of these; each of them starts a token of its own.
_WORD_STOP = frozenset('()"')
# An extension's field and operator: "hours:inside", "order.total>=50", "order.age<2d".
_EXTENDED_WORD = re.compile(
    r"(?P<name>[A-Za-z][A-Za-z_]*(?:\.[A-Za-z_]+)*)(?P<op><=|>=|:|<|>|=)(?P<value>.*)", re.DOTALL
)

_CHOICES: dict[str, frozenset[str]] = {
    "status": STATUS_VALUES,
    "has": HAS_VALUES,
    # A misspelt label would silently match nothing: refuse it with the closest name.
    "intent": frozenset(INTENTS) | frozenset(INTENT_FAMILIES),
    "sentiment": frozenset(SENTIMENTS),
}

_UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "s": ("s", "sec", "secs", "second", "seconds"),
    "min": ("min", "mins", "minute", "minutes"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "d": ("d", "day", "days"),
    "w": ("w", "week", "weeks"),
    "mo": ("mo", "month", "months"),
    "y": ("y", "yr", "yrs", "year", "years"),
}
_UNITS = {spelling: unit for unit, spellings in _UNIT_SPELLINGS.items() for spelling in spellings}

# Matched against the lower-cased value, hence "t" and "z".
_RELATIVE = re.compile(r"(?P<count>[0-9]+) ?(?P<unit>[a-z]+)")
_ABSOLUTE = re.compile(
    r"(?P<year>[0-9]{4})"
    r"(?:-(?P<month>[0-9]{1,2})"
    r"(?:-(?P<day>[0-9]{1,2})"
    r"(?:[t ](?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,6}))?)?"
    r"(?P<utc>z)?)?)?)?"
)
_DATE_FORMS = (
    "use 2d, 3h, 30min, 1w, 6mo, 1y, now, today, yesterday, 2026, 2026-01, 2026-01-31 "
    "or 2026-01-31T09:30, and A..B, A.. or ..B for a range"
)


class QueryExtension(Protocol):
    """More fields for one use of the language (rule conditions), checked as they are read.

    A field here may be dotted (``order.status``) and may compare (``order.total>50``,
    ``order.age<2d``); the views' own fields keep their meaning. Views never pass one, so
    their language is exactly what it was.
    """

    @property
    def fields(self) -> frozenset[str]:
        """The extra field names, lower case."""
        ...

    def term(self, field: str, op: str, value: str, *, quoted: bool, position: int) -> Term:
        """The leaf for ``field`` ``op`` ``value``; ValueError(reason) for a bad value or op."""
        ...


def parse_query(
    text: str,
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    extension: QueryExtension | None = None,
) -> Node:
    """Parse ``text`` into a query tree; raise QueryError with the column of the first fault.

    ``now`` (aware, default: the current time in UTC) anchors relative dates; ``tz`` (default:
    ``now``'s zone) is where absolute dates and ``today`` are read. DateRange bounds come out as
    naive UTC datetimes. ``extension`` adds fields (see QueryExtension); its terms come out as
    Term leaves with their ``op``.
    """
    clock = _make_clock(now, tz)
    try:
        if len(text) > MAX_QUERY_LENGTH:
            raise _Fault(f"query too long (over {MAX_QUERY_LENGTH} characters)", MAX_QUERY_LENGTH)
        tokens = _Lexer(text, clock, extension).tokens()
        leaves = [token for token in tokens if token.kind is _Kind.LEAF]
        if len(leaves) > MAX_TERMS:
            raise _Fault(f"too many terms (over {MAX_TERMS})", leaves[MAX_TERMS].position)
        return _Parser(tokens).parse()
    except _Fault as fault:
        raise QueryError(fault.message, text, fault.position) from None


def describe(node: Node) -> str:
    """Render ``node`` as a canonical query; parsing it again gives the same tree.

    Dates come out as absolute UTC instants (``2026-01-31T17:00Z``), so a relative date is
    frozen: keep the user's own text for a saved view and use this for display and debugging.
    """
    if isinstance(node, MatchAll):
        return "*"
    if isinstance(node, Term):
        return _describe_term(node)
    if isinstance(node, DateRange):
        return _describe_dates(node)
    if isinstance(node, SlaFilter):
        return "sla:breached" if node.within is None else f"sla:due<{format_duration(node.within)}"
    if isinstance(node, Not):
        return "-" + _grouped(node.operand)
    if isinstance(node, And):
        return " ".join(_grouped(op) for op in node.operands) if node.operands else "*"
    # An AND inside an OR needs no parentheses (AND binds tighter), and leaving them out
    # guarantees the printed query never nests deeper than the one that was parsed.
    parts = [_grouped(op) if isinstance(op, Or) else describe(op) for op in node.operands]
    return " OR ".join(parts) if parts else "-*"


# --- shared helpers ------------------------------------------------------------------------


class _Fault(Exception):
    """A parse failure before the query text is attached; becomes a QueryError."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class _Clock:
    now: datetime
    tz: tzinfo


def _make_clock(now: datetime | None, tz: tzinfo | None) -> _Clock:
    moment = datetime.now(UTC) if now is None else now
    zone = moment.tzinfo
    if zone is None or moment.utcoffset() is None:
        # A naive "now" is ambiguous (local? UTC?) and would shift every relative date.
        raise ValueError("parse_query: now must be timezone-aware")
    return _Clock(moment, tz or zone)


def _show(text: str, limit: int = 40) -> str:
    """User text made safe to echo inside a one-line message."""
    safe = terminal_safe(text, keep_newlines=False)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def _suggestion(word: str, choices: frozenset[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


# --- lexer ---------------------------------------------------------------------------------


class _Kind(Enum):
    LEAF = "term"
    LPAREN = "("
    RPAREN = ")"
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    MINUS = "-"
    END = "end"


_OPERATORS = {"AND": _Kind.AND, "OR": _Kind.OR, "NOT": _Kind.NOT}
_PREFIX_OPERATORS = frozenset({_Kind.NOT, _Kind.MINUS})
_BINARY_OPERATORS = frozenset({_Kind.AND, _Kind.OR})
_STARTS_OPERAND = frozenset({_Kind.LEAF, _Kind.LPAREN, _Kind.NOT, _Kind.MINUS})


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    position: int
    node: Node | None = None  # the finished leaf (Term, DateRange, MatchAll) for LEAF


class _Lexer:
    """Splits a query into tokens; words and field:value pairs become finished leaf nodes."""

    def __init__(self, query: str, clock: _Clock, extension: QueryExtension | None = None) -> None:
        self.query = query
        self.clock = clock
        self.extension = extension
        self.index = 0

    def tokens(self) -> list[_Token]:
        found: list[_Token] = []
        while True:
            token = self._next()
            found.append(token)
            if token.kind is _Kind.END:
                return found

    def _next(self) -> _Token:
        query = self.query
        while self.index < len(query) and query[self.index].isspace():
            self.index += 1
        start = self.index
        if start >= len(query):
            return _Token(_Kind.END, start)
        char = query[start]
        if char in "()":
            self.index += 1
            return _Token(_Kind.LPAREN if char == "(" else _Kind.RPAREN, start)
        if char == '"':
            return self._phrase()
        if char == "-":
            return self._minus()
        return self._word()

    def _minus(self) -> _Token:
        start = self.index
        following = self.query[start + 1 : start + 2]
        if not following or following.isspace():
            # "a - b" is far more likely punctuation than a request to exclude b.
            raise _Fault("'-' must be followed directly by what to exclude, e.g. -tag:spam", start)
        self.index += 1
        return _Token(_Kind.MINUS, start)

    def _phrase(self) -> _Token:
        start = self.index
        value = self._quoted()
        if not value.strip():
            raise _Fault("empty quotes: put a word or phrase between them", start)
        return _Token(_Kind.LEAF, start, Term(None, value, phrase=True, position=start))

    def _quoted(self) -> str:
        """Read a quoted string starting at the opening quote; resolve \\" and \\\\."""
        query, start = self.query, self.index
        parts: list[str] = []
        index = start + 1
        while index < len(query):
            char = query[index]
            if char == "\\" and query[index + 1 : index + 2] in ('"', "\\"):
                parts.append(query[index + 1])
                index += 2
            elif char == '"':
                self.index = index + 1
                return "".join(parts)
            else:
                # Any other backslash is kept as typed, so Windows paths need no escaping.
                parts.append(char)
                index += 1
        raise _Fault("unterminated quote: add the closing '\"'", start)

    def _word(self) -> _Token:
        query, start = self.query, self.index
        end = start
        while end < len(query) and not query[end].isspace() and query[end] not in _WORD_STOP:
            end += 1
        self.index = end
        word = query[start:end]
        if word in _OPERATORS:
            return _Token(_OPERATORS[word], start)
        if word == "*":
            return _Token(_Kind.LEAF, start, MatchAll(start))
        if self.extension is not None:
            extended = self._extended(word, start, self.extension)
            if extended is not None:
                return _Token(_Kind.LEAF, start, extended)
        colon = word.find(":")
        name = word[:colon]
        # Field names are ASCII; "10:30", ":D" or a non-ASCII word before a colon is text.
        if colon > 0 and name.isascii() and name.isalpha():
            field = name.lower()
            if field in ALL_FIELDS:
                node = self._field(field, word[colon + 1 :], start, start + colon + 1)
                return _Token(_Kind.LEAF, start, node)
            if not word[colon + 1 :].startswith("//"):  # "http://..." is a URL, not a field
                raise _Fault(_unknown_field(name, word), start)
        return _Token(_Kind.LEAF, start, _free_word(word, start))

    def _extended(self, word: str, start: int, extension: QueryExtension) -> Node | None:
        """The leaf of an extension field, a fault for an unknown one, else None."""
        found = _EXTENDED_WORD.match(word)
        if found is None:
            return None
        name, op, value = found["name"], found["op"], found["value"]
        field = name.lower()
        if field not in extension.fields:
            known = ALL_FIELDS | extension.fields
            if field in ALL_FIELDS or (op == ":" and value.startswith("//")):
                return None  # a views field, or a URL
            if "." not in field and op != ":":
                return None  # "a>b" is a word, as it is in a view
            hint = _suggestion(field, known).removeprefix("; ")
            if not hint:
                fields = ", ".join(sorted(known))
                hint = f"fields: {fields}; to search for the text, quote it: {_show(_quote(word))}"
            hint = f" ({hint})"
            raise _Fault(f"no such field '{_show(name)}'{hint}", start)
        value_start = start + len(name) + len(op)
        quoted = not value and self.query[self.index : self.index + 1] == '"'
        if quoted:
            value_start = self.index + 1
            value = self._quoted()
        elif not value:
            raise _Fault(f"'{field}{op}' needs a value right after it", start)
        try:
            return extension.term(field, op, value, quoted=quoted, position=start)
        except ValueError as exc:
            raise _Fault(f"{field}: {exc}", value_start) from None

    def _field(self, field: str, value: str, start: int, value_start: int) -> Node:
        quoted = not value and self.query[self.index : self.index + 1] == '"'
        if quoted:
            value_start = self.index + 1
            value = self._quoted()
        elif not value:
            raise _Fault(f"'{field}:' needs a value right after the colon", start)
        return _field_node(_FieldInput(field, value, quoted, start, value_start), self.clock)


def _unknown_field(name: str, word: str) -> str:
    known = ", ".join(sorted(ALL_FIELDS))
    quoted = _show(_quote(word))
    hint = _suggestion(name.lower(), ALL_FIELDS) or f"; to search for the text, quote it: {quoted}"
    return f"unknown field '{name}' (known: {known}){hint}"


def _free_word(word: str, position: int) -> Term:
    if word.endswith("*"):
        return Term(None, word[:-1], prefix=True, position=position)
    return Term(None, word, position=position)


# --- field values --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FieldInput:
    field: str
    value: str  # quotes removed, escapes resolved
    quoted: bool
    position: int  # of the field name
    value_position: int  # of the value's first character


def _field_node(given: _FieldInput, clock: _Clock) -> Node:
    if given.field == "date":
        return _date_range(given, clock)
    if given.field == "sla":
        return _sla_filter(given)
    if given.field in TEXT_FIELDS:
        return _text_term(given)
    return _exact_term(given)


def _empty_value(given: _FieldInput) -> _Fault:
    return _Fault(f"'{given.field}:' needs a value", given.position)


def _text_term(given: _FieldInput) -> Term:
    field, value, position = given.field, given.value, given.position
    if not value.strip():
        raise _empty_value(given)
    if given.quoted:
        return Term(field, value, phrase=True, position=position)
    if value.endswith("*"):
        if value == "*":
            raise _Fault(f"'{field}:*' needs at least one character before '*'", position)
        return Term(field, value[:-1], prefix=True, position=position)
    return Term(field, value, position=position)


def _exact_term(given: _FieldInput) -> Term:
    field, value = given.field, given.value.strip()
    if not value:
        raise _empty_value(given)
    if field == "intent" and not given.quoted and value.endswith("*"):
        # intent:shipping/* (and intent:shipping*) mean the whole family, like intent:shipping
        value = value.rstrip("*").rstrip("/") or value
    if not given.quoted and value.endswith("*"):
        star = given.value_position + len(given.value) - 1
        message = "'*' (prefix search) works only on words and on from:, to:, subject:, body:"
        raise _Fault(message, star)
    if field == "id":
        return Term(field, _ticket_id(value, given.value_position), position=given.position)
    lowered = value.lower()
    choices = _CHOICES.get(field)
    if choices is not None and lowered not in choices:
        expected = ", ".join(sorted(choices))
        message = f"unknown {field} '{_show(value)}' (expected one of: {expected})"
        raise _Fault(message + _suggestion(lowered, choices), given.value_position)
    return Term(field, lowered, position=given.position)


def _ticket_id(value: str, position: int) -> str:
    digits = value.removeprefix("#")  # "#42" is how tickets are shown, so accept it
    if not (digits.isascii() and digits.isdigit()):
        raise _Fault(f"id: expects a ticket number like id:42, not '{_show(value)}'", position)
    try:
        parse_id(digits, "ticket id")  # the store could not even compare a larger number
    except ValueError as exc:
        raise _Fault(f"id: {exc}", position) from None
    return digits


# --- sla -----------------------------------------------------------------------------------

_SLA_FORMS = "expected breached or due<DURATION, e.g. sla:breached or sla:due<1h"
_MAX_SLA_WINDOW = timedelta(weeks=52)


def _sla_filter(given: _FieldInput) -> SlaFilter:
    value = given.value.strip().lower()
    if value == "breached":
        return SlaFilter(None, given.position)
    if not value.startswith("due<"):
        raise _Fault(f"sla: {_SLA_FORMS}, not '{_show(given.value)}'", given.value_position)
    # Durations are written as in the config's sla targets: m is minutes here.
    amount, position = value.removeprefix("due<"), given.value_position + 4
    try:
        within = parse_duration(amount)
    except ValueError:
        message = f"sla:due< needs a duration such as 30m, 1h, 4h or 2d, not '{_show(amount)}'"
        raise _Fault(message, position) from None
    except OverflowError:
        within = _MAX_SLA_WINDOW * 2
    if within <= timedelta(0):
        raise _Fault("sla:due< needs a duration longer than 0, e.g. 30m", position)
    if within > _MAX_SLA_WINDOW:
        raise _Fault(f"sla:due< is at most {format_duration(_MAX_SLA_WINDOW)}", position)
    return SlaFilter(within, given.position)


# --- dates ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    """A named period ``[start, end)`` in aware datetimes; an exact instant when equal."""

    start: datetime
    end: datetime


def _date_range(given: _FieldInput, clock: _Clock) -> DateRange:
    try:
        start, end = _date_bounds(given.value, given.value_position, clock)
        naive_end = _naive_utc(end)
        if naive_end == datetime.min:
            # Ends before anything can exist, and describe() could not print the bound.
            raise ValueError("end of range out of range")
        return DateRange(_naive_utc(start), naive_end, given.position)
    except (ValueError, OverflowError):
        # Raised by datetime for 2026-02-30, year 0, 10000y and the like.
        message = f"date '{_show(given.value)}' does not exist or is out of range"
        raise _Fault(message, given.value_position) from None


def _date_bounds(
    value: str, position: int, clock: _Clock
) -> tuple[datetime | None, datetime | None]:
    if ".." not in value:
        span = _date_bound(value, position, clock)
        # A single instant ("2d", "now") means "since then"; a named period means all of it.
        return span.start, None if span.start == span.end else span.end
    left, _, right = value.partition("..")
    if not left.strip() and not right.strip():
        raise _Fault(
            "a date range needs a start or an end, e.g. date:2d.. or date:..2026-01-31", position
        )
    start = _date_bound(left, position, clock).start if left.strip() else None
    end = _date_bound(right, position + len(left) + 2, clock).end if right.strip() else None
    if start is not None and end is not None and start >= end:
        message = f"date range is empty: '{_show(left)}' is not before the end of '{_show(right)}'"
        raise _Fault(message, position)
    return start, end


def _date_bound(text: str, position: int, clock: _Clock) -> _Span:
    word = text.strip().lower()
    position += len(text) - len(text.lstrip())
    if word == "now":
        return _Span(clock.now, clock.now)
    if word in ("today", "yesterday"):
        today = clock.now.astimezone(clock.tz).date()
        first = today if word == "today" else today - timedelta(days=1)
        return _days(first, first + timedelta(days=1), clock.tz)
    relative = _RELATIVE.fullmatch(word)
    if relative:
        return _relative(relative, position, clock)
    absolute = _ABSOLUTE.fullmatch(word)
    if absolute:
        return _absolute(absolute, clock.tz)
    raise _Fault(f"can't read date '{_show(text.strip())}': {_DATE_FORMS}", position)


def _relative(match: re.Match[str], position: int, clock: _Clock) -> _Span:
    count, spelling = int(match["count"]), match["unit"]
    unit = _UNITS.get(spelling)
    if unit is None:
        if spelling == "m":
            message = (
                f"'{count}m' is ambiguous: write {count}min for minutes or {count}mo for months"
            )
            raise _Fault(message, position)
        raise _Fault(
            f"unknown time unit '{_show(spelling)}': use s, min, h, d, w, mo or y", position
        )
    moment = _ago(clock, count, unit)
    return _Span(moment, moment)


def _ago(clock: _Clock, count: int, unit: str) -> datetime:
    # Hours and shorter are elapsed time; days and longer are calendar steps on the local wall
    # clock, so "1d" across a DST change still means "this time yesterday".
    seconds = {"s": 1, "min": 60, "h": 3600}.get(unit)
    if seconds is not None:
        return clock.now - timedelta(seconds=count * seconds)
    local = clock.now.astimezone(clock.tz)
    if unit in ("d", "w"):
        return local - timedelta(days=count * (7 if unit == "w" else 1))
    return _months_before(local, count * (12 if unit == "y" else 1))


def _months_before(moment: datetime, months: int) -> datetime:
    year, month0 = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    if year < 1:
        raise ValueError("year out of range")
    # Clamp the day: one month before 31 March is the last day of February.
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def _absolute(match: re.Match[str], tz: tzinfo) -> _Span:
    zone = UTC if match["utc"] else tz
    year = int(match["year"])
    if match["month"] is None:
        return _days(date(year, 1, 1), date(year + 1, 1, 1), zone)
    first = date(year, int(match["month"]), 1)
    if match["day"] is None:
        return _days(first, _next_month(first), zone)
    day = first.replace(day=int(match["day"]))
    if match["hour"] is None:
        return _days(day, day + timedelta(days=1), zone)
    return _clock_time(match, day, zone)


def _clock_time(match: re.Match[str], day: date, zone: tzinfo) -> _Span:
    fraction = match["fraction"]
    micros = int(fraction.ljust(6, "0")) if fraction else 0
    moment = time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0), micros)
    start = datetime.combine(day, moment, tzinfo=zone)
    # The period is the smallest unit written: a minute, a second, or a microsecond.
    if fraction:
        step = timedelta(microseconds=1)
    else:
        step = timedelta(seconds=1 if match["second"] else 60)
    return _Span(start, start + step)


def _next_month(first: date) -> date:
    year, month0 = divmod(first.year * 12 + first.month, 12)
    return date(year, month0 + 1, 1)


def _days(first: date, after: date, zone: tzinfo) -> _Span:
    return _Span(datetime.combine(first, time(), zone), datetime.combine(after, time(), zone))


def _naive_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


# --- parser --------------------------------------------------------------------------------


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary ([AND] unary)*; unary := NOT unary."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def parse(self) -> Node:
        if self._peek().kind is _Kind.END:
            return MatchAll()
        node = self._or(None, 0)
        extra = self._peek()
        if extra.kind is _Kind.RPAREN:
            raise _Fault("unmatched ')'", extra.position)
        return node

    def _peek(self) -> _Token:
        return self.tokens[self.index]

    def _advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind is not _Kind.END:
            self.index += 1
        return token

    def _or(self, after: _Token | None, depth: int) -> Node:
        operands = [self._and(after, depth)]
        while self._peek().kind is _Kind.OR:
            operator = self._advance()
            operands.append(self._and(operator, depth))
        return _combine(Or, operands)

    def _and(self, after: _Token | None, depth: int) -> Node:
        operands = [self._unary(after, depth)]
        while True:
            token = self._peek()
            if token.kind is _Kind.AND:
                operands.append(self._unary(self._advance(), depth))
            elif token.kind in _STARTS_OPERAND:
                operands.append(self._unary(None, depth))
            else:
                return _combine(And, operands)

    def _unary(self, after: _Token | None, depth: int) -> Node:
        token = self._peek()
        if token.kind in _PREFIX_OPERATORS:
            _check_depth(token, depth)
            self._advance()
            return Not(self._unary(token, depth + 1), token.position)
        return self._primary(after, depth)

    def _primary(self, after: _Token | None, depth: int) -> Node:
        token = self._advance()
        if token.kind is _Kind.LEAF:
            assert token.node is not None
            return token.node
        if token.kind is _Kind.LPAREN:
            return self._group(token, depth)
        raise _missing_operand(token, after)

    def _group(self, opening: _Token, depth: int) -> Node:
        _check_depth(opening, depth)
        if self._peek().kind is _Kind.RPAREN:
            raise _Fault("empty parentheses: put a query inside or remove them", opening.position)
        if self._peek().kind is not _Kind.END:
            node = self._or(opening, depth + 1)
            if self._advance().kind is _Kind.RPAREN:
                return node
        raise _Fault("unclosed '(': add a matching ')'", opening.position)


def _check_depth(token: _Token, depth: int) -> None:
    if depth >= _MAX_DEPTH:
        raise _Fault(f"query nests too deeply (more than {_MAX_DEPTH} levels)", token.position)


def _missing_operand(found: _Token, after: _Token | None) -> _Fault:
    """The fault for a place where a term was due but ``found`` came instead."""
    if after is not None and after.kind in _PREFIX_OPERATORS | _BINARY_OPERATORS:
        return _Fault(f"'{after.kind.value}' needs a term after it", after.position)
    if found.kind in _BINARY_OPERATORS:
        return _Fault(f"'{found.kind.value}' needs a term before it", found.position)
    if found.kind is _Kind.RPAREN:
        return _Fault("unmatched ')'", found.position)
    return _Fault("expected a search term", found.position)


def _combine(kind: type[And] | type[Or], operands: list[Node]) -> Node:
    if len(operands) == 1:
        return operands[0]
    flat: list[Node] = []
    for operand in operands:
        if isinstance(operand, kind):
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return kind(tuple(flat), operands[0].position)


# --- describe helpers ----------------------------------------------------------------------

# Terms never depend on the clock; describe only needs one to run the lexer.
_ANY_CLOCK = _Clock(datetime(2000, 1, 1, tzinfo=UTC), UTC)


def _grouped(node: Node) -> str:
    if isinstance(node, And | Or) and len(node.operands) > 1:
        return f"({describe(node)})"
    return describe(node)


def _describe_term(term: Term) -> str:
    head = f"{term.field}{term.op}" if term.field else ""
    if not term.phrase:
        bare = head + term.value + ("*" if term.prefix else "")
        # Asking the lexer itself keeps describe and parse from ever disagreeing on what is safe.
        if _lexes_to(bare, term):
            return bare
    return head + _quote(term.value)


def _lexes_to(text: str, term: Term) -> bool:
    try:
        tokens = _Lexer(text, _ANY_CLOCK).tokens()
    except _Fault:
        return False
    leaf = tokens[0].node
    return (
        len(tokens) == 2
        and isinstance(leaf, Term)
        and replace(leaf, position=0) == replace(term, position=0)
    )


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _describe_dates(node: DateRange) -> str:
    if node.start is None and node.end is None:
        return "*"
    start = "" if node.start is None else _stamp(node.start, exclusive_end=False)
    end = "" if node.end is None else _stamp(node.end, exclusive_end=True)
    return f"date:{start}..{end}"


def _stamp(moment: datetime, *, exclusive_end: bool) -> str:
    """A UTC timestamp that, read as a bound, gives back exactly ``moment``."""
    if moment.microsecond:
        step, precision = timedelta(microseconds=1), 2
    elif moment.second:
        step, precision = timedelta(seconds=1), 1
    else:
        step, precision = timedelta(minutes=1), 0
    # An upper bound names the last period included, so print the period before the end.
    shown = moment - step if exclusive_end else moment
    text = f"{shown.year:04d}-{shown.month:02d}-{shown.day:02d}T{shown.hour:02d}:{shown.minute:02d}"
    if precision >= 1:
        text += f":{shown.second:02d}"
    if precision == 2:
        text += f".{shown.microsecond:06d}"
    return text + "Z"

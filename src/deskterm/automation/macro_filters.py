"""Time and money in macros: ``{{ now }}``, date arithmetic and formats, amounts per currency.

``now`` is the local time when the macro renders ("ships by {{ now | add_days(2) |
date('%A') }}"); the filters also read the ISO times of the ticket variables. Weekday and
month names come from Babel's CLDR data, in English unless a locale is given
(``date('%A', 'id')`` -> "Jumat"), so a reply reads the same whatever the terminal's locale.
Babel is imported when a filter first needs it (rendering runs in a worker, off the UI).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from deskterm.domain.money import format_money
from deskterm.domain.timefmt import utc_now

if TYPE_CHECKING:
    from babel.core import Locale

NOW_FORMAT = "%Y-%m-%d %H:%M"  # how ``{{ now }}`` (and any date it leads to) reads bare
DATE_FORMAT = "%d %b %Y"  # ``date`` with no format, like ``datetime_format``
FORMAT_CHARS = 200  # a date format longer than any real one is refused, not rendered
NAMES_LOCALE = "en"
# A strftime directive (with glibc's flags); %A %a %B %b are named by Babel.
_DIRECTIVE = re.compile(r"%[-_^#0]?[A-Za-z%]")
_Width = Literal["wide", "abbreviated"]
_NAMED: dict[str, tuple[str, _Width]] = {
    "A": ("day", "wide"),
    "a": ("day", "abbreviated"),
    "B": ("month", "wide"),
    "b": ("month", "abbreviated"),
    "h": ("month", "abbreviated"),
}


class MacroTime(datetime):
    """A datetime that reads as ``2026-01-03 14:05`` when a macro prints it bare.

    Arithmetic and ``astimezone`` keep the class (CPython returns the subclass), so
    ``{{ now + ... }}`` and the filters' results print the same way.
    """

    def __str__(self) -> str:
        return self.strftime(NOW_FORMAT)

    @classmethod
    def of(cls, moment: datetime) -> MacroTime:
        """``moment`` (aware; a naive one is taken as UTC) as a MacroTime."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return cls(
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.microsecond,
            tzinfo=moment.tzinfo,
            fold=moment.fold,
        )


def now_variable(now: datetime | None = None) -> MacroTime:
    """``{{ now }}``: ``now`` as given, else the current local time (aware)."""
    return MacroTime.of(now if now is not None else utc_now().astimezone())


def as_moment(value: Any) -> MacroTime:
    """A datetime or an ISO 8601 text (the ticket variables' form) as a MacroTime."""
    if isinstance(value, datetime):
        return MacroTime.of(value)
    if isinstance(value, str):
        try:
            return MacroTime.of(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            pass
    raise ValueError(f"{_shown(value)} is not a date or time")


def _number(value: Any) -> float | int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            try:
                return float(value.strip())
            except ValueError:
                pass
    raise ValueError(f"{_shown(value)} is not a number")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def add_days(value: Any, days: Any) -> MacroTime:
    """``{{ now | add_days(2) }}``: the same time ``days`` days later (negative: earlier)."""
    return as_moment(value) + timedelta(days=_number(days))


def add_hours(value: Any, hours: Any) -> MacroTime:
    """``{{ now | add_hours(3) }}``: ``hours`` hours later (negative: earlier)."""
    return as_moment(value) + timedelta(hours=_number(hours))


@lru_cache(maxsize=32)
def _names_locale(tag: str) -> Locale:
    from babel.core import Locale, UnknownLocaleError

    try:
        return Locale.parse(tag.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValueError(f"unknown locale {tag!r} (e.g. 'en', 'id', 'th_TH')") from None


def _name(moment: datetime, what: str, width: _Width, locale: Locale) -> str:
    from babel.dates import get_day_names, get_month_names

    if what == "day":
        return str(get_day_names(width, locale=locale)[moment.weekday()])
    return str(get_month_names(width, locale=locale)[moment.month])


def date(value: Any, fmt: str = DATE_FORMAT, locale: str = NAMES_LOCALE) -> str:
    """``{{ now | date('%A %d %B') }}``: strftime directives; names in ``locale``."""
    moment = as_moment(value)
    if not isinstance(fmt, str) or len(fmt) > FORMAT_CHARS:
        raise ValueError(f"a date format is text of at most {FORMAT_CHARS} characters")
    names = _names_locale(str(locale))

    def directive(found: re.Match[str]) -> str:
        token = found.group()
        named = _NAMED.get(token[-1])
        if named is not None:
            return _name(moment, named[0], named[1], names)
        return moment.strftime(token)

    return _DIRECTIVE.sub(directive, fmt)


def money(value: Any, currency: Any = "", locale: str | None = None) -> str:
    """``{{ order.total_price | money(order.currency) }}``: ``Rp185.000``, ``$1,234.50``."""
    amount = value if isinstance(value, Decimal | int | str) else str(value)
    return format_money(amount, str(currency or ""), locale)


class MoneyText:
    """An amount formatted when a macro prints it (in the render worker, where Babel may
    load), not when the variables are gathered (on the UI thread)."""

    def __init__(self, amount: str, currency: str) -> None:
        self.amount = amount
        self.currency = currency

    def __str__(self) -> str:
        return format_money(self.amount, self.currency) if self.amount else ""

    def __repr__(self) -> str:
        return f"MoneyText({self.amount!r}, {self.currency!r})"


FILTERS: dict[str, Callable[..., Any]] = {
    "add_days": add_days,
    "add_hours": add_hours,
    "date": date,
    "money": money,
}

"""Money as people read it: exact amounts, formatted per currency and locale with Babel.

One helper for every place an amount shows (chat cards, the customer panel, ``customer
show``, macro variables), so ``Rp129.000`` never stands beside ``IDR 89000`` or
``365000.0 IDR``. Babel (CLDR data, shipped in its wheel: works offline) knows each
currency's symbol, digits and grouping; hand-written formats would get them wrong.

Which locale: the one asked for, else the currency's home (IDR is written the Indonesian
way, ``Rp129.000``, whatever the seller's terminal says; USD ``$1,234.50``), else the
system's (``LC_ALL``/``LC_MONETARY``/``LANG``), else ``en_US``.

Babel is imported on the first amount formatted, never with this module: the inbox's cold
start imports the customer panel, which imports this.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from babel.core import Locale

# Where each marketplace currency is at home (the markets deskterm's channels serve, and
# USD for the Shopify shops that sell abroad).
HOME_LOCALES: dict[str, str] = {
    "IDR": "id_ID",
    "MYR": "ms_MY",
    "PHP": "fil_PH",
    "THB": "th_TH",
    "VND": "vi_VN",
    "SGD": "en_SG",
    "BRL": "pt_BR",
    "TWD": "zh_Hant_TW",
    "MXN": "es_MX",
    "COP": "es_CO",
    "CLP": "es_CL",
    "USD": "en_US",
}
# Symbols marketplaces write in front of (or after) a price made for people, e.g. Lazada's
# "Rp59.000" or "RM12.90". A bare "$" says too little and is left to the caller's hint.
SYMBOLS: dict[str, str] = {
    "RP": "IDR",
    "RM": "MYR",
    "₱": "PHP",
    "฿": "THB",
    "₫": "VND",
    "Đ": "VND",
    "S$": "SGD",
    "SG$": "SGD",
    "R$": "BRL",
    "US$": "USD",
    "NT$": "TWD",
}
FALLBACK_LOCALE = "en_US"
_CODE = re.compile(r"[A-Za-z]{3}")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# A price for people: an optional symbol or code, the number (digits, separators), another.
_PRICE = re.compile(
    r"(?P<before>[^\d\-]*?)\s*(?P<number>-?\d[\d.,\s\u00a0\u202f']*)\s*(?P<after>\D*)"
)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency (ISO 4217 code; "" when the platform did not say)."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


def to_decimal(value: Any) -> Decimal | None:
    """An amount as an API sends it (JSON number or plain numeric text), exactly; else None.

    A float becomes the Decimal of its shortest text (``0.1`` -> ``Decimal("0.1")``), not of
    its binary value. Text written for people ("Rp59.000") is ``parse_price``'s job.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
        amount = Decimal(value.strip())
    else:
        return None
    return amount if amount.is_finite() else None


def currency_code(text: str) -> str:
    """An ISO 4217 code from a code in any case or a known symbol ("Rp" -> "IDR"); else ""."""
    cleaned = text.strip()
    if cleaned.upper() in SYMBOLS:
        return SYMBOLS[cleaned.upper()]
    return cleaned.upper() if _CODE.fullmatch(cleaned) else ""


def money_locale(currency: str) -> str:
    """The locale an amount in ``currency`` is written in: its home, else the system's."""
    home = HOME_LOCALES.get(currency_code(currency))
    return home or _system_locale()


def _system_locale() -> str:
    for name in ("LC_ALL", "LC_MONETARY", "LANG"):
        value = os.environ.get(name, "")
        # "de_DE.UTF-8@euro" -> "de_DE"; "C" and "POSIX" name no language.
        tag = value.split(".")[0].split("@")[0]
        if tag and tag not in ("C", "POSIX"):
            return tag if _known_locale(tag) else FALLBACK_LOCALE
        if value:
            break  # a set but language-less value (LANG=C.UTF-8) wins over later ones
    return FALLBACK_LOCALE


def _known_locale(tag: str) -> bool:
    try:
        _locale(tag)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=64)
def _locale(tag: str) -> Locale:
    from babel.core import Locale, UnknownLocaleError

    try:
        return Locale.parse(tag)
    except (UnknownLocaleError, TypeError) as exc:
        raise ValueError(f"unknown locale {tag!r}") from exc


def format_money(amount: Decimal | str | int, currency: str, locale: str | None = None) -> str:
    """``amount`` in ``currency`` as people there write it: ``Rp129.000``, ``$1,234.50``.

    ``currency`` is an ISO code or a known symbol; ``locale`` (e.g. ``"de_DE"``) overrides
    the currency's home. An amount that is not a number comes back as it was given, with
    the currency after it: shop data never makes this fail.
    """
    exact = to_decimal(amount)
    code = currency_code(currency)
    if exact is None:
        return f"{amount} {currency}".strip() if str(amount).strip() else ""
    from babel.numbers import format_currency, format_decimal

    try:
        where = _locale(locale or money_locale(code))
    except ValueError:
        where = _locale(FALLBACK_LOCALE)
    if not code:
        shown = format_decimal(exact, locale=where)
        return f"{shown} {currency}".strip() if currency.strip() else shown
    return str(format_currency(exact, code, locale=where))


def parse_price(text: str, currency: str = "") -> Money | None:
    """A price written for people ("Rp59.000", "RM 12.90", "129.000 ₫") as Money; else None.

    The symbol or code in the text names the currency, else ``currency`` (a code or a
    symbol, e.g. Lazada's ``subOrderPriceUnit``); the number is read the way that
    currency's home writes numbers (a dot groups thousands in Rupiah, marks cents in
    Ringgit). None when the currency is unknown or the number does not read.
    """
    found = _PRICE.fullmatch(text.strip())
    if found is None:
        return None
    marks = [found["before"].strip(), found["after"].strip()]
    named = [code for code in map(currency_code, marks) if code]
    unplaced = [mark for mark in marks if mark and not currency_code(mark)]
    if any(char.isalpha() for mark in unplaced for char in mark):
        return None  # "59rb" (ribu: thousands), "approx. 12": words change the number
    # A sign we cannot place alone ("$": which dollar?) is left to the caller's hint.
    code = named[0] if named else currency_code(currency)
    if not code:
        return None
    from babel.numbers import NumberFormatError, parse_decimal

    number = found["number"].strip()
    try:
        amount = parse_decimal(number, locale=_locale(money_locale(code)), strict=False)
    except (NumberFormatError, ValueError):
        return None
    return Money(amount, code) if amount.is_finite() else None

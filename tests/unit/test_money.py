"""Money as people read it: one helper formats every amount per currency and locale (Babel)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from deskterm.domain.money import Money, format_money, money_locale, parse_price, to_decimal


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("135000", "IDR", "Rp135.000"),
        ("365000.0", "IDR", "Rp365.000"),  # Shopify's "365000.0": the same amount, same text
        (Decimal("129000"), "idr", "Rp129.000"),
        (89000, "IDR", "Rp89.000"),
        ("1234.5", "USD", "$1,234.50"),
        ("1234.5", "MYR", "RM1,234.50"),
        ("1299", "PHP", "₱1,299.00"),
        ("129000", "VND", "129.000\xa0₫"),
        ("-129000", "IDR", "-Rp129.000"),
    ],
)
def test_amounts_read_the_way_the_currency_is_written_at_home(
    amount: Decimal | str | int, currency: str, expected: str
) -> None:
    """issue 10 item 11: `135000` and `365000.0 IDR` for the same kind of amount."""
    assert format_money(amount, currency) == expected


def test_a_locale_can_be_chosen_and_bad_input_is_shown_as_it_came() -> None:
    assert format_money("1234.5", "USD", "de_DE") == "1.234,50\xa0$"
    assert format_money("1234.5", "EUR", "en_US") == "€1,234.50"
    assert format_money("Gratis", "IDR") == "Gratis IDR"  # a shop's odd value is not a crash
    assert format_money("", "IDR") == ""
    assert format_money("12", "") == "12"
    assert format_money("NaN", "IDR") == "NaN IDR"


def test_the_locale_is_the_currencys_home_or_the_systems(monkeypatch: pytest.MonkeyPatch) -> None:
    assert money_locale("IDR") == "id_ID"
    assert money_locale("SGD") == "en_SG"
    for name in ("LC_ALL", "LC_MONETARY", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert money_locale("EUR") == "de_DE"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert money_locale("EUR") == "en_US"


def test_amounts_are_exact_decimals_never_floats() -> None:
    assert to_decimal("0.1") == Decimal("0.1")
    assert to_decimal(0.1) == Decimal("0.1")  # a JSON float read back as its shortest text
    assert to_decimal(12) == Decimal(12)
    assert to_decimal(True) is None
    assert to_decimal("12 kg") is None
    assert to_decimal("inf") is None


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("Rp59.000", "", Money(Decimal(59000), "IDR")),
        ("Rp 129.000", "", Money(Decimal(129000), "IDR")),
        ("IDR 89000", "", Money(Decimal(89000), "IDR")),
        ("RM12.90", "", Money(Decimal("12.90"), "MYR")),
        ("₱1,299.00", "", Money(Decimal("1299.00"), "PHP")),
        ("129.000 ₫", "", Money(Decimal(129000), "VND")),
        ("129.000", "Rp", Money(Decimal(129000), "IDR")),
        ("$12.50", "SGD", Money(Decimal("12.50"), "SGD")),
        ("59rb", "IDR", None),
        ("$12.50", "", None),  # which dollar? not guessed
        ("", "IDR", None),
    ],
)
def test_prices_a_marketplace_wrote_for_people_are_read_back(
    text: str, hint: str, expected: Money | None
) -> None:
    assert parse_price(text, hint) == expected


def test_formatting_money_keeps_babel_out_of_the_import() -> None:
    """Babel loads on the first amount shown, not with the module (the TUI's cold start)."""
    child = "import sys, deskterm.domain.money; print('babel' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"

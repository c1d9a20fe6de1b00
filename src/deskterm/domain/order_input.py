"""What a person types for an order action (an amount, ``SKU:QTY``, ``FIELD=VALUE``), read
the same way by the command line and the TUI's order form."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

ADDRESS_FORM_FIELDS: tuple[str, ...] = (
    "firstName",
    "lastName",
    "address1",
    "address2",
    "city",
    "province",
    "zip",
    "country",
    "phone",
)
"""The shipping address fields the TUI's form shows (the CLI's ``--set`` takes Shopify's
whole MailingAddressInput)."""


def parse_amount(text: str) -> Decimal:
    """A positive amount ("25", "12.50"); ValueError saying what is wrong otherwise."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount (e.g. 25 or 12.50)") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{text!r} is not an amount above zero")
    return value


def parse_item(text: str) -> tuple[str, int]:
    """``SKU[:QTY]`` (a SKU or line id, a quantity of 1 or more; 1 when left out)."""
    ref, sep, qty = text.strip().rpartition(":")
    if not sep:
        ref, qty = text.strip(), "1"
    if not ref or not qty.isdigit() or int(qty) < 1:
        raise ValueError(
            f"{text!r} is not SKU[:QTY] (a SKU or line id, then a quantity of 1 or more)"
        )
    return ref, int(qty)


def parse_items(text: str) -> tuple[tuple[str, int], ...]:
    """Several ``SKU[:QTY]`` separated by commas or spaces ("" is none)."""
    return tuple(parse_item(part) for part in text.replace(",", " ").split())


def parse_field(text: str) -> tuple[str, str]:
    """``FIELD=VALUE`` (the value may be empty: it clears the field)."""
    field, sep, value = text.partition("=")
    if not sep or not field.strip():
        raise ValueError(f"{text!r} is not FIELD=VALUE (e.g. city=Bandung)")
    return field.strip(), value.strip()

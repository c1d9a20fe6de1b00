"""One card model for every marketplace chat: order, product, media, voucher... as one text.

Each platform's adapter reads its own JSON into a ``Card``; ``Card.text`` is the only place
that decides how a card reads, so an order card looks the same whether it came from TikTok
Shop, Shopee or Lazada::

    [Order 579123456789] 2 items · Rp129.000 · shipped
    [Product 2894417521] Kopi Arabika 250 g · Rp89.000 · https://…
    [Image] https://…
    [Unsupported message: open it in Seller Center]

The bracket names the kind and, when the platform gave one, its reference (order number,
product id, voucher id); the details follow in a fixed order, joined by `` · ``. Money is
formatted by ``domain.money`` (per currency), statuses are lower-case words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from deskterm.domain.money import Money, currency_code, parse_price, to_decimal

SEPARATOR = " · "
UNSUPPORTED_HINT = "open it in Seller Center"


class CardKind(StrEnum):
    """What a non-text chat message is; also ``ChatMessage.kind`` for it."""

    ORDER = "order"
    RETURN = "return"
    PRODUCT = "product"
    IMAGE = "image"
    VIDEO = "video"
    STICKER = "sticker"
    VOUCHER = "voucher"
    FOLLOW = "follow"
    UNSUPPORTED = "unsupported"


LABELS = {
    CardKind.ORDER: "Order",
    CardKind.RETURN: "Return/refund",
    CardKind.PRODUCT: "Product",
    CardKind.IMAGE: "Image",
    CardKind.VIDEO: "Video",
    CardKind.STICKER: "Sticker",
    CardKind.VOUCHER: "Voucher",
    CardKind.FOLLOW: "Follow the shop",
    CardKind.UNSUPPORTED: f"Unsupported message: {UNSUPPORTED_HINT}",
}

Price = Money | str  # text when the platform's price could not be read (kept as written)


@dataclass(frozen=True, slots=True)
class Card:
    """A card's fields, each optional; ``text`` renders them in the one order they read in."""

    kind: CardKind
    ref: str = ""  # the platform's id for what the card shows (order number, product id)
    context: str = ""  # why it is here, e.g. "buyer is viewing"
    title: str = ""  # product or order title, sticker name, voucher title
    details: tuple[str, ...] = ()  # the platform's own words (a description, "1 barang")
    items: int | None = None  # how many items an order holds
    price: Price | None = None
    was: Price | None = None  # the price before a discount
    discount: str = ""  # the platform's words for it, e.g. "-30%"
    minimum: Price | None = None  # a voucher's minimum spend
    status: str = ""
    extras: tuple[str, ...] = ()  # labelled facts: "order 579…", "SKU 45678", "reason: …"
    url: str = ""
    order: str = ""  # the order a return/refund card is about (its ``extras`` show it)

    @property
    def text(self) -> str:
        """The card as one line a person reads."""
        head = LABELS[self.kind] + (f" {self.ref}" if self.ref else "")
        parts = [
            self.context,
            self.title,
            *self.details,
            _items(self.items),
            _priced(self.price, self.was, self.discount),
            f"min. spend {_money(self.minimum)}" if self.minimum is not None else "",
            status_words(self.status),
            *self.extras,
            self.url,
        ]
        body = SEPARATOR.join(_flat(part) for part in parts if part and part.strip())
        return f"[{_flat(head)}]" + (f" {body}" if body else "")


def linked_order(card: Card | None) -> str:
    """The platform order id a card names ("" for none): an order card's own reference,
    or the order a return card is about. The message is linked to that order."""
    if card is None:
        return ""
    if card.kind is CardKind.ORDER:
        return card.ref.strip()
    return card.order.strip() if card.kind is CardKind.RETURN else ""


def _flat(text: str) -> str:
    # One line, whitespace collapsed; controls stay as they came (stored text is evidence,
    # neutralised where it is shown: domain.text.terminal_safe).
    return " ".join(text.split())


def status_words(status: str) -> str:
    """A platform status as lower-case words: ``READY_TO_SHIP`` -> ``ready to ship``."""
    return status.replace("_", " ").strip().lower()


def _items(count: int | None) -> str:
    if count is None:
        return ""
    return f"{count} item" if count == 1 else f"{count} items"


def _money(price: Price | None) -> str:
    return "" if price is None else str(price)


def _priced(price: Price | None, was: Price | None, discount: str) -> str:
    shown = _money(price)
    before = ", ".join(part for part in (was and f"was {_money(was)}", discount.strip()) if part)
    if before:
        return f"{shown} ({before})".strip()
    return shown


def amount(value: Any, currency: Any = "") -> Price | None:
    """An API's amount (number, numeric text) in ``currency``, or a price written for
    people ("Rp59.000"), as Money; text that reads as neither is kept as it was."""
    if value is None or value == "":
        return None
    code = currency_code(str(currency or ""))
    exact = to_decimal(value)
    if exact is not None:
        return Money(exact, code) if code else str(value)
    if isinstance(value, str):
        return parse_price(value, code) or value.strip() or None
    return None


def written(value: Any, currency: Any = "") -> Price | None:
    """A price a platform wrote for people ("Rp59.000", "129.000" in Rupiah) as Money; text
    that does not read as one is kept as it was. Lazada sends every price this way."""
    if isinstance(value, str):
        shown = value.strip()
        return parse_price(shown, currency_code(str(currency or ""))) or shown or None
    return amount(value, currency)


def money_of(value: Any, currency: Any = "") -> Price | None:
    """``{"amount": "79000", "currency": "IDR"}`` (TikTok Shop's price objects) or a scalar."""
    if isinstance(value, dict):
        found = next((value[k] for k in ("amount", "sale_price", "price") if k in value), None)
        return amount(found, value.get("currency") or currency)
    return amount(value, currency)


def original_of(value: Any, currency: Any = "") -> Price | None:
    """The pre-discount amount of a TikTok Shop price object, when it has one."""
    if isinstance(value, dict):
        found = value.get("original_amount") or value.get("original_price")
        return amount(found, value.get("currency") or currency)
    return None


def text(value: Any) -> str:
    """A scalar field as text ("" for missing, lists, objects)."""
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return str(value).strip()


def count(value: Any) -> int | None:
    """An item count from a number or digit text; None when absent or not a count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def unsupported(words: str = "") -> Card:
    """A message type deskterm cannot show: the platform's Seller Center can."""
    return Card(CardKind.UNSUPPORTED, details=(words,) if words.strip() else ())

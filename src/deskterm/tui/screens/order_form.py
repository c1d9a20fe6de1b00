"""What an order action needs before it is planned: a cancel's reason and options, a refund's
amount, items and shipping, the new shipping address. Checked here; sent only after the
confirmation screen."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Static

from deskterm.domain import orders as o
from deskterm.domain.order_input import ADDRESS_FORM_FIELDS, parse_amount, parse_items
from deskterm.tui.render import safe_line
from deskterm.tui.screens.modal import Modal

HINT = "ctrl+s or enter: next (what will happen is shown first) · tab: next field · escape back"
MARKETPLACE_REASONS = "e.g. out of stock, pricing error, buyer asked, address cannot be delivered"


def _title(kind: str, order: dict[str, Any]) -> str:
    name = order.get("name") or order.get("id")
    return {
        o.CANCEL: f"Cancel order {name}",
        o.REFUND: f"Refund order {name}",
        o.ADDRESS: f"Shipping address of order {name}",
    }[kind]


class OrderForm(Modal[o.ActionRequest | None]):
    """The fields of one action; dismisses with the ActionRequest, or None (escape)."""

    CSS_PATH = "order_form.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back"),
        Binding("ctrl+s", "submit", "Next", priority=True),
    ]

    def __init__(self, kind: str, order: dict[str, Any]) -> None:
        super().__init__()
        self.kind = kind
        self.order = order
        self.shopify = order.get("platform") == "shopify"

    def compose(self) -> ComposeResult:
        """Title, the fields of this kind, the error line, the keys."""
        with Vertical(id="order-form-box"):
            yield Static(safe_line(_title(self.kind, self.order), "bold"), id="order-form-title")
            with VerticalScroll(id="order-form-fields"):
                yield from self._fields()
            yield Label(id="order-form-error")
            yield Static(Text(HINT), id="order-form-hint")

    def _fields(self) -> ComposeResult:
        if self.kind == o.CANCEL:
            yield Static("Reason (told to the platform)")
            yield Input(
                placeholder="out of stock" if self.shopify else MARKETPLACE_REASONS,
                id="reason",
            )
            if self.shopify:
                yield Checkbox("Refund what was paid", True, id="refund")
                yield Checkbox("Restock the items", True, id="restock")
                yield Checkbox("Email the customer", True, id="notify")
        elif self.kind == o.REFUND:
            currency = self.order.get("currency") or ""
            yield Static(f"Amount ({currency}); empty: what the items and shipping are worth")
            yield Input(placeholder="everything still refundable", id="amount")
            yield Static("Items: SKU:QTY, … (empty with no amount: every line)")
            yield Input(placeholder="TEE-M:1, MUG:2", id="items")
            yield Static("Shipping: all, an amount, or empty")
            yield Input(placeholder="", id="shipping")
            yield Checkbox("Restock the items", True, id="restock")
            yield Checkbox("Email the customer", True, id="notify")
        else:
            current = self.order.get("shipping_address") or {}
            for field in ADDRESS_FORM_FIELDS:
                yield Static(field)
                yield Input(value=str(current.get(field) or ""), id=f"field-{field}")

    def on_mount(self) -> None:
        """The first field has the focus."""
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in any field: next."""
        event.stop()
        self.action_submit()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Editing clears the error."""
        self.query_one("#order-form-error", Label).update("")
        self.set_class(False, "-error")

    def action_submit(self) -> None:
        """Check what was typed; the request, or the mistake under the fields."""
        try:
            request = self.request()
        except ValueError as exc:
            self.query_one("#order-form-error", Label).update(safe_line(str(exc)))
            self.set_class(True, "-error")
            return
        self.dismiss(request)

    def request(self) -> o.ActionRequest:
        """The ActionRequest the fields say (ValueError naming the field otherwise)."""
        if self.kind == o.CANCEL:
            reason = self._text("reason")
            if not reason:
                raise ValueError("say why the order is cancelled (the platform is told)")
            return o.ActionRequest(
                o.CANCEL,
                reason=reason,
                refund=self._checked("refund"),
                restock=self._checked("restock"),
                notify=self._checked("notify"),
            )
        if self.kind == o.REFUND:
            amount_text, shipping_text = self._text("amount"), self._text("shipping")
            try:
                items = parse_items(self._text("items"))
            except ValueError as exc:
                raise ValueError(f"items: {exc}") from None
            shipping: Decimal | bool | None = None
            if shipping_text.lower() in ("all", "yes", "y"):
                shipping = True
            elif shipping_text:
                shipping = _amount("shipping", shipping_text)
            return o.ActionRequest(
                o.REFUND,
                amount=_amount("amount", amount_text) if amount_text else None,
                items=items,
                shipping=shipping,
                restock=self._checked("restock"),
                notify=self._checked("notify"),
            )
        current = self.order.get("shipping_address") or {}
        fields = {
            field: self._text(f"field-{field}")
            for field in ADDRESS_FORM_FIELDS
            if self._text(f"field-{field}") != str(current.get(field) or "")
        }
        if not fields:
            raise ValueError("nothing changed: edit a field, or escape to go back")
        return o.ActionRequest(o.ADDRESS, fields=fields)

    def _text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def _checked(self, name: str) -> bool:
        found = self.query(f"#{name}")
        return bool(found) and self.query_one(f"#{name}", Checkbox).value

    def action_cancel(self) -> None:
        """Back to the orders."""
        self.dismiss(None)


def _amount(what: str, text: str) -> Decimal:
    try:
        return parse_amount(text)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None

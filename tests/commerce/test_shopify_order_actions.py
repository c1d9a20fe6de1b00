"""Shopify orders as PlatformOrder and the order actions, over loopback against the fake."""

from __future__ import annotations

from decimal import Decimal

import pytest

from deskterm.commerce.shopify import ShopifyClient
from deskterm.commerce.shopify_actions import ShopifyOrderActions, cancel_reason
from deskterm.commerce.shopify_orders import normalised_status, platform_orders_for_email
from deskterm.demo.fakes.shopify import FakeOrder
from deskterm.domain import orders as o
from deskterm.domain.errors import ChannelError
from tests.commerce.conftest import TOKEN, Shop

EMAIL = "dewi.lestari@contoh.co.id"

# status -> the actions Shopify allows then (cancel/address before fulfilment, refund while
# something paid is not refunded, duplicate always)
EXPECTED_ACTIONS = {
    "unpaid": (o.CANCEL, o.ADDRESS, o.DUPLICATE),
    "to_ship": (o.CANCEL, o.REFUND, o.ADDRESS, o.DUPLICATE),
    "shipped": (o.REFUND, o.DUPLICATE),
    "delivered": (o.REFUND, o.DUPLICATE),
    "completed": (o.REFUND, o.DUPLICATE),
    "cancelled": (o.DUPLICATE,),
    "returning": (o.REFUND, o.DUPLICATE),
    "returned": (o.DUPLICATE,),
}


def _actions(shop: Shop, version: str = "2025-10") -> ShopifyOrderActions:
    client = ShopifyClient(
        shop.url,
        version,
        TOKEN,
        label="main",
        sleep=shop.time.sleep,
        clock=shop.time.clock,
        timeout=5.0,
    )
    return ShopifyOrderActions(client)


@pytest.fixture
def seeded(shop: Shop) -> dict[str, FakeOrder]:
    return shop.fake.seed_every_status(EMAIL, customer_name="Dewi Lestari")


def _effects(shop: Shop, mutation: str) -> int:
    return sum(1 for name, _gid in shop.fake.mutations.effects if name == mutation)


# --- mapping ------------------------------------------------------------------------------


def test_every_status_and_its_actions(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    with shop.client() as client:
        orders = {order.name: order for order in platform_orders_for_email(client, EMAIL, 10)}
    assert len(orders) == len(o.STATUSES)
    for status, fake in seeded.items():
        order = orders[fake.name]
        assert order.status == status, fake.name
        assert order.actions == EXPECTED_ACTIONS[status], status
    assert set(seeded) == set(o.STATUSES)


def test_order_fields_are_mapped(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["returning"]
    with _actions(shop).client as client:
        order = ShopifyOrderActions(client).order(str(fake.id))
    assert (order.platform, order.id, order.name) == ("shopify", str(fake.id), fake.name)
    assert order.platform_status == "PAID/FULFILLED/RETURN_REQUESTED"
    assert (order.financial_status, order.fulfillment_status) == ("paid", "fulfilled")
    assert order.total == fake.total and order.currency == "IDR"
    first = order.items[0]
    assert (first.sku, first.quantity, first.price) == (
        fake.lines[0].sku,
        2,
        fake.lines[0].price,
    )
    assert first.id == str(fake.id * 100)
    (parcel,) = order.tracking
    assert (parcel.number, parcel.company, parcel.status) == (
        fake.tracking[0].number,
        "J&T",
        "Delivered",
    )
    assert [(r.id, r.status) for r in order.returns] == [("", "RETURN_REQUESTED")]
    assert order.shipping_address["city"] == "Jakarta Selatan"
    assert order.to_json("main")["actions"] == ["refund", "duplicate"]


def test_refunds_show_as_returns_with_their_amount(
    shop: Shop, seeded: dict[str, FakeOrder]
) -> None:
    fake = seeded["returned"]
    order = _actions(shop).order(fake.gid)
    refund = next(r for r in order.returns if r.status == "REFUNDED")
    assert refund.amount == fake.total


def _node(financial: str, fulfillment: str, *parcels: str, **extra: object) -> dict[str, object]:
    node: dict[str, object] = {
        "displayFinancialStatus": financial,
        "displayFulfillmentStatus": fulfillment,
        "fulfillments": [{"displayStatus": parcel} for parcel in parcels],
    }
    return node | extra


@pytest.mark.parametrize(
    ("node", "status"),
    [
        (_node("AUTHORIZED", "UNFULFILLED"), "unpaid"),
        (_node("PARTIALLY_PAID", "ON_HOLD"), "unpaid"),
        (_node("PAID", "ON_HOLD"), "to_ship"),
        (_node("PARTIALLY_REFUNDED", "UNFULFILLED"), "to_ship"),
        (_node("PAID", "PARTIALLY_FULFILLED", "DELIVERED"), "shipped"),
        (_node("PARTIALLY_REFUNDED", "FULFILLED", "DELIVERED", "IN_TRANSIT"), "shipped"),
        (_node("PAID", "FULFILLED", "DELIVERED"), "delivered"),
        (_node("PAID", "FULFILLED", "DELIVERED", closed=True), "completed"),
        (_node("VOIDED", "UNFULFILLED"), "cancelled"),
        (_node("PAID", "UNFULFILLED", cancelledAt="2026-03-01T00:00:00Z"), "cancelled"),
        (_node("PAID", "FULFILLED", returnStatus="IN_PROGRESS"), "returning"),
        (_node("PARTIALLY_REFUNDED", "FULFILLED", returnStatus="INSPECTION_COMPLETE"), "returned"),
        (_node("REFUNDED", "FULFILLED"), "returned"),
        (_node("REFUNDED", "RESTOCKED"), "returned"),
    ],
)
def test_status_table(node: dict[str, object], status: str) -> None:
    assert normalised_status(node) == status


# --- cancel -------------------------------------------------------------------------------


def test_cancel_with_reason_refund_restock_and_notify(
    shop: Shop, seeded: dict[str, FakeOrder]
) -> None:
    fake = seeded["to_ship"]
    actions = _actions(shop)
    actions.cancel(
        str(fake.id),
        "out of stock",
        refund=True,
        restock=True,
        notify=True,
        staff_note="Dewi",
    )
    order = actions.order(str(fake.id))
    assert order.status == o.CANCELLED and order.financial_status == "refunded"
    assert order.actions == (o.DUPLICATE,)
    assert fake.cancel_reason == "INVENTORY"
    assert fake.staff_notes == ["out of stock — Dewi"]
    assert fake.restocked == [(0, 2), (1, 1)]
    assert fake.notified == ["order_cancelled"]
    assert _effects(shop, "orderCancel") == 1
    sent = shop.fake.requests[-2].json()["variables"]
    assert sent["refundMethod"] == {"originalPaymentMethodsRefund": True}
    assert (sent["reason"], sent["restock"], sent["notifyCustomer"]) == ("INVENTORY", True, True)


def test_cancel_an_unpaid_order_without_refund_voids_it(
    shop: Shop, seeded: dict[str, FakeOrder]
) -> None:
    fake = seeded["unpaid"]
    actions = _actions(shop)
    actions.cancel(str(fake.id), "CUSTOMER", refund=False, restock=False, notify=False)
    order = actions.order(str(fake.id))
    assert (order.status, order.financial_status) == (o.CANCELLED, "voided")
    assert fake.restocked == [] and fake.notified == [] and fake.staff_notes == []


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("shipped", "Cannot cancel an order that has fulfillments."),
        ("cancelled", "Order has already been cancelled."),
    ],
)
def test_cancel_refused_plainly(
    shop: Shop, seeded: dict[str, FakeOrder], status: str, reason: str
) -> None:
    fake = seeded[status]
    with pytest.raises(o.ActionRefused) as caught:
        _actions(shop).cancel(str(fake.id), "customer", refund=True, restock=True, notify=True)
    assert str(caught.value) == f"main: Shopify refused to cancel order {fake.id}: {reason}"
    assert not caught.value.transient
    assert _effects(shop, "orderCancel") == 0 and fake.notified == []


def test_cancel_reason_words() -> None:
    assert cancel_reason("FRAUD") == "FRAUD"
    assert cancel_reason("stok habis") == "INVENTORY"
    assert cancel_reason("buyer changed their mind") == "CUSTOMER"
    assert cancel_reason("whatever") == "OTHER"


# --- refund -------------------------------------------------------------------------------


def test_full_refund(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["delivered"]
    actions = _actions(shop)
    assert actions.refund(str(fake.id), notify=True) == fake.total
    order = actions.order(str(fake.id))
    assert order.financial_status == "refunded" and order.status == o.RETURNED
    assert o.REFUND not in order.actions
    assert [r.amount for r in order.returns if r.status == "REFUNDED"] == [fake.total]
    assert fake.restocked == []  # no restock asked
    assert fake.notified == ["refund_created"]
    (refund,) = fake.refunds
    assert refund.lines == [(0, 2, "NO_RESTOCK"), (1, 1, "NO_RESTOCK")]
    assert refund.shipping == fake.shipping


def test_partial_refund_by_line_items_and_shipping(
    shop: Shop, seeded: dict[str, FakeOrder]
) -> None:
    fake = seeded["shipped"]
    sku = fake.lines[0].sku
    actions = _actions(shop)
    amount = actions.refund(
        str(fake.id), items=[(sku, 1)], shipping=Decimal(5000), restock=True, notify=False
    )
    assert amount == fake.lines[0].price + 5000
    order = actions.order(str(fake.id))
    assert order.financial_status == "partially_refunded"
    assert order.status == o.SHIPPED and o.REFUND in order.actions
    assert fake.restocked == [(0, 1)]  # returned to stock, by the refund's RETURN lines
    assert fake.notified == []
    # A second partial refund names the line by its id.
    line_id = order.items[1].id
    assert actions.refund(str(fake.id), items=[(line_id, 1)]) == fake.lines[1].price
    assert fake.refunds[-1].lines == [(1, 1, "NO_RESTOCK")]
    assert fake.refunds[-1].amount == fake.lines[1].price


def test_refund_of_an_amount_only(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["completed"]
    actions = _actions(shop)
    assert actions.refund(str(fake.id), amount=Decimal(10000)) == Decimal(10000)
    assert fake.refunds[-1].amount == Decimal(10000) and fake.refunds[-1].lines == []
    sent = shop.fake.requests[-1].json()["variables"]["input"]
    assert sent["transactions"][0]["kind"] == "REFUND"
    assert sent["transactions"][0]["parentId"] == f"gid://shopify/OrderTransaction/{fake.id}1"


def test_refund_above_what_was_paid_is_refused(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["to_ship"]
    with pytest.raises(o.ActionRefused) as caught:
        _actions(shop).refund(str(fake.id), amount=fake.total + 1)
    assert str(caught.value) == (
        f"main: Shopify refused to refund order {fake.id}: Refund amount of "
        f"{fake.total + 1} is greater than the refundable amount of {fake.total} IDR."
    )
    assert fake.refunds == [] and _effects(shop, "refundCreate") == 0


def test_refund_of_more_items_than_bought_is_refused(
    shop: Shop, seeded: dict[str, FakeOrder]
) -> None:
    fake = seeded["to_ship"]
    with pytest.raises(o.ActionRefused, match="more items than were purchased"):
        _actions(shop).refund(str(fake.id), items=[(fake.lines[1].sku, 5)])
    with pytest.raises(o.ActionRefused, match="has no line 'NOPE'"):
        _actions(shop).refund(str(fake.id), items=[("NOPE", 1)])
    assert fake.refunds == []


def test_nothing_left_to_refund(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["returned"]
    with pytest.raises(o.ActionRefused, match="nothing is left to refund"):
        _actions(shop).refund(str(fake.id))


# --- address ------------------------------------------------------------------------------


def test_address_edit_keeps_the_rest(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["to_ship"]
    actions = _actions(shop)
    actions.update_address(str(fake.id), {"address1": "Jl. Margonda Raya 100", "city": "Depok"})
    address = actions.order(str(fake.id)).shipping_address
    assert address["address1"] == "Jl. Margonda Raya 100" and address["city"] == "Depok"
    assert address["zip"] == "12730" and address["countryCodeV2"] == "ID"


def test_address_edit_refused_once_fulfilled(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["shipped"]
    with pytest.raises(o.ActionRefused) as caught:
        _actions(shop).update_address(str(fake.id), {"city": "Depok"})
    assert str(caught.value) == (
        f"main: Shopify refused to edit the address of order {fake.id}: Shipping address "
        "cannot be changed once the order is fulfilled."
    )
    assert fake.address["city"] == "Jakarta Selatan"


def test_address_edit_names_an_unknown_field(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    with pytest.raises(ValueError, match="unknown address field 'street'"):
        _actions(shop).update_address(str(seeded["to_ship"].id), {"street": "x"})


# --- duplicate ----------------------------------------------------------------------------


def test_duplicate_as_a_draft(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["delivered"]
    draft = _actions(shop).duplicate(str(fake.id), idempotency_key="act-7")
    assert draft.name == "#D1" and draft.id
    (made,) = shop.fake.mutations.drafts
    assert made.email == EMAIL and made.note == f"Duplicate of {fake.name}"
    assert made.tags == ["deskterm", "deskterm-act-7"]
    assert [(line["title"], line["quantity"], line["sku"]) for line in made.lines] == [
        (line.title.split(" - ")[0], line.quantity, line.sku) for line in fake.lines
    ]
    price = made.lines[0]["originalUnitPriceWithCurrency"]
    assert (Decimal(price["amount"]), price["currencyCode"]) == (fake.lines[0].price, "IDR")
    assert made.address["city"] == "Jakarta Selatan"
    assert fake.refunds == [] and fake.cancelled_at is None  # the order itself is untouched


# --- faults and exactly once --------------------------------------------------------------


def test_dropped_cancel_response_is_transient_and_applied_once(
    shop: Shop, seeded: dict[str, FakeOrder]
) -> None:
    fake = seeded["to_ship"]
    actions = _actions(shop)
    shop.fake.drop_after_next_send()
    with pytest.raises(ChannelError) as caught:
        actions.cancel(str(fake.id), "customer", refund=True, restock=False, notify=True)
    assert caught.value.transient and not isinstance(caught.value, o.ActionRefused)
    assert "it may have happened" in str(caught.value)
    assert len(shop.fake.requests) == 1  # a mutation is never retried here
    # The caller reads the order back: the cancel happened, exactly once.
    assert actions.order(str(fake.id)).status == o.CANCELLED
    assert _effects(shop, "orderCancel") == 1 and fake.notified == ["order_cancelled"]


def test_dropped_refund_response_is_applied_once(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["delivered"]
    actions = _actions(shop)
    shop.fake.drop_after_next_send()
    with pytest.raises(ChannelError) as caught:
        actions.refund(str(fake.id), amount=Decimal(20000))
    assert caught.value.transient
    order = actions.order(str(fake.id))
    assert [r.amount for r in order.returns if r.status == "REFUNDED"] == [Decimal(20000)]
    assert _effects(shop, "refundCreate") == 1


def test_idempotency_key_reuse_has_no_second_effect(
    shop: Shop, seeded: dict[str, FakeOrder]
) -> None:
    fake = seeded["delivered"]
    actions = _actions(shop, "2026-01")
    shop.fake.drop_after_next_send()
    with pytest.raises(ChannelError):
        actions.refund(str(fake.id), items=[(fake.lines[0].sku, 1)], idempotency_key="k-1")
    # The same request with the same key: Shopify answers the first result, refunds nothing new.
    again = actions.refund(str(fake.id), items=[(fake.lines[0].sku, 1)], idempotency_key="k-1")
    assert again == fake.lines[0].price
    assert len(fake.refunds) == 1 and _effects(shop, "refundCreate") == 1
    body = shop.fake.requests[-1].json()
    assert "@idempotent(key: $idempotencyKey)" in body["query"]
    assert body["variables"]["idempotencyKey"] == "k-1"
    # The key with other parameters is refused, plainly.
    with pytest.raises(o.ActionRefused, match="same idempotency key cannot be used"):
        actions.refund(str(fake.id), amount=Decimal(1), idempotency_key="k-1")
    assert len(fake.refunds) == 1


def test_no_idempotency_directive_before_2026_01(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["delivered"]
    _actions(shop).refund(str(fake.id), amount=Decimal(1000), idempotency_key="k-2")
    assert "@idempotent" not in shop.fake.requests[-1].json()["query"]
    # Shopify 2025-10 does not know the directive at all.
    body = shop.fake.graphql(
        'mutation { refundCreate(input: {orderId: "x"}) @idempotent(key: "k") '
        "{ userErrors { message } } }",
        {},
    )
    assert body["errors"][0]["message"] == "Directive 'idempotent' is not defined"


def test_unknown_order_is_refused(shop: Shop) -> None:
    with pytest.raises(o.ActionRefused, match="Shopify has no order 123"):
        _actions(shop).order("123")


def test_a_rate_limited_mutation_is_retried_because_it_never_ran(
    shop: Shop, seeded: dict[str, FakeOrder]
) -> None:
    fake = seeded["to_ship"]
    shop.fake.inject_rate_limits(1, "2")
    _actions(shop).update_address(str(fake.id), {"city": "Bogor"})
    assert shop.time.sleeps == [2.0]
    assert fake.address["city"] == "Bogor" and _effects(shop, "orderUpdate") == 1


def test_a_key_is_made_where_shopify_requires_one(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["delivered"]
    _actions(shop, "2026-04").refund(str(fake.id), amount=Decimal(1000))
    body = shop.fake.requests[-1].json()
    assert len(body["variables"]["idempotencyKey"]) == 36
    assert fake.refunds[-1].amount == Decimal(1000)


def test_dropped_duplicate_is_found_by_its_key(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["cancelled"]
    actions = _actions(shop)
    assert actions.find_duplicate("act-9") is None
    shop.fake.drop_after_next_send()
    with pytest.raises(ChannelError) as caught:
        actions.duplicate(str(fake.id), idempotency_key="act-9")
    assert caught.value.transient
    found = actions.find_duplicate("act-9")
    assert found is not None and found.name == "#D1"
    assert len(shop.fake.mutations.drafts) == 1


def test_dropped_address_edit_reads_back_applied(shop: Shop, seeded: dict[str, FakeOrder]) -> None:
    fake = seeded["unpaid"]
    actions = _actions(shop)
    shop.fake.drop_after_next_send()
    with pytest.raises(ChannelError) as caught:
        actions.update_address(str(fake.id), {"zip": "16424"})
    assert caught.value.transient
    assert actions.order(str(fake.id)).shipping_address["zip"] == "16424"
    assert _effects(shop, "orderUpdate") == 1

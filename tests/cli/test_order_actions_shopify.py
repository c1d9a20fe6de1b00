"""``deskterm order cancel|refund|address|duplicate`` end to end on Shopify (issue 13 items
3 and 4): the real CLI against the fake Admin API on loopback, each order its own email
customer with a ticket; the plan shown is what the fake then receives; refusals change
nothing; a dropped answer is read back, never sent twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from deskterm.demo.fakes.shopify import FakeOrder
from tests.cli.order_actions_rig import ADDRESS, LINES, REASON, SHOP, Rig, running_rig

KEYS = [
    "to_ship-cancel",
    "to_ship-cancel-flags",
    "shipped-cancel-refused",
    "to_ship-refund-full",
    "shipped-refund-item",
    "shipped-refund-shipping",
    "shipped-refund-amount",
    "shipped-refund-too-much",
    "to_ship-address",
    "to_ship-address-bad",
    "shipped-duplicate",
    "shipped-duplicate-twice",
    "to_ship-drop-cancel",
    "shipped-drop-refund",
    "shipped-drop-duplicate",
    "to_ship-drop-address",
    "to_ship-notty",
    "to_ship-gateway-cancel",
    "shipped-gateway-refund",
    "shipped-gateway-duplicate",
    "shipped-down-refund",
    "to_ship-host",  # a customer whose later orders the cache does not hold
]
PAID = Decimal(2 * 189000 + 98000 + 15000)  # the rig's lines and shipping


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with running_rig(tmp_path_factory.mktemp("shopify-actions"), market={}, shopify=KEYS) as r:
        yield r


def _ref(order: FakeOrder) -> str:
    return f"{SHOP}:{order.name}"


def _run(
    rig: Rig, capsys: pytest.CaptureFixture[str], key: str, *args: str
) -> tuple[FakeOrder, int, str, str, list[str]]:
    """Run ``order ARGS[0] REF ARGS[1:] --yes`` on the key's order: (order, code, out, err,
    notes added to its ticket)."""
    order = rig.shopify[key]
    ticket = rig.tickets[key]
    before = rig.notes(capsys, ticket)
    code, out, err = rig.cli(capsys, "order", args[0], _ref(order), *args[1:], "--yes")
    return order, code, out, err, rig.notes(capsys, ticket)[len(before) :]


def _effects(rig: Rig, order: FakeOrder) -> list[str]:
    return rig.effects(SHOP, str(order.id))


def test_cancel_refunds_restocks_and_emails_by_default(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    order, code, out, err, notes = _run(rig, capsys, "to_ship-cancel", "cancel", "--reason", REASON)
    assert code == 0, err
    assert "refund Rp491.000 to the original payment" in err
    assert "restock 3 items" in err and "email the customer" in err
    assert _effects(rig, order) == ["orderCancel"]
    assert order.cancelled_at is not None
    assert [r.amount for r in order.refunds] == [PAID]
    assert sorted(order.restocked) == [(0, 2), (1, 1)]
    assert order.notified == ["order_cancelled"]
    assert notes == [f"Order {order.name} cancelled: {REASON}; refunded Rp491.000; restocked"]
    ticket = rig.tickets["to_ship-cancel"]
    assert rig.events(str(order.id)) == [
        ("order.action_requested", ticket),
        ("order.done", ticket),
    ]
    assert rig.cached(capsys, _ref(order))["status"] == "cancelled"
    # The refreshed order replaced the cached row; it did not become a second one.
    code, out, err = rig.cli(capsys, "order", "list", str(ticket), "--json")
    assert code == 0, err
    assert [(o["name"], o["status"]) for o in json.loads(out)] == [(order.name, "cancelled")]


def test_cancel_without_refund_restock_or_email(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    order, code, _out, err, notes = _run(
        rig,
        capsys,
        "to_ship-cancel-flags",
        "cancel",
        "--reason",
        "customer changed mind",
        "--no-refund",
        "--no-restock",
        "--no-notify",
    )
    assert code == 0, err
    assert "no refund" in err and "no restock" in err and "the customer is not emailed" in err
    assert "Rp491.000" not in err
    assert _effects(rig, order) == ["orderCancel"]
    assert (order.refunds, order.restocked, order.notified) == ([], [], [])
    assert notes == [f"Order {order.name} cancelled: customer changed mind"]


def test_refund_everything(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    order, code, _out, err, notes = _run(rig, capsys, "to_ship-refund-full", "refund")
    assert code == 0, err
    assert "give back Rp491.000 to the original payment" in err
    assert "everything still refundable" in err
    assert _effects(rig, order) == ["refundCreate"]
    assert [r.amount for r in order.refunds] == [PAID]
    assert len(notes) == 1 and notes[0].startswith(f"Order {order.name} refunded Rp491.000")
    assert rig.cached(capsys, _ref(order))["financial_status"] == "refunded"


def test_refund_one_item(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    order, code, _out, err, notes = _run(
        rig, capsys, "shipped-refund-item", "refund", "--item", "BTK-L:1"
    )
    assert code == 0, err
    assert "give back Rp189.000" in err and "items: 1 x Kemeja Batik" in err
    assert _effects(rig, order) == ["refundCreate"]
    [refund] = order.refunds
    assert refund.amount == Decimal(189000)
    assert [(index, qty) for index, qty, _ in refund.lines] == [(0, 1)]
    assert refund.shipping == 0
    assert len(notes) == 1 and "refunded Rp189.000" in notes[0]


def test_refund_the_shipping(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    order, code, _out, err, notes = _run(
        rig, capsys, "shipped-refund-shipping", "refund", "--shipping"
    )
    assert code == 0, err
    assert "give back Rp15.000" in err and "shipping: Rp15.000" in err
    [refund] = order.refunds
    assert (refund.amount, refund.shipping, refund.lines) == (Decimal(15000), Decimal(15000), [])
    assert notes == [f"Order {order.name} refunded Rp15.000 (shipping)"]


def test_refund_an_amount(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    order, code, out, err, notes = _run(
        rig, capsys, "shipped-refund-amount", "refund", "--amount", "25000", "--json"
    )
    assert code == 0, err
    assert "give back Rp25.000" in err
    result = json.loads(out)
    assert result["state"] == "done" and Decimal(result["result"]["amount"]) == 25000
    [refund] = order.refunds
    assert refund.amount == Decimal(25000) and refund.lines == []
    assert notes == [f"Order {order.name} refunded Rp25.000"]


def test_refund_more_than_was_paid_is_refused(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    order, code, out, err, notes = _run(
        rig, capsys, "shipped-refund-too-much", "refund", "--amount", "9999999"
    )
    assert (code, out, notes) == (1, "", [])
    last = err.splitlines()[-1]
    assert last.startswith("deskterm: ") and "refundable amount of 491000 IDR" in last, err
    assert _effects(rig, order) == [] and order.refunds == []


def test_cancel_a_shipped_order_is_refused(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    order, code, out, err, notes = _run(
        rig, capsys, "shipped-cancel-refused", "cancel", "--reason", REASON
    )
    assert (code, out, notes) == (1, "", [])
    last = err.splitlines()[-1]
    assert last.startswith("deskterm: ") and "fulfillments" in last, err
    assert _effects(rig, order) == [] and order.cancelled_at is None


def test_edit_the_shipping_address(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    order, code, _out, err, notes = _run(
        rig, capsys, "to_ship-address", "address", "--set", "city=Bandung", "--set", "zip=40111"
    )
    assert code == 0, err
    assert "city: Jakarta Selatan -> Bandung" in err and "zip: 12730 -> 40111" in err
    assert _effects(rig, order) == ["orderUpdate"]
    assert (order.address["city"], order.address["zip"]) == ("Bandung", "40111")
    assert order.address["address1"] == ADDRESS["address1"]
    assert notes == [f"Order {order.name} shipping address changed: city Bandung, zip 40111"]


def test_an_unknown_address_field_is_one_line(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    order, code, out, err, notes = _run(
        rig, capsys, "to_ship-address-bad", "address", "--set", "town=Bandung"
    )
    assert (code, out, notes) == (1, "", [])
    assert len(err.splitlines()) == 1, err
    assert "unknown address field 'town'" in err and "address1, address2, city" in err
    assert _effects(rig, order) == [] and order.address == ADDRESS


def test_duplicate_makes_a_draft_named_in_the_note(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    drafts = len(rig.fakes.shopify.mutations.drafts)
    order, code, out, err, notes = _run(rig, capsys, "shipped-duplicate", "duplicate")
    assert code == 0, err
    assert "a draft order with 2 x Kemeja Batik" in err
    new = rig.fakes.shopify.mutations.drafts[drafts:]
    assert len(new) == 1 and new[0].email == order.email
    assert notes == [f"Order {order.name} duplicated as draft {new[0].name}"]
    assert new[0].name in out


def test_asking_again_after_a_done_action_says_it_was_done(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever lost the outcome (a closed terminal) and asks again is told first that the
    same action was done, and a second one is a second one (asked for, so made)."""
    drafts = len(rig.fakes.shopify.mutations.drafts)
    _order, code, _out, err, _notes = _run(rig, capsys, "shipped-duplicate-twice", "duplicate")
    assert code == 0 and "already done" not in err
    _order, code, _out, err, _notes = _run(rig, capsys, "shipped-duplicate-twice", "duplicate")
    assert code == 0, err
    assert "NOTE: the same duplicate of this order was already done at " in err
    assert "this does it again" in err
    assert len(rig.fakes.shopify.mutations.drafts) == drafts + 2


# --- a dropped answer --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "args", "mutation"),
    [
        ("to_ship-drop-cancel", ("cancel", "--reason", REASON), "orderCancel"),
        ("shipped-drop-refund", ("refund", "--amount", "10000"), "refundCreate"),
        ("shipped-drop-duplicate", ("duplicate",), "draftOrderCreate"),
        ("to_ship-drop-address", ("address", "--set", "city=Bogor"), "orderUpdate"),
    ],
)
def test_a_dropped_answer_is_read_back_not_sent_again(
    rig: Rig, key: str, args: tuple[str, ...], mutation: str, capsys: pytest.CaptureFixture[str]
) -> None:
    drafts = len(rig.fakes.shopify.mutations.drafts)
    rig.drop_next(SHOP)
    order, code, out, err, notes = _run(rig, capsys, key, *args)
    assert code == 0, err
    assert out.startswith("done: ")
    if mutation == "draftOrderCreate":
        assert len(rig.fakes.shopify.mutations.drafts) == drafts + 1
    else:
        assert _effects(rig, order) == [mutation]
    assert len(notes) == 1
    assert [s for _, s, _ in rig.actions(SHOP, str(order.id))] == ["done"]


def test_without_yes_nothing_is_recorded_or_sent(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    order = rig.shopify["to_ship-notty"]
    code, out, err = rig.cli(capsys, "order", "cancel", _ref(order), "--reason", REASON)
    assert (code, out) == (1, "")
    assert "refund Rp491.000" in err and "add --yes" in err.splitlines()[-1]
    assert rig.actions(SHOP, str(order.id)) == [] and _effects(rig, order) == []


# --- a 5xx: after Shopify did it, or before --------------------------------------------------


@pytest.mark.parametrize(
    ("key", "args", "mutation"),
    [
        ("to_ship-gateway-cancel", ("cancel", "--reason", REASON), "orderCancel"),
        ("shipped-gateway-refund", ("refund", "--amount", "10000"), "refundCreate"),
        ("shipped-gateway-duplicate", ("duplicate",), "draftOrderCreate"),
    ],
)
def test_a_5xx_after_shopify_did_it_is_read_back_not_sent_again(
    rig: Rig, key: str, args: tuple[str, ...], mutation: str, capsys: pytest.CaptureFixture[str]
) -> None:
    drafts = len(rig.fakes.shopify.mutations.drafts)
    with rig.sends_fail(SHOP, 502, applied=True) as answered:
        order, code, out, err, notes = _run(rig, capsys, key, *args)
    assert code == 0, err
    assert out.startswith("done: ")
    if mutation == "draftOrderCreate":
        assert len(rig.fakes.shopify.mutations.drafts) == drafts + 1
    else:
        assert _effects(rig, order) == [mutation]
    assert len(notes) == 1
    assert [s for _, s, _ in rig.actions(SHOP, str(order.id))] == ["done"]
    assert len(answered) == 1, answered  # not retried blindly


def test_shopify_down_for_changes_then_back(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    with rig.sends_fail(SHOP, 503):
        order, code, out, err, notes = _run(
            rig, capsys, "shipped-down-refund", "refund", "--amount", "30000"
        )
    assert (code, out, notes) == (1, "", [])
    assert "not confirmed" in err.splitlines()[-1]
    assert _effects(rig, order) == [] and order.refunds == []
    order, code, out, err, notes = _run(
        rig, capsys, "shipped-down-refund", "refund", "--amount", "30000"
    )
    assert code == 0, err
    assert "was never confirmed" in err
    assert [r.amount for r in order.refunds] == [Decimal(30000)]
    assert len(notes) == 1
    assert [s for _, s, _ in rig.actions(SHOP, str(order.id))] == ["done"]


# --- an order the cache does not hold ---------------------------------------------------


@pytest.mark.parametrize("form", ["name", "number", "id"])
def test_an_order_not_cached_yet_is_found_and_noted_on_its_customers_ticket(
    rig: Rig, form: str, capsys: pytest.CaptureFixture[str]
) -> None:
    host = rig.shopify["to_ship-host"]
    order = rig.fakes.shopify.add_order(host.email, list(LINES), customer_name="Buyer")
    ref = {"name": order.name, "number": order.name.lstrip("#"), "id": str(order.id)}[form]
    ticket = rig.tickets["to_ship-host"]
    before = len(rig.notes(capsys, ticket))
    code, out, err = rig.cli(
        capsys, "order", "cancel", f"{SHOP}:{ref}", "--reason", REASON, "--yes", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["ticket_id"] == ticket
    assert _effects(rig, order) == ["orderCancel"]
    assert rig.notes(capsys, ticket)[before:] == [
        f"Order {order.name} cancelled: {REASON}; refunded Rp476.000; restocked"
    ]
    assert rig.cached(capsys, f"{SHOP}:{order.name}")["status"] == "cancelled"


def test_an_order_shopify_does_not_have_is_one_line(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = rig.cli(
        capsys, "order", "cancel", f"{SHOP}:#99999", "--reason", REASON, "--yes"
    )
    assert (code, out) == (1, "")
    assert err == "deskterm: main: Shopify has no order #99999\n"


def test_a_ticket_that_does_not_exist_is_one_line_before_anything_is_shown(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    order = rig.shopify["to_ship-notty"]
    code, out, err = rig.cli(
        capsys, "order", "cancel", _ref(order), "--reason", REASON, "--ticket", "99999", "--yes"
    )
    assert (code, out, err) == (1, "", "deskterm: no ticket with id 99999\n")
    assert rig.actions(SHOP, str(order.id)) == [] and _effects(rig, order) == []

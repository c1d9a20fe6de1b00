"""Killed at every step of an order action (issue 13 "Done when", the isync standard): the
CLI dies after the action is recorded, after it is marked sending, after the platform did
it but before that was recorded, while the note is written and after it was; the SAME
command run again converges: the platform saw one effect, the action is done, the ticket
has one note."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import deskterm.services.order_actions as engine
from tests.cli.order_actions_rig import REASON, SHOP, SHOPEE, Killed, Rig, running_rig

STEPS = ["recorded", "sending", "performed", "noting", "noted"]
SHOPIFY = {
    "cancel": ("to_ship", ("cancel", "--reason", REASON), "orderCancel"),
    "refund": ("shipped", ("refund", "--amount", "20000"), "refundCreate"),
    "duplicate": ("shipped", ("duplicate",), "draftOrderCreate"),
}


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    market = {SHOPEE: [f"to_ship-{step}" for step in STEPS]}
    shopify = [
        f"{state}-{name}-{step}" for name, (state, _, _) in SHOPIFY.items() for step in STEPS
    ]
    with running_rig(tmp_path_factory.mktemp("kill"), market=market, shopify=shopify) as r:
        yield r


def _kill_at(monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """Die (once) at ``step`` of services/order_actions.py."""

    def once(name: str, before: Callable[..., bool] | None = None) -> None:
        original = getattr(engine, name)

        def dying(*args: Any, **kwargs: Any) -> Any:
            if before is None or before(*args, **kwargs):
                monkeypatch.setattr(engine, name, original)
                if step in ("sending", "noted"):  # the step is done; then the process dies
                    original(*args, **kwargs)
                raise Killed(step)
            return original(*args, **kwargs)

        monkeypatch.setattr(engine, name, dying)

    if step == "recorded":
        once("execute")  # record() has written the row; nothing was sent
    elif step == "sending":
        once("_mark", lambda _store, _row, state, **_: state == engine.SENDING)
    elif step == "performed":
        once("_done")  # perform() returned: the platform did it; nothing recorded that
    else:
        once("add_note")  # the note is being written ("noting") or was written ("noted")


def _converges(
    rig: Rig,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    step: str,
    command: tuple[str, ...],
    ticket: int,
) -> None:
    before = len(rig.notes(capsys, ticket))
    _kill_at(monkeypatch, step)
    with pytest.raises(Killed):
        rig.cli(capsys, *command)
    capsys.readouterr()
    code, out, err = rig.cli(capsys, *command)
    assert code == 0, err
    assert out.startswith("done: "), (out, err)
    assert len(rig.notes(capsys, ticket)) == before + 1, rig.notes(capsys, ticket)[before:]


@pytest.mark.parametrize("step", STEPS)
def test_a_marketplace_cancel_killed_at_every_step_converges(
    rig: Rig, step: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    order = rig.market[(SHOPEE, f"to_ship-{step}")]
    ticket = rig.ticket_of(capsys, order.ref)
    command = ("order", "cancel", order.ref, "--reason", REASON, "--yes")
    _converges(rig, capsys, monkeypatch, step=step, command=command, ticket=ticket)
    assert rig.effects(SHOPEE, order.id) == ["cancel_order"]
    assert rig.actions(SHOPEE, order.id) == [("cancel", "done", ticket)]
    assert rig.cached(capsys, order.ref)["status"] == "cancelled"


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("name", list(SHOPIFY))
def test_a_shopify_action_killed_at_every_step_converges(
    rig: Rig,
    name: str,
    step: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state, args, mutation = SHOPIFY[name]
    key = f"{state}-{name}-{step}"
    order = rig.shopify[key]
    ticket = rig.tickets[key]
    drafts = len(rig.fakes.shopify.mutations.drafts)
    command = ("order", args[0], f"{SHOP}:{order.name}", *args[1:], "--yes")
    _converges(rig, capsys, monkeypatch, step=step, command=command, ticket=ticket)
    if mutation == "draftOrderCreate":
        assert len(rig.fakes.shopify.mutations.drafts) == drafts + 1
    else:
        assert rig.effects(SHOP, str(order.id)) == [mutation]
    if name == "refund":
        assert [r.amount for r in order.refunds] == [20000]
    assert rig.actions(SHOP, str(order.id)) == [(args[0], "done", ticket)]

"""``deskterm order cancel|accept-cancel|reject-cancel`` end to end on TikTok Shop, Shopee
and Lazada (issue 13 items 3 and 4): the real CLI against the fakes on loopback, a store
filled by ``sync --once``; done once, noted on the buyer's ticket, in the audit log; a
refusal is one line and changes nothing; without --yes it asks or refuses."""

from __future__ import annotations

import io
import json
import os
import pty
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.cli.order_actions_rig import (
    MARKETPLACES,
    REASON,
    SHOPEE,
    Market,
    Rig,
    add_market_orders,
    running_rig,
)

KEYS = [
    "to_ship-cancel",
    "asked-accept",
    "asked-reject",
    "shipped-refused",
    "to_ship-plain",
    "to_ship-drop",
    "to_ship-down",
    "to_ship-gateway",
    "to_ship-unreachable",
]
ASKING = ["to_ship-notty", "to_ship-yes", "to_ship-no", "to_ship-pty-yes", "to_ship-pty-no"]


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    wanted = {store: list(KEYS) for store in MARKETPLACES}
    wanted[SHOPEE] += ASKING
    with running_rig(tmp_path_factory.mktemp("market-actions"), market=wanted, shopify=[]) as r:
        yield r


def _order(rig: Rig, store: str, key: str) -> Market:
    return rig.market[(store, key)]


@pytest.mark.parametrize("store", MARKETPLACES)
def test_cancel_is_done_once_noted_logged_and_cached(
    rig: Rig, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order = _order(rig, store, "to_ship-cancel")
    ticket = rig.ticket_of(capsys, order.ref)
    before = len(rig.notes(capsys, ticket))
    code, out, err = rig.cli(capsys, "order", "cancel", order.ref, "--reason", REASON, "--yes")
    assert code == 0, err
    assert "this will:" in err and REASON in err
    assert out.startswith("done: ") and f"Order {order.id} cancelled: {REASON}" in out
    assert len(rig.effects(store, order.id)) == 1
    assert rig.status(store, order.id) in ("CANCELLED", "canceled")
    notes = rig.notes(capsys, ticket)
    assert notes[before:] == [f"Order {order.id} cancelled: {REASON}"]
    assert rig.actions(store, order.id) == [("cancel", "done", ticket)]
    assert rig.events(order.id) == [("order.action_requested", ticket), ("order.done", ticket)]
    assert rig.cached(capsys, order.ref)["status"] == "cancelled"


@pytest.mark.parametrize("store", MARKETPLACES)
@pytest.mark.parametrize("answer", ["accept-cancel", "reject-cancel"])
def test_answer_a_buyers_cancellation_request(
    rig: Rig, store: str, answer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order = _order(rig, store, "asked-accept" if answer == "accept-cancel" else "asked-reject")
    assert "accept_cancel" in rig.cached(capsys, order.ref)["actions"]
    ticket = rig.ticket_of(capsys, order.ref)
    before = len(rig.notes(capsys, ticket))
    code, _out, err = rig.cli(capsys, "order", answer, order.ref, "--yes")
    assert code == 0, err
    assert len(rig.effects(store, order.id)) == 1
    assert not rig.pending_request(store, order.id)
    word = "accepted" if answer == "accept-cancel" else "rejected"
    assert rig.notes(capsys, ticket)[before:] == [f"Order {order.id}: buyer's cancellation {word}"]
    kind = answer.replace("-", "_")
    assert rig.actions(store, order.id) == [(kind, "done", ticket)]
    assert [e for e, _ in rig.events(order.id)] == ["order.action_requested", "order.done"]
    cached = rig.cached(capsys, order.ref)
    assert "accept_cancel" not in cached["actions"]
    if answer == "accept-cancel":
        assert cached["status"] == "cancelled"
    else:
        assert cached["status"] != "cancelled"


# --- refusals: one line, exit 1, nothing changed, no note ---------------------------------


def _refused(rig: Rig, capsys: pytest.CaptureFixture[str], order: Market, *args: str) -> str:
    ticket = rig.ticket_of(capsys, order.ref)
    notes = rig.notes(capsys, ticket)
    status = rig.status(order.store, order.id)
    code, out, err = rig.cli(capsys, "order", *args, "--yes")
    assert code == 1, (out, err)
    assert out == ""
    last = err.splitlines()[-1]
    assert last.startswith("deskterm: ") and "Traceback" not in err
    assert rig.effects(order.store, order.id) == []
    assert rig.status(order.store, order.id) == status
    assert rig.notes(capsys, ticket) == notes
    return last


@pytest.mark.parametrize("store", MARKETPLACES)
def test_cancel_a_shipped_order_is_refused_with_the_platforms_reason(
    rig: Rig, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order = _order(rig, store, "shipped-refused")
    line = _refused(rig, capsys, order, "cancel", order.ref, "--reason", REASON)
    assert order.id in line and "cancel" in line.lower()
    assert [state for _, state, _ in rig.actions(store, order.id)] in ([], ["refused"])


@pytest.mark.parametrize("store", MARKETPLACES)
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("refund",), "refunds through the buyer's return request"),
        (("address", "--set", "city=Bandung"), "only the buyer change the address"),
        (("duplicate",), "placed by the buyer"),
        (("accept-cancel",), ""),
    ],
)
def test_what_a_marketplace_cannot_do_is_refused_plainly(
    rig: Rig, store: str, args: tuple[str, ...], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order = _order(rig, store, "to_ship-plain")
    line = _refused(rig, capsys, order, args[0], order.ref, *args[1:])
    assert words in line
    if args[0] != "accept-cancel":
        assert "it can: cancel, accept_cancel, reject_cancel" in line
        assert (args[0], "refused") not in [(k, s) for k, s, _ in rig.actions(store, order.id)]


def test_a_bad_ref_an_unknown_store_and_no_reason(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = rig.cli(capsys, "order", "cancel", "12345", "--reason", REASON, "--yes")
    assert (code, out) == (2, "") and len(err.splitlines()) == 1 and "not an order REF" in err
    code, out, err = rig.cli(
        capsys, "order", "cancel", "nowhere:12345", "--reason", REASON, "--yes"
    )
    assert (code, out) == (2, "") and len(err.splitlines()) == 1, err
    assert "'nowhere' is not a Shopify store or a marketplace channel" in err
    assert "tokopedia, shopee-id, lazada-id" in err or "main" in err
    order = _order(rig, SHOPEE, "to_ship-plain")
    code, out, err = rig.cli(capsys, "order", "cancel", order.ref, "--yes")
    assert code == 2 and "--reason" in err
    code, out, err = rig.cli(capsys, "order", "cancel", order.ref, "--reason", "  ", "--yes")
    assert code == 2 and len(err.splitlines()) == 1 and "--reason must say why" in err
    assert rig.effects(SHOPEE, order.id) == []


# --- asking ------------------------------------------------------------------------------


class Answering(io.StringIO):
    """A terminal on stdin that answers the question."""

    def isatty(self) -> bool:
        return True


def test_without_yes_and_no_terminal_nothing_is_recorded_or_sent(
    rig: Rig, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    order = _order(rig, SHOPEE, "to_ship-notty")
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # a pipe: not a terminal
    code, out, err = rig.cli(capsys, "order", "cancel", order.ref, "--reason", REASON)
    assert (code, out) == (1, "")
    assert "this will:" in err and f"cancel order {order.id}" in err
    assert err.splitlines()[-1] == (
        "deskterm: order cancel: not done: stdin is not a terminal to ask on; "
        "add --yes to go ahead without asking"
    )
    assert rig.actions(SHOPEE, order.id) == [] and rig.events(order.id) == []
    assert rig.effects(SHOPEE, order.id) == []


@pytest.mark.parametrize(("answer", "done"), [("y\n", True), ("n\n", False)])
def test_a_terminal_is_asked(
    rig: Rig,
    answer: str,
    done: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = _order(rig, SHOPEE, "to_ship-yes" if done else "to_ship-no")
    monkeypatch.setattr("sys.stdin", Answering(answer))
    code, out, err = rig.cli(capsys, "order", "cancel", order.ref, "--reason", REASON)
    assert "Go ahead? [y/N]" in err
    if done:
        assert code == 0 and out.startswith("done: "), err
        assert rig.effects(SHOPEE, order.id) == ["cancel_order"]
        assert [s for _, s, _ in rig.actions(SHOPEE, order.id)] == ["done"]
    else:
        assert (code, out) == (1, "")
        # (a terminal echoes the answer and its newline; this stdin does not)
        assert err.endswith("Go ahead? [y/N] deskterm: order cancel: not done (answered 'n')\n")
        assert rig.effects(SHOPEE, order.id) == [] and rig.actions(SHOPEE, order.id) == []


@pytest.mark.parametrize(("answer", "done"), [(b"y\n", True), (b"\n", False)])
def test_a_real_terminal_is_asked(rig: Rig, answer: bytes, done: bool) -> None:
    """``python -m deskterm`` with a pseudo-terminal on stdin, answering the question."""
    order = _order(rig, SHOPEE, "to_ship-pty-yes" if done else "to_ship-pty-no")
    main_side, terminal = pty.openpty()
    try:
        os.write(main_side, answer)  # typed ahead: read once the question is asked
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "deskterm",
                "--config",
                str(rig.config),
                "order",
                "cancel",
                order.ref,
                "--reason",
                REASON,
            ],
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(terminal)
        os.close(main_side)
    assert "Go ahead? [y/N]" in result.stderr
    if done:
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("done: ")
        assert rig.effects(SHOPEE, order.id) == ["cancel_order"]
    else:
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr.endswith("deskterm: order cancel: not done (answered 'nothing')\n")
        assert rig.effects(SHOPEE, order.id) == [] and rig.actions(SHOPEE, order.id) == []


# --- faults ------------------------------------------------------------------------------


@pytest.mark.parametrize("store", MARKETPLACES)
def test_a_dropped_answer_is_read_back_not_sent_again(
    rig: Rig, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order = _order(rig, store, "to_ship-drop")
    ticket = rig.ticket_of(capsys, order.ref)
    before = len(rig.notes(capsys, ticket))
    rig.drop_next(store)
    code, out, err = rig.cli(capsys, "order", "cancel", order.ref, "--reason", REASON, "--yes")
    assert code == 0, err
    assert out.startswith("done: ")
    assert len(rig.effects(store, order.id)) == 1
    assert rig.actions(store, order.id) == [("cancel", "done", ticket)]
    assert len(rig.notes(capsys, ticket)) == before + 1
    assert rig.cached(capsys, order.ref)["status"] == "cancelled"


@pytest.mark.parametrize("store", MARKETPLACES)
def test_a_platform_that_refuses_every_send_leaves_it_unknown_then_a_rerun_converges(
    rig: Rig, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order = _order(rig, store, "to_ship-down")
    ticket = rig.ticket_of(capsys, order.ref)
    before = len(rig.notes(capsys, ticket))
    command = ("order", "cancel", order.ref, "--reason", REASON, "--yes")
    with rig.sends_fail(store) as refused:
        code, out, err = rig.cli(capsys, *command)
    assert (code, out) == (1, ""), err
    assert refused, "the action never reached the platform"
    assert "not confirmed" in err.splitlines()[-1]
    assert rig.effects(store, order.id) == []
    assert [s for _, s, _ in rig.actions(store, order.id)] == ["unknown"]
    # The platform is back: the same command settles the earlier attempt, once.
    code, out, err = rig.cli(capsys, *command)
    assert code == 0, err
    assert "was never confirmed" in err
    assert len(rig.effects(store, order.id)) == 1
    assert [s for _, s, _ in rig.actions(store, order.id)] == ["done"]
    assert len(rig.notes(capsys, ticket)) == before + 1


@pytest.mark.parametrize("store", MARKETPLACES)
def test_a_5xx_after_the_platform_did_it_is_read_back_not_sent_again(
    rig: Rig, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order = _order(rig, store, "to_ship-gateway")
    ticket = rig.ticket_of(capsys, order.ref)
    before = len(rig.notes(capsys, ticket))
    with rig.sends_fail(store, 502, applied=True) as answered:
        code, out, err = rig.cli(capsys, "order", "cancel", order.ref, "--reason", REASON, "--yes")
    assert code == 0, err
    assert out.startswith("done: ")
    assert len(answered) == 1, answered
    assert len(rig.effects(store, order.id)) == 1
    assert [s for _, s, _ in rig.actions(store, order.id)] == ["done"]
    assert len(rig.notes(capsys, ticket)) == before + 1


@pytest.mark.parametrize("store", MARKETPLACES)
def test_an_unreachable_platform_is_one_line_and_nothing_is_recorded(
    rig: Rig, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    order = _order(rig, store, "to_ship-unreachable")
    base = rig.fake_of(store).base_url
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    down = rig.config.with_name(f"down-{store}.toml")  # beside it: the same store
    down.write_text(rig.config.read_text().replace(base, f"http://127.0.0.1:{port}"))
    code, out, err = Rig(rig.fakes, down, rig.db).cli(
        capsys, "order", "cancel", order.ref, "--reason", REASON, "--yes"
    )
    assert (code, out) == (1, ""), err
    assert len(err.splitlines()) == 1 and err.startswith("deskterm: "), err
    assert "Traceback" not in err
    assert rig.actions(store, order.id) == [] and rig.effects(store, order.id) == []
    assert rig.cached(capsys, order.ref)["status"] == "to_ship"  # the cache knew it


@pytest.mark.parametrize("store", MARKETPLACES)
def test_an_order_not_cached_yet_is_noted_on_its_buyers_ticket(
    rig: Rig, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    [order] = add_market_orders(rig.fakes, {store: ["to_ship-late"]}).values()
    ticket = rig.ticket_of(capsys, _order(rig, store, "to_ship-cancel").ref)  # same buyer
    before = len(rig.notes(capsys, ticket))
    code, out, err = rig.cli(
        capsys, "order", "cancel", order.ref, "--reason", REASON, "--yes", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["ticket_id"] == ticket
    assert len(rig.effects(store, order.id)) == 1
    assert rig.notes(capsys, ticket)[before:] == [f"Order {order.id} cancelled: {REASON}"]
    assert rig.cached(capsys, order.ref)["status"] == "cancelled"

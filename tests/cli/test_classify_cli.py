"""``deskterm classify [TEXT] [--stdin] [--json]`` (issue 12 §8) as a script runs it: JSON
lines in, one JSON line out per input in order, a bad line answered with an error line in its
place and named on stderr, usage errors as one line with exit code 2."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from deskterm.domain.labels import INTENTS, SENTIMENTS
from tests.cli.subprocess_cli import UNSAFE_OUTPUT, Result, run_deskterm

KEYS = {"language", "intent", "intent_confidence", "sentiments"}


def lines_in(*rows: object) -> bytes:
    return b"".join(
        (row if isinstance(row, bytes) else json.dumps(row).encode()) + b"\n" for row in rows
    )


def answers(result: Result) -> list[dict[str, Any]]:
    out = [json.loads(line) for line in result.out.splitlines()]
    assert all(isinstance(item, dict) for item in out)
    return out


def assert_labels_shape(item: dict[str, Any]) -> None:
    """The types issue 12 §8 gives each key."""
    assert item.keys() >= KEYS
    assert item["language"] is None or (
        isinstance(item["language"], str) and len(item["language"]) == 2
    )
    assert item["intent"] is None or item["intent"] in INTENTS
    confidence = item["intent_confidence"]
    assert isinstance(confidence, float | int) and not isinstance(confidence, bool)
    assert 0.0 <= confidence <= 1.0
    assert isinstance(item["sentiments"], list)
    assert all(s in SENTIMENTS for s in item["sentiments"])


def test_stdin_json_lines_one_answer_per_input_in_order() -> None:
    rows = [
        {"text": "kak tolong batalin pesanan saya ya, salah pilih warna"},
        {"text": "O copo chegou todo quebrado, a caixa veio amassada", "channel": "chat"},
        {
            "text": "Got the replacement today, thank you so much!\n\nSent from my iPhone\n\n"
            "On Mon, 2 Mar 2026, Laura <laura@example.com> wrote:\n"
            "> The mug arrived smashed. Refund me today or I report you!\n",
            "subject": "Re: Broken mug",
            "channel": "email",
        },
        {"text": "¿Dónde está mi paquete? Compré hace una semana y todavía no llega"},
        {"text": "🙂"},
        {"text": "Third email and still NOTHING. Refund me by tomorrow or I report you!!"},
    ]
    result = run_deskterm("classify", "--stdin", stdin=lines_in(*rows))
    assert result.code == 0, result.err
    assert result.err == ""
    out = answers(result)
    assert len(out) == len(rows)
    for item in out:
        assert_labels_shape(item)
    assert [item["intent"] for item in out[:4]] == [
        "order/cancel",
        "order/damaged",
        "other/thanks",
        "shipping/status",
    ]
    assert [item["language"] for item in out[:4]] == ["id", "pt", "en", "es"]
    assert out[4]["language"] is None and out[4]["intent"] is None
    assert "positive" in out[2]["sentiments"] and "negative" not in out[2]["sentiments"]
    assert {"negative", "threatening"} <= set(out[5]["sentiments"])


def test_order_is_kept_over_many_lines() -> None:
    """More lines than any internal batch: answers still match their inputs one to one."""
    cancel = "Please cancel my order, I ordered it by mistake"
    thanks = "Thank you so much, it arrived today and it's lovely!"
    rows = [{"text": cancel if n % 3 else thanks} for n in range(150)]
    result = run_deskterm("classify", "--stdin", stdin=lines_in(*rows))
    assert result.code == 0, result.err
    out = answers(result)
    assert len(out) == 150
    wanted = ["order/cancel" if n % 3 else "other/thanks" for n in range(150)]
    assert [item["intent"] for item in out] == wanted


def test_a_bad_line_gets_an_error_line_in_its_place() -> None:
    good = {"text": "Please cancel my order, I ordered it by mistake"}
    feed = lines_in(
        good,  # 1
        b"this is not json",  # 2
        good,  # 3
        {"text": 42},  # 4
        {"text": "ok", "channel": "sms"},  # 5
        [1, 2, 3],  # 6
        {"subject": "no text"},  # 7
        good,  # 8
    )
    result = run_deskterm("classify", "--stdin", stdin=feed)
    assert result.code != 0
    out = answers(result)
    assert len(out) == 8
    bad = {2, 4, 5, 6, 7}
    for number, item in enumerate(out, 1):
        if number in bad:
            assert "error" in item and "intent" not in item, (number, item)
            assert isinstance(item["error"], str) and item["error"]
        else:
            assert_labels_shape(item)
            assert item["intent"] == "order/cancel"
    errors = result.err_lines()
    assert len(errors) == len(bad), errors
    for number, line in zip(sorted(bad), errors, strict=True):
        assert f"line {number}" in line, line
        assert "Traceback" not in line


def test_a_line_that_is_not_utf8_is_one_error() -> None:
    feed = lines_in({"text": "Please cancel my order"}, b'\xff\xfe{"text": "x"}', {"text": "ok"})
    result = run_deskterm("classify", "--stdin", stdin=feed)
    assert result.code != 0
    out = answers(result)
    assert len(out) == 3
    assert "error" in out[1] and out[0]["intent"] == "order/cancel" and "error" not in out[2]
    assert len(result.err_lines()) == 1 and "line 2" in result.err


def test_error_lines_are_safe_for_a_terminal() -> None:
    feed = lines_in({"text": "hi", "channel": "\x1b]0;owned\x07\u202e"}, {"text": "ok"})
    result = run_deskterm("classify", "--stdin", stdin=feed)
    assert result.code != 0
    assert not UNSAFE_OUTPUT.search(result.out), result.out
    assert not UNSAFE_OUTPUT.search(result.err), result.err
    assert len(answers(result)) == 2


def test_empty_text_and_extra_keys_are_answered() -> None:
    feed = lines_in({"text": ""}, {"text": "Please cancel my order", "id": 7, "lang": "x"})
    result = run_deskterm("classify", "--stdin", stdin=feed)
    assert result.code == 0, result.err
    empty, extra = answers(result)
    assert_labels_shape(empty)
    assert empty["intent"] is None and empty["language"] is None and empty["sentiments"] == []
    assert extra["intent"] == "order/cancel"


def test_no_input_no_output() -> None:
    result = run_deskterm("classify", "--stdin", stdin=b"")
    assert (result.code, result.out) == (0, "")


def test_each_answer_comes_before_the_end_of_input() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskterm", "classify", "--stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(b'{"text": "Please cancel my order"}\n')
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, "no answer to the first line while stdin stays open"
        assert json.loads(proc.stdout.readline())["intent"] == "order/cancel"
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
        proc.stdout.close()


def test_text_json_is_one_line() -> None:
    result = run_deskterm(
        "classify", "kak paket saya udah sampai mana ya? resinya ga gerak", "--json"
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 1
    item = json.loads(lines[0])
    assert_labels_shape(item)
    assert (item["language"], item["intent"]) == ("id", "shipping/status")


def test_text_with_subject_and_channel() -> None:
    result = run_deskterm(
        "classify",
        "Please cancel the order, I found it elsewhere.\n\nSent from my iPhone",
        "--subject",
        "Re: Your order has shipped",
        "--channel",
        "email",
        "--json",
    )
    assert result.code == 0, result.err
    assert json.loads(result.out)["intent"] == "order/cancel"


def test_text_without_json_is_one_readable_line() -> None:
    result = run_deskterm("classify", "Quiero anular mi pedido, ya no lo necesito")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == 1
    assert "es" in lines[0] and "order/cancel" in lines[0]


def test_classify_needs_no_config_and_no_store() -> None:
    """A script on a machine with no deskterm set up can still classify text (the
    autouse fixture points the config and data folders at empty temporary ones)."""
    assert "DESKTERM_CONFIG" not in os.environ
    result = run_deskterm("classify", "Please cancel my order", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["intent"] == "order/cancel"
    assert not any(Path(os.environ["DESKTERM_DATA_DIR"]).glob("*.db"))


@pytest.mark.parametrize(
    "args",
    [
        ("classify",),
        ("classify", "some text", "--stdin"),
        ("classify", "--since", "2d", "some text"),
        ("classify", "--retrain", "some text"),
        ("classify", "--backfill", "--stdin"),
        ("classify", "--channel", "sms", "some text"),
        ("classify", "one", "two"),
    ],
    ids=[
        "no-args",
        "text-and-stdin",
        "since-without-backfill",
        "retrain-and-text",
        "backfill-and-stdin",
        "bad-channel",
        "two-texts",
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    result = run_deskterm(*args, stdin=b'{"text": "x"}\n')
    assert result.code == 2, (result.out, result.err)
    assert result.out == ""
    lines = result.err_lines()
    assert len(lines) == 1, lines
    assert "Traceback" not in result.err

"""Rules end to end on the marketplace fakes over loopback HTTP: a buyer's chat message is
answered by a rule in the same conversation exactly once (across passes and kills), and
a marketplace system notice is never answered."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm.demo.marketplaces import Marketplaces
from deskterm.sync.faults import CRASH_ENV
from tests.sync.conftest import dt, dt_json, dt_process, marketplace_rig
from tests.sync.test_platform_notices import RIGS

ACK = "Terima kasih kak, pesan sudah kami terima dan segera kami balas."
MACROS = f'[[macros]]\nname = "chat-ack"\nbody = "{ACK}"\n'
RULES = """\
[[rules]]
name = "Chat quick acknowledgement"
enabled = true
when = ["message.created"]
if = '{condition}'
then = [{{ reply = "chat-ack" }}]
"""


@pytest.fixture
def markets(tmp_path: Path) -> Iterator[tuple[Marketplaces, Path]]:
    with marketplace_rig(tmp_path) as rig:
        yield rig


def load_rules(config: Path, condition: str) -> None:
    for kind, text in (("macros", MACROS), ("rules", RULES.format(condition=condition))):
        path = config.parent / f"{kind}.toml"
        path.write_text(text, encoding="utf-8")
        code, out, err = dt("--config", str(config), kind, "import", str(path))
        assert code == 0, out + err


def sync(config: Path) -> str:
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 0, out + err
    return out


def seller_texts(fakes: Marketplaces, channel: str, conversation: str) -> list[str]:
    fake = {"tokopedia": fakes.tiktokshop, "shopee-id": fakes.shopee, "lazada-id": fakes.lazada}
    return fake[channel].seller_texts(conversation)  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("channel", list(RIGS))
def test_a_rule_answers_a_chat_once_in_its_conversation(
    markets: tuple[Marketplaces, Path], channel: str
) -> None:
    fakes, config = markets
    load_rules(config, "message.from:customer AND message.channel_type:" + _type(channel))
    start, _notice, _ = RIGS[channel]
    conversation = start(fakes)
    sync(config)
    assert seller_texts(fakes, channel, conversation) == [ACK]
    sync(config)  # the platform's copy of the reply comes back: a duplicate, not an event
    sync(config)
    assert seller_texts(fakes, channel, conversation) == [ACK]
    every = dt_json("--config", str(config), "tickets", "--view", "All", "--json")
    (ticket,) = [t for t in every if t["channel"] == channel]
    shown = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")
    outs = [m for m in shown["messages"] if m["direction"] == "out"]
    assert [m["author"] for m in outs] == ["rule:Chat quick acknowledgement"]
    # An auto-reply is no first response (helpdesk.md: FRT excludes rule messages).
    assert ticket["first_reply_at"] is None


def _type(channel: str) -> str:
    return {"tokopedia": "tiktokshop", "shopee-id": "shopee", "lazada-id": "lazada"}[channel]


@pytest.mark.parametrize("channel", list(RIGS))
def test_a_platform_notice_is_never_answered(
    markets: tuple[Marketplaces, Path], channel: str
) -> None:
    fakes, config = markets
    start, notice, _ = RIGS[channel]
    conversation = start(fakes)
    sync(config)  # the buyer's message is history before the rule is on
    load_rules(config, "*")  # every message, whoever wrote it
    time.sleep(1.1)  # platform clocks tick in seconds: the notice comes clearly later
    notice(fakes, conversation)
    sync(config)
    sync(config)
    assert seller_texts(fakes, channel, conversation) == []
    db_notes = dt_json("--config", str(config), "tickets", "--view", "All", "--json")
    (ticket,) = [t for t in db_notes if t["channel"] == channel]
    shown = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")
    notes = [m["body_text"] for m in shown["messages"] if m["direction"] == "note"]
    assert notes == [
        "Rule 'Chat quick acknowledgement' did not reply: the message is a marketplace"
        " system notice"
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    "point",
    [
        "rules.evaluated",
        "rules.acted",
        "rules.committed",
        "chat_outbox.sending",
        "chat_outbox.sent",
    ],
)
def test_kill_at_every_step_sends_the_chat_reply_exactly_once(
    markets: tuple[Marketplaces, Path], point: str
) -> None:
    fakes, config = markets
    load_rules(config, "message.from:customer")
    start, _notice, _ = RIGS["shopee-id"]
    conversation = start(fakes)
    killed = dt_process("--config", str(config), "sync", "--once", env={CRASH_ENV: point})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    for _ in range(2):
        done = dt_process("--config", str(config), "sync", "--once")
        assert done.returncode == 0, done.stdout + done.stderr
    assert seller_texts(fakes, "shopee-id", conversation) == [ACK]

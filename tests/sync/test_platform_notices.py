"""Platform notices through real sync against the marketplace fakes (issue 9 finding 7):
Lazada's "please rate" (type 2), TikTok Shop's SYSTEM notifications and Shopee's own
notifications are shown as the platform's ("system" in show --json), never as the shop's
reply, never answering, reopening or opening a ticket."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from tests.sync.conftest import dt, dt_json


@pytest.fixture
def markets(tmp_path: Path) -> Iterator[tuple[Marketplaces, Path]]:
    with serve_marketplaces(tmp_path / "secrets", conversations=0) as fakes:
        config = tmp_path / "config.toml"
        config.write_text('[store]\npath = "store/deskterm.db"\n' + fakes.config)
        yield fakes, config


def _sync(config: Path) -> None:
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 0, out + err


def _tickets(config: Path, channel: str) -> list[dict[str, Any]]:
    every = dt_json("--config", str(config), "tickets", "--view", "All", "--json")
    return [t for t in every if t["channel"] == channel]


# channel -> (start a conversation with a buyer message, add the platform's notice)
Rig = tuple[Callable[[Marketplaces], str], Callable[[Marketplaces, str], None], str]


def _lazada() -> Rig:
    def start(m: Marketplaces) -> str:
        return m.lazada.add_session("Siti Rahayu", "Kak, pesanan saya kapan dikirim?")

    def notice(m: Marketplaces, session: str) -> None:
        text = {"txt": "Please rate your experience with this shop"}
        m.lazada.add_message(session, 1, text, from_buyer=False, system=True)

    return start, notice, "Lazada"


def _tiktok() -> Rig:
    def start(m: Marketplaces) -> str:
        conversation = m.tiktokshop.add_conversation("Kevin Tan")
        m.tiktokshop.add_buyer_message(conversation, "Kak, pesanan saya kapan dikirim?")
        return conversation

    def notice(m: Marketplaces, conversation: str) -> None:
        text = {"content": "Please rate this conversation."}
        m.tiktokshop.add_message(conversation, text, role="SYSTEM", type="NOTIFICATION")

    return start, notice, "TikTok Shop"


def _shopee() -> Rig:
    def start(m: Marketplaces) -> str:
        conversation = m.shopee.add_conversation("rina.kusuma")
        m.shopee.add_buyer_message(conversation, "Kak, pesanan saya kapan dikirim?")
        return conversation

    def notice(m: Marketplaces, conversation: str) -> None:
        text = {"text": "Pesanan telah dikirim"}
        m.shopee.add_message(conversation, "notification", text, from_buyer=False, notice=True)

    return start, notice, "Shopee"


RIGS = {"lazada-id": _lazada(), "tokopedia": _tiktok(), "shopee-id": _shopee()}


@pytest.mark.parametrize("channel", list(RIGS))
def test_a_platform_notice_is_no_reply_and_reopens_nothing(
    markets: tuple[Marketplaces, Path], channel: str
) -> None:
    """issue 9 finding 7: stored as "system", no first reply, closed stays closed."""
    fakes, config = markets
    start, notice, platform = RIGS[channel]
    conversation = start(fakes)
    _sync(config)
    (ticket,) = _tickets(config, channel)
    time.sleep(1.1)  # platform clocks tick in seconds: the notice comes clearly later
    notice(fakes, conversation)
    _sync(config)
    (after,) = _tickets(config, channel)
    assert after["message_count"] == 2
    assert after["first_reply_at"] is None and after["status"] == "open"
    assert after["last_message_at"] == ticket["last_message_at"]
    shown = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")
    last = shown["messages"][-1]
    assert (last["direction"], last["author"]) == ("system", platform)
    code, out, err = dt("--config", str(config), "show", str(ticket["id"]))
    assert code == 0 and f"platform notice from {platform}" in out, out + err

    assert dt("--config", str(config), "close", str(ticket["id"]))[0] == 0
    time.sleep(1.1)
    notice(fakes, conversation)
    _sync(config)
    (closed,) = _tickets(config, channel)
    assert closed["status"] == "closed" and closed["message_count"] == 3


def test_a_conversation_a_notice_opened_is_not_in_the_inbox_until_the_buyer_writes(
    markets: tuple[Marketplaces, Path],
) -> None:
    """issue 9 finding 7: a notice alone asks nothing of the agent."""
    fakes, config = markets
    tts = fakes.tiktokshop
    conversation = tts.add_conversation("Kevin Tan")
    tts.add_message(
        conversation, {"content": "Agent Rina joined"}, role="SYSTEM", type="ALLOCATED_SERVICE"
    )
    _sync(config)
    (ticket,) = _tickets(config, "tokopedia")
    assert ticket["status"] == "closed"
    inbox = dt_json("--config", str(config), "tickets", "--json")
    assert ticket["id"] not in {t["id"] for t in inbox}
    time.sleep(1.1)
    tts.add_buyer_message(conversation, "Halo, barangnya rusak")
    _sync(config)
    (opened,) = _tickets(config, "tokopedia")
    assert opened["status"] == "open" and opened["subject"] == "Halo, barangnya rusak"
    assert opened["created_at"] == opened["last_inbound_at"]

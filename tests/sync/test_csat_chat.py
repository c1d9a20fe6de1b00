"""CSAT over marketplace chat end to end (issue 15 item 2), on the fakes over loopback
HTTP: closing a chat ticket sends the survey into the buyer's conversation once; the
buyer's "5" is the rating, stored once, and the ticket stays closed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm.automation.csat_survey import SURVEYS
from deskterm.demo.marketplaces import Marketplaces
from tests.sync.conftest import dt, dt_json, marketplace_rig
from tests.sync.test_platform_notices import RIGS
from tests.sync.test_rules_engine_chat import seller_texts

CSAT = '\n[csat]\nenabled = true\ndelay = "0m"\n'


@pytest.fixture
def markets(tmp_path: Path) -> Iterator[tuple[Marketplaces, Path]]:
    with marketplace_rig(tmp_path, CSAT) as rig:
        yield rig


def sync(config: Path) -> None:
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 0, out + err


def buyer_says(fakes: Marketplaces, channel: str, conversation: str, text: str) -> None:
    if channel == "lazada-id":
        fakes.lazada.add_buyer_message(conversation, text)
    elif channel == "shopee-id":
        fakes.shopee.add_buyer_message(conversation, text)
    else:
        fakes.tiktokshop.add_buyer_message(conversation, text)


@pytest.mark.parametrize("channel", list(RIGS))
def test_a_chat_survey_goes_out_once_and_the_rating_keeps_it_closed(
    markets: tuple[Marketplaces, Path], channel: str
) -> None:
    fakes, config = markets
    start, _notice, _ = RIGS[channel]
    conversation = start(fakes)
    sync(config)
    every = dt_json("--config", str(config), "tickets", "--view", "All", "--json")
    (ticket,) = [t for t in every if t["channel"] == channel]
    assert dt("--config", str(config), "close", str(ticket["id"]))[0] == 0
    sync(config)
    sync(config)  # the platform's copy of the survey comes back: not a second survey
    assert seller_texts(fakes, channel, conversation) == [SURVEYS["id"]]
    time.sleep(1.1)  # platform clocks tick in seconds: the answer comes clearly later
    buyer_says(fakes, channel, conversation, "5 mantap kak")
    sync(config)
    shown = dt_json("--config", str(config), "show", str(ticket["id"]), "--json")
    assert shown["status"] == "closed"
    assert (shown["csat"]["score"], shown["csat"]["comment"]) == (5, "mantap kak")
    sync(config)
    assert seller_texts(fakes, channel, conversation) == [SURVEYS["id"]]

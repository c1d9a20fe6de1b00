"""Smoke test in a real terminal: `deskterm demo` shows three panes and a reply gets sent."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tui.terminal import deskterm_in_tmux, keys, pane, wait_for_screen

pytestmark = pytest.mark.slow


def deskterm_json(config: Path, *args: str) -> object:
    out = subprocess.run(
        [sys.executable, "-m", "deskterm", "--config", str(config), *args, "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return json.loads(out)


def test_demo_in_a_real_terminal(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux not installed")
    data = tmp_path / "demo"
    with deskterm_in_tmux("deskterm-demo", f"demo --data-dir {data}") as session:
        # issue 10 item 13: how to reach the demo's data shows in the inbox, not before it.
        wait_for_screen(session, "Its data is in")
        wait_for_screen(session, "Dewa Putra")
        screen = wait_for_screen(session, "Siti Rahma")  # the list fills as sync stores mail
        assert "Inbox" in screen and "Unassigned" in screen  # sidebar
        config = data / "config.toml"
        wait_for_screen(session, "lazada-id")  # the marketplace chats arrive too
        tickets = deskterm_json(config, "tickets", "--limit", "200")  # works while it runs
        assert isinstance(tickets, list) and len(tickets) >= 11
        channels = {t["channel"] for t in tickets}
        assert {"support", "tokopedia", "shopee-id", "lazada-id"} <= channels  # every channel
        wait_for_screen(session, " open  ")  # a conversation's header in the third pane
        # Live data keeps arriving; open the ticket to answer by id through the palette.
        dewa = next(t for t in tickets if t["customer"]["name"] == "Dewa Putra")
        keys(session, "C-p")
        wait_for_screen(session, "Search for commands")
        keys(session, f"#{dewa['id']}", literal=True)
        wait_for_screen(session, f"Open ticket #{dewa['id']}")
        keys(session, "Enter")
        wait_for_screen(session, f"#{dewa['id']} Ganti alamat")
        keys(session, "r")
        wait_for_screen(session, "ctrl+s send")
        keys(session, "Halo kak, alamat sudah diganti.", literal=True)
        keys(session, "C-s")
        wait_for_screen(session, "[sent]")
        shown = deskterm_json(config, "show", str(dewa["id"]))
        assert isinstance(shown, dict)
        outs = [m for m in shown["messages"] if m["direction"] == "out"]
        assert outs and outs[-1]["delivery"]["state"] == "sent"
        # Typed and sent in one burst: every character made it (ctrl+s waits its turn).
        assert outs[-1]["body_text"].strip() == "Halo kak, alamat sudah diganti."
        keys(session, "q")
        wait_for_screen(session, f"demo data kept in {data}")  # and again once it ended
        time.sleep(2)
        assert "Traceback" not in pane(session)
        joined = subprocess.run(  # -J: the line as printed, however the terminal wrapped it
            ["tmux", "capture-pane", "-p", "-J", "-t", session],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"  try: {sys.executable} -m deskterm --config {config} tickets\n" in joined

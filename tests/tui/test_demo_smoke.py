"""Smoke test in a real terminal: `deskterm demo` shows three panes and a reply gets sent."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def pane(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
    ).stdout


def wait_for(session: str, needle: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = pane(session)
        if needle in screen:
            return screen
        time.sleep(0.25)
    raise AssertionError(f"{needle!r} never appeared:\n{screen}")


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
    session = f"deskterm-demo-{tmp_path.name}"
    data = tmp_path / "demo"
    # COLUMNS/LINES from the test runner would pin Textual to 80x24 inside tmux.
    command = (
        f"env -u COLUMNS -u LINES {sys.executable} -m deskterm demo --data-dir {data}; sleep 60"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True
    )
    try:
        # Another tmux client may have set the server's size; this window is ours.
        subprocess.run(
            ["tmux", "resize-window", "-t", session, "-x", "120", "-y", "40"], check=False
        )
        screen = wait_for(session, "Dewa Putra")
        assert "Inbox" in screen and "Unassigned" in screen  # sidebar
        assert "Siti Rahma" in screen  # ticket list
        assert "#11" in screen  # conversation of the newest ticket
        config = data / "config.toml"
        tickets = deskterm_json(config, "tickets")  # other commands work while it runs
        assert isinstance(tickets, list) and len(tickets) >= 11
        subprocess.run(["tmux", "send-keys", "-t", session, "r"], check=True)
        wait_for(session, "ctrl+s send")
        subprocess.run(
            ["tmux", "send-keys", "-t", session, "-l", "Halo kak, alamat sudah diganti."],
            check=True,
        )
        subprocess.run(["tmux", "send-keys", "-t", session, "C-s"], check=True)
        wait_for(session, "[sent]", timeout=60)
        shown = deskterm_json(config, "show", "11")
        assert isinstance(shown, dict)
        outs = [m for m in shown["messages"] if m["direction"] == "out"]
        assert outs and outs[-1]["delivery"]["state"] == "sent"
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        time.sleep(2)
        assert "Traceback" not in pane(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)

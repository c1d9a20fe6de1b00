"""`reply --macro` with ``{{ now }}`` and date arithmetic: rendered, not refused as empty."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from deskterm.cli import main

REPO = Path(__file__).resolve().parents[2]
BODY = (
    "Hi! Today is {{ now | date('%Y-%m-%d') }}; it ships by {{ now | add_days(2) | date('%A') }}."
)
BARE = "Sent {{ now }}"


@pytest.fixture
def config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The sample mailbox in a temp store, with one macro that uses the time."""
    path = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", path)
    samples = str(REPO / "samples" / "support.mbox")
    assert main(["--config", str(path), "import", "mbox", samples]) == 0
    macros = tmp_path / "macros.toml"
    macros.write_text(
        "".join(
            f"[[macros]]\nname = {json.dumps(name)}\nbody = {json.dumps(body)}\n"
            for name, body in (("Ships", BODY), ("Bare", BARE))
        )
    )
    assert main(["--config", str(path), "macros", "import", str(macros)]) == 0
    capsys.readouterr()
    return path


def deskterm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        timeout=120,  # only catches a hang
        check=False,
    )


def replies(config: Path, ticket: str) -> list[str]:
    shown = json.loads(deskterm("--config", str(config), "show", ticket, "--json").stdout)
    return [m["body_text"] for m in shown["messages"] if m["direction"] == "out"]


def queued(proc: subprocess.CompletedProcess[str], ticket: str) -> None:
    """Queued, not refused. (Delivery then fails: the sample config has no password set,
    exit 1 with "cannot be sent"; that is the outbox's business, not the macro's.)"""
    assert proc.stdout.startswith(f"ticket {ticket}: reply to ") and "queued" in proc.stdout
    assert "empty" not in proc.stderr and "template error" not in proc.stderr, proc.stderr


def test_reply_with_a_macro_using_now_is_queued_with_the_dates_filled_in(config: Path) -> None:
    """issue 10 item 14: `{{ now }}` rendered empty, so `reply --macro` refused to send it
    ("rendered empty ... --force"); the date filters did not exist."""
    before = datetime.now().astimezone()
    queued(deskterm("--config", str(config), "reply", "2", "--macro", "Ships"), "2")
    after = datetime.now().astimezone()
    [reply] = replies(config, "2")
    # Whichever side of midnight the render fell on.
    assert reply in {
        f"Hi! Today is {day:%Y-%m-%d}; it ships by {day + timedelta(days=2):%A}."
        for day in (before, after)
    }


def test_a_bare_now_is_not_an_empty_variable(config: Path) -> None:
    before = datetime.now().astimezone()
    queued(deskterm("--config", str(config), "reply", "3", "--macro", "Bare"), "3")
    [reply] = replies(config, "3")
    assert reply.startswith("Sent 2") and len(reply) == len("Sent 2026-01-02 14:05")
    assert reply[5:15] in {f"{before:%Y-%m-%d}", f"{datetime.now():%Y-%m-%d}"}

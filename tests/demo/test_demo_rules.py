"""`deskterm demo` imports the starter rules and turns some on, so that its first sync shows
a rule at work (issue 14 item 5): a chat gets the rule's reply and the conversation says
so, and the newsletter goes to spam."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from deskterm.demo.run import DEMO_RULES
from deskterm.services.rules import starter_rules_text

pytestmark = pytest.mark.slow  # the demo starts its servers and syncs (several seconds)

ACK = "Marketplace chat quick acknowledgement"


def deskterm(tmp_path: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path), "DESKTERM_CACHE_DIR": str(tmp_path / "cache")},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_demos_first_sync_shows_rules_at_work(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    deskterm(tmp_path, "demo", "--no-tui", "--data-dir", str(data))
    config = ["--config", str(data / "config.toml")]

    listed = json.loads(deskterm(tmp_path, *config, "rules", "list", "--json"))
    assert [r["name"] for r in listed if r["enabled"]] == list(DEMO_RULES)
    assert len(listed) == starter_rules_text().count("[[rules]]")

    tickets = json.loads(
        deskterm(
            tmp_path, *config, "tickets", "--query", "* OR status:spam", "--limit", "500", "--json"
        )
    )

    def shown(ticket_id: int) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(
            deskterm(tmp_path, *config, "show", str(ticket_id), "--json")
        )
        return found

    # Chats answered by the rule: its reply and the note saying which rule and macro. (A
    # chat the marketplace had auto-answered itself gets a note saying why not, instead.)
    acked = [t for t in tickets if "auto-acknowledged" in t["tags"]]
    assert {t["channel"] for t in acked} == {"tokopedia", "shopee-id", "lazada-id"}
    replied = 0
    for ticket in acked:
        messages = shown(ticket["id"])["messages"]
        replies = [
            m
            for m in messages
            if m["direction"] == "out"
            and m["author"] == f"rule:{ACK}"
            and m["body_text"].startswith("Halo Kak, terima kasih")
        ]
        noted = [
            m
            for m in messages
            if m["direction"] == "note"
            and m["body_text"].startswith(
                f"Rule '{ACK}' replied with macro 'Starter: chat acknowledgement'"
            )
        ]
        assert len(replies) == len(noted) <= 1
        replied += len(replies)
    assert replied >= len(acked) // 2, "the rule replied on too few chats"
    assert not [
        t for t in tickets if t["channel"] == "support" and "auto-acknowledged" in t["tags"]
    ]

    # Rules that are off do nothing: Siti's thank-you after the shop's answer stays open.
    [siti] = [t for t in tickets if t["subject"] == "Pesanan #1042 belum sampai"]
    assert siti["status"] == "open" and "answered" not in siti["tags"]

    # The weekly newsletter went to spam.
    [news] = [t for t in tickets if t["subject"] == "Your weekly seller digest"]
    assert news["spam"] is True

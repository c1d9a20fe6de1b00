"""Issue 10 item 10: a snoozed ticket reads `snoozed` everywhere, JSON included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.subprocess_cli import run_deskterm, seeded_config


def ticket_json(config: Path, *args: str) -> list[dict[str, Any]]:
    done = run_deskterm("--config", config, "tickets", *args, "--json")
    assert done.code == 0, done.err
    found = json.loads(done.out)
    assert isinstance(found, list)
    return found


@pytest.fixture(scope="module")
def snoozed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample store with ticket 2 snoozed for two days and ticket 3 closed."""
    config = seeded_config(tmp_path_factory.mktemp("snoozed"))
    assert run_deskterm("--config", config, "snooze", "2", "2d").code == 0
    assert run_deskterm("--config", config, "close", "3").code == 0
    return config


def test_json_status_is_snoozed_with_snoozed_until(snoozed: Path) -> None:
    """issue 10 item 10: `tickets --json` and `show --json` say "snoozed" and give
    snoozed_until; closed_at belongs to closed tickets only."""
    by_id = {t["id"]: t for t in ticket_json(snoozed, "--view", "All")}
    ticket = by_id[2]
    assert ticket["status"] == "snoozed"
    assert ticket["snoozed_until"] and ticket["snoozed_until"].endswith("Z")
    assert ticket["closed_at"] is None
    assert ticket["snoozed_at"] and ticket["snoozed_at"].endswith("Z")
    closed = by_id[3]
    assert (closed["status"], closed["snoozed_until"]) == ("closed", None)
    assert closed["closed_at"] is not None
    assert by_id[1]["status"] == "open"
    shown = run_deskterm("--config", snoozed, "show", "2", "--json")
    assert json.loads(shown.out)["status"] == "snoozed"


def test_table_and_show_say_snoozed(snoozed: Path) -> None:
    """issue 10 item 10: the table, `show` and `customer show` use the same word."""
    table = run_deskterm("--config", snoozed, "tickets", "--view", "All")
    line = next(line for line in table.out.splitlines() if line.split()[0] == "2")
    assert line.split()[1] == "snoozed"
    shown = run_deskterm("--config", snoozed, "show", "2")
    status = next(line for line in shown.out.splitlines() if line.startswith("Status:"))
    assert status.startswith("Status: snoozed until 20"), status
    assert "closed" not in status
    email = json.loads(run_deskterm("--config", snoozed, "show", "2", "--json").out)
    customer = run_deskterm(
        "--config", snoozed, "customer", "show", f"email:{email['customer']['email']}", "--json"
    )
    assert customer.code == 0, customer.err
    assert {t["id"]: t["status"] for t in json.loads(customer.out)["tickets"]}[2] == "snoozed"


def test_queries_and_views_agree(snoozed: Path) -> None:
    """issue 10 item 10: status:snoozed finds it, status:closed does not (the Closed view
    and the query mean the same), and the Snoozed view lists it."""
    assert [t["id"] for t in ticket_json(snoozed, "--query", "status:snoozed")] == [2]
    assert 2 not in [t["id"] for t in ticket_json(snoozed, "--query", "status:closed")]
    assert 3 in [t["id"] for t in ticket_json(snoozed, "--query", "status:closed")]
    assert [t["id"] for t in ticket_json(snoozed, "--view", "Snoozed")] == [2]
    assert 2 not in [t["id"] for t in ticket_json(snoozed, "--view", "Closed")]
    for ticket in ticket_json(snoozed, "--view", "All"):
        assert ticket["status"] in ("open", "closed", "snoozed")

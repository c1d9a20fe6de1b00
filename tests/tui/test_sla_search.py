"""Issue 10 item 12: `sla:` terms work in the inbox search and views, with the config targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deskterm.cli import main
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app


async def test_search_sla_breached_matches_the_cli(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 10 item 12: `/sla:breached` in the TUI finds the tickets `tickets --query
    sla:breached` lists (the TUI passes the channels' SLA targets to the query)."""
    text = sample_config.read_text(encoding="utf-8")
    sla = 'sla = { first_response = "1m", resolution = "1d" }\n'
    sample_config.write_text(text + sla, encoding="utf-8")
    capsys.readouterr()
    args = ["--config", str(sample_config), "tickets", "--query", "sla:breached", "--json"]
    assert main(args) == 0
    expected = {t["id"] for t in json.loads(capsys.readouterr().out)}
    assert expected  # the sample mail is days old: every unanswered open ticket is late
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.current is not None, pilot)
        await pilot.press("slash", *"sla:breached", "enter")
        await until(lambda: app.view == "Search: sla:breached", pilot)
        await until(lambda: tickets.total == len(expected), pilot)

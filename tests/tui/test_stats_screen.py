"""The stats screen (F5, issue 15 item 6): the period picker, the metrics table, the charts
(tickets, first response, CSAT per day) and `s` for the SLA breaches, at 80x24, on the
store of tests/store/stats_rig.py whose figures are worked out by hand there.

The clock is fixed at Tue 10 March 2026 00:00 UTC: "30 days" is 8 Feb - 10 Mar and holds
the whole rig; "7 days" starts on Tue 3 March 00:00.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from deskterm.config import load_config
from deskterm.ingest.context import ChannelContext
from deskterm.store.engine import open_store
from deskterm.tui.actions import stats_actions
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.stats import StatsScreen, metrics_table, series
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.conftest import support_channel
from tests.store.stats_rig import at, build
from tests.tui.test_inbox import until
from tests.tui.test_snapshots import Snap

SLA = '\n[[channels]]\nname = "support"\ntype = "email"\naddress = "support@shop.test"\n'


@pytest.fixture
def rig_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config whose store holds the stats rig; the screen's clock on 10 March."""
    return story_config(tmp_path, monkeypatch, build, at(10, 0))


def story_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, story: Callable[..., object], now: datetime
) -> Path:
    """A config (agent Ana) whose store ``story(store, channel, monkeypatch)`` filled; the
    stats screen's clock at ``now``."""
    store = open_store(f"sqlite:///{tmp_path / 'deskterm.db'}")
    channel: ChannelContext = support_channel(store)
    story(store, channel, monkeypatch)
    store.close()
    monkeypatch.setattr(stats_actions, "stats_now", lambda: now)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "deskterm.db"}"\n[user]\nname = "Ana"\n'
        'email = "ana@shop.test"\n[ui]\nanimations = false\ncursor_blink = false\n',
        encoding="utf-8",
    )
    return config


def make_app(config: Path) -> DesktermApp:
    settings = load_config(config)
    app = DesktermApp(
        store_url=settings.store_url(), me_email="ana@shop.test", me_name="Ana", config=settings
    )
    app.blink_cursor = False
    return app


def table_text(screen: StatsScreen) -> str:
    return str(screen.query_one("#stats-table", Static).render())


def line_of(text: str, label: str) -> str:
    return " ".join(next(line for line in text.splitlines() if line.startswith(label)).split())


async def opened(app: DesktermApp, pilot: Any) -> StatsScreen:
    await until(lambda: app.inbox.query_one(TicketList).current is not None, pilot)
    await pilot.press("f5")
    await until(
        lambda: isinstance(app.screen, StatsScreen) and app.screen.result is not None, pilot
    )
    assert isinstance(app.screen, StatsScreen)
    return app.screen


async def test_f5_shows_the_hand_computed_figures_and_the_period_picker(rig_config: Path) -> None:
    app = make_app(rig_config)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        text = table_text(screen)
        # tests/store/test_stats.py EXPECTED: 30 days hold the whole rig.
        assert line_of(text, "tickets created") == "tickets created 5"
        assert line_of(text, "tickets closed") == "tickets closed 2"
        assert line_of(text, "first response median") == "first response median 1h00m"
        assert line_of(text, "resolution p90") == "resolution p90 1d03h"
        assert line_of(text, "one-touch") == "one-touch 50.0%"
        assert line_of(text, "CSAT score") == "CSAT score —"  # no survey: null, not 0
        title = str(screen.query_one("#stats-title", Static).render())
        assert "last 30 days" in title and "2026-02-08 → 2026-03-10" in title
        await pilot.press("1")  # 7 days: from Tue 3 March
        await until(
            lambda: "last 7 days" in str(screen.query_one("#stats-title", Static).render()), pilot
        )
        week = table_text(screen)
        assert line_of(week, "tickets created") == "tickets created 2"  # T4, T5
        assert line_of(week, "tickets closed") == "tickets closed 1"  # T2's last close
        assert screen.period.days == 7


async def test_c_steps_through_the_charts_and_s_lists_the_breaches(rig_config: Path) -> None:
    app = make_app(rig_config)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        picker = screen.query_one("#stats-picker", Static)
        assert "chart: tickets per day" in str(picker.render())
        await pilot.press("c")
        assert "chart: first response per day" in str(picker.render())
        await pilot.press("c")
        assert "chart: CSAT per day" in str(picker.render())
        await pilot.press("b")  # no [business_hours]: said, nothing recomputed
        assert "no [business_hours]" in str(screen.query_one("#stats-hint", Static).render())
        await pilot.press("s")
        await until(lambda: not isinstance(app.screen, StatsScreen), pilot)
        await until(lambda: app.view == "Search: sla:breached", pilot)


async def test_escape_closes_and_f5_opens_once(rig_config: Path) -> None:
    app = make_app(rig_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(app, pilot)
        await pilot.press("f5")
        assert sum(isinstance(s, StatsScreen) for s in app.screen_stack) == 1
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, StatsScreen), pilot)


def test_charts_leave_out_days_with_nothing_to_measure() -> None:
    empty = {"first_response": {"median_s": None}, "csat": {"average": None}}
    groups = [
        {"key": "2026-03-01", "metrics": {**empty, "tickets_created": 1, "tickets_closed": 0}},
        {
            "key": "2026-03-02",
            "metrics": {
                "first_response": {"median_s": 5400},
                "csat": {"average": 4.5},
                "tickets_created": 2,
                "tickets_closed": 1,
            },
        },
    ]
    labels, lines = series(groups, "tickets")
    assert labels == ["03-01", "03-02"] and lines == {"created": [1, 2], "closed": [0, 1]}
    _labels, response = series(groups, "first response")
    assert str(response["median h"][0]) == "nan" and response["median h"][1] == 1.5
    _labels, csat = series(groups, "CSAT")
    assert str(csat["average 1-5"][0]) == "nan" and csat["average 1-5"][1] == 4.5


def test_the_table_shows_revenue_per_currency() -> None:
    metrics: dict[str, Any] = {
        "tickets_created": 1,
        "tickets_replied": 1,
        "tickets_closed": 0,
        "messages_received": 1,
        "messages_sent": 1,
        "first_response": {"median_s": 60, "p90_s": 60, "count": 1},
        "resolution": {"median_s": None, "p90_s": None, "count": 0},
        "one_touch_rate": None,
        "sla": {
            "first_response_met_rate": None,
            "resolution_met_rate": None,
            "breached_open": None,
        },
        "csat": {"score": None, "average": None, "responses": 0, "sent": 0, "response_rate": None},
        "revenue": {"orders": 2, "amount": {"IDR": 1250000, "USD": 42.5}},
    }
    text = str(metrics_table(metrics))
    assert line_of(text, "revenue orders") == "revenue orders 2"
    assert line_of(text, "revenue IDR") == "revenue IDR 1.25M"
    assert line_of(text, "revenue USD") == "revenue USD 42.50"


def test_stats_screen_80x24(rig_config: Path, snap_compare: Snap) -> None:
    app = make_app(rig_config)

    async def run_before(pilot: Any) -> None:
        await opened(app, pilot)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_stats_screen_first_response_chart_80x24(rig_config: Path, snap_compare: Snap) -> None:
    app = make_app(rig_config)

    async def run_before(pilot: Any) -> None:
        await opened(app, pilot)
        await pilot.press("c")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_a_shows_each_agent_and_the_inbox_records_its_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 15 item 4: the agents table (who acted) at 80x24; opening and quitting the
    inbox is a session in agentsession, which the activity counts as time online."""
    from tests.store.test_agent_activity import build as activity_story

    for var in ("SSH_CONNECTION", "SSH_TTY", "DESKTERM_SERVE"):
        monkeypatch.delenv(var, raising=False)  # the session says where it ran
    config = story_config(tmp_path, monkeypatch, activity_story, at(6, 0))
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("1")  # 7 days: 27 Feb - 6 Mar
        await pilot.press("a")
        await until(lambda: "budi@shop.test" in table_text(screen), pilot)
        text = table_text(screen)
        assert "agents" in str(screen.query_one("#stats-picker", Static).render())
        assert line_of(text, "ana@shop.test") == "ana@shop.test 1 1 1h00m 5h00m 5.00"
        assert line_of(text, "budi@shop.test").startswith("budi@shop.test 2 1 — ")
        assert line_of(text, "(not in deskterm)") == "(not in deskterm) 2 0 30m00s 0s —"
        await until(lambda: app.session_id is not None, pilot)
    with sqlite3.connect(tmp_path / "deskterm.db") as db:
        rows = db.execute(
            "SELECT a.email, s.screen, s.ended_at IS NOT NULL, s.started_at <= s.ended_at"
            " FROM agentsession s JOIN agent a ON a.id = s.agent_id WHERE s.id > 3"
        ).fetchall()
    assert rows == [("ana@shop.test", "terminal", 1, 1)]  # this test's own session, closed


def test_stats_screen_agents_80x24(rig_config: Path, snap_compare: Snap) -> None:
    app = make_app(rig_config)

    async def run_before(pilot: Any) -> None:
        screen = await opened(app, pilot)
        await pilot.press("a")
        await until(lambda: "agent " in table_text(screen), pilot)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

"""The stats screen (F5): a period's figures as a table beside a chart drawn in the terminal
(tickets per day, first response per day, CSAT per day), readable at 80x24 and over ssh."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from deskterm.domain.metrics_text import (
    ACTIVITY_COLUMNS,
    METRIC_LINES,
    agent_label,
    pick,
    shown,
)
from deskterm.tui.render import safe_line


@dataclass(frozen=True)
class StatsPeriod:
    """A period the picker offers: the last ``days`` days, bucketed by ``by``."""

    key: str  # the key that picks it (the bindings below)
    days: int
    by: str  # day | week: the charts' buckets


PERIODS: tuple[StatsPeriod, ...] = (
    StatsPeriod("1", 7, "day"),
    StatsPeriod("2", 30, "day"),
    StatsPeriod("3", 90, "week"),
    StatsPeriod("4", 365, "week"),
)
DEFAULT_PERIOD = 1  # 30 days, as `deskterm stats`

CHARTS: tuple[str, ...] = ("tickets", "first response", "CSAT")
"""The charts `c` steps through."""

LABEL_WIDTH = 22
VALUE_WIDTH = 9
HINT = "1-4 period · c chart · a agents · b open hours · s SLA breached · esc close"


def metrics_table(metrics: dict[str, Any]) -> Text:
    """The figures as aligned lines (the `deskterm stats` table, the amounts after it)."""
    table = Text()
    for label, path, kind in METRIC_LINES:
        value = shown(pick(metrics, path), kind)
        table.append(f"{label:<{LABEL_WIDTH}}", "dim")
        table.append(f"{value:>{VALUE_WIDTH}}\n", "bold" if value != "—" else "dim")
    for currency, amount in sorted(metrics["revenue"]["amount"].items()):
        table.append(f"{'revenue ' + currency:<{LABEL_WIDTH}}", "dim")
        table.append(f"{_compact(amount):>{VALUE_WIDTH}}\n", "bold green")
    table.rstrip()
    return table


def agents_table(groups: list[dict[str, Any]]) -> Text:
    """One line per agent: replies, tickets closed, first response median, time online,
    CSAT average (store.agent_activity)."""
    name_width = 24
    table = Text(f"{'agent':<{name_width}}", "bold")
    for column, _path, _kind in ACTIVITY_COLUMNS:
        table.append(f"{column:>9}", "bold")
    if not groups:
        table.append("\nno agent did anything in this period", "dim")
    for group in groups:
        activity = group.get("activity")
        if activity is None:
            continue
        table.append("\n")
        cell = safe_line(agent_label(group["key"]), limit=name_width - 1)
        cell.truncate(name_width, pad=True)
        table.append_text(cell)
        for _column, path, kind in ACTIVITY_COLUMNS:
            table.append(f"{shown(pick(activity, path), kind):>9}")
    return table


def _compact(amount: float) -> str:
    """Fits the column: 1.25M, 980.5k, 42.50."""
    if abs(amount) >= 1_000_000:
        return f"{amount / 1_000_000:.2f}M"
    if abs(amount) >= 10_000:
        return f"{amount / 1_000:.1f}k"
    return f"{amount:.2f}" if amount != int(amount) else str(int(amount))


def series(groups: list[dict[str, Any]], chart: str) -> tuple[list[str], dict[str, list[float]]]:
    """The chart's x labels (``MM-DD`` of each bucket) and its named lines; a bucket with
    nothing to measure is left out of that line (no made-up 0)."""
    labels = [str(group["key"])[5:] for group in groups]
    lines: dict[str, list[float]] = {}
    if chart == "tickets":
        lines["created"] = [float(g["metrics"]["tickets_created"]) for g in groups]
        lines["closed"] = [float(g["metrics"]["tickets_closed"]) for g in groups]
    elif chart == "first response":
        lines["median h"] = [_hours(g["metrics"]["first_response"]["median_s"]) for g in groups]
    else:
        lines["average 1-5"] = [_or_nan(g["metrics"]["csat"]["average"]) for g in groups]
    return labels, lines


def _hours(seconds: Any) -> float:
    return float("nan") if seconds is None else round(float(seconds) / 3600, 2)


def _or_nan(value: Any) -> float:
    return float("nan") if value is None else float(value)


class StatsScreen(Screen[None]):
    """Figures of one period; the app computes them in a worker (``show_stats``).

    No I/O here: the screen posts ``Wanted`` (period, business hours) and the app answers
    with ``show_stats``; `s` posts ``Breached`` (the app lists `sla:breached`).
    """

    CSS_PATH = "stats.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "period(0)", "7 days", id="stats.days_7"),
        Binding("2", "period(1)", "30 days", id="stats.days_30"),
        Binding("3", "period(2)", "90 days", id="stats.days_90"),
        Binding("4", "period(3)", "365 days", id="stats.days_365"),
        Binding("c", "next_chart", "Next chart", id="stats.chart"),
        Binding("b", "business_hours", "Business hours", id="stats.business_hours"),
        Binding("s", "breached", "SLA breached", id="stats.breached"),
        Binding("a", "agents", "Agents", id="stats.agents"),
        Binding("r", "again", "Compute again", id="stats.again"),
        Binding("escape,q", "close", "Close", id="stats.close"),
    ]

    class Wanted(Message):
        """Compute the last ``days`` days by ``by`` (open hours only with ``business``)."""

        def __init__(self, days: int, by: str, business: bool) -> None:
            super().__init__()
            self.days = days
            self.by = by
            self.business = business

    class Breached(Message):
        """Show the open tickets past their SLA (`sla:breached`) in the inbox."""

    def __init__(self, *, has_hours: bool = False) -> None:
        super().__init__()
        self.period = PERIODS[DEFAULT_PERIOD]
        self.business = False
        self.has_hours = has_hours  # a [business_hours] section exists
        self.chart = 0
        self.agents = False  # the agents' activity in place of the figures and chart
        self.result: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        """Title, picker, the table beside the chart, the keys."""
        # Here, not at the top: plotext loads with it, when the screen is first opened
        # (the key help lists this screen's bindings at the inbox's start).
        from textual_plotext import PlotextPlot

        with Vertical(id="stats-box"):
            yield Static(id="stats-title")
            yield Static(id="stats-picker")
            with Horizontal(id="stats-panes"):
                yield Static(Text("computing…", "dim"), id="stats-table")
                yield PlotextPlot(id="stats-chart")
            yield Static(Text(HINT), id="stats-hint")

    def on_mount(self) -> None:
        self._show_picker()
        self._ask()

    def action_period(self, index: int) -> None:
        """Switch to the ``index``-th period (7, 30, 90, 365 days) and compute it."""
        self.period = PERIODS[index]
        self._show_picker()
        self._ask()

    def action_next_chart(self) -> None:
        """The next chart (tickets, first response, CSAT)."""
        self.chart = (self.chart + 1) % len(CHARTS)
        self._show_picker()
        self._draw_chart()

    def action_business_hours(self) -> None:
        """Response times in open hours only, or on the wall clock."""
        if not self.has_hours:
            self.say("no [business_hours] section in the config: times are wall-clock")
            return
        self.business = not self.business
        self._show_picker()
        self._ask()

    def action_agents(self) -> None:
        """Each agent's activity (replies, closes, first response, online, CSAT), or back
        to the figures and the chart."""
        self.agents = not self.agents
        self.query_one("#stats-chart").display = not self.agents
        # The agents' table takes the chart's room (six columns; 80 wide at most).
        self.query_one("#stats-table").styles.width = "1fr" if self.agents else 33
        self._show_picker()
        self._ask()

    def action_breached(self) -> None:
        """The open tickets past their SLA, as a list in the inbox."""
        self.post_message(self.Breached())

    def action_again(self) -> None:
        """Compute the figures again (new mail since)."""
        self._ask()

    def action_close(self) -> None:
        """Back to the inbox."""
        if self.is_attached and self.app.screen is self:
            self.app.pop_screen()

    def _ask(self) -> None:
        self.query_one("#stats-title", Static).update(Text("Stats · computing…", "bold"))
        self.post_message(self.Wanted(self.period.days, self._by(), self.business))

    def _by(self) -> str:
        return "agent" if self.agents else self.period.by

    def say(self, text: str) -> None:
        """One line in place of the keys (a problem, a note)."""
        self.query_one("#stats-hint", Static).update(Text(text, "yellow"))

    def show_stats(
        self, result: dict[str, Any], *, days: int, business: bool, by: str = "day"
    ) -> None:
        """The app's answer for the last ``days`` days by ``by``; an answer to a question
        no longer asked is dropped (the agent pressed another key meanwhile)."""
        if days != self.period.days or business != self.business or by != self._by():
            return
        self.result = result
        period = result["period"]
        title = Text(f"Stats · last {days} days", "bold")
        title.append(f"  {period['since'][:10]} → {period['until'][:10]}", "dim")
        if business:
            title.append("  open hours", "cyan")
        self.query_one("#stats-title", Static).update(title)
        metrics = result["metrics"]
        table = agents_table(result["groups"]) if self.agents else metrics_table(metrics)
        self.query_one("#stats-table", Static).update(table)
        self.query_one("#stats-hint", Static).update(Text(HINT))
        if not self.agents:
            self._draw_chart()

    def _show_picker(self) -> None:
        picker = Text()
        for period in PERIODS:
            label = f" {period.key} {period.days}d "
            picker.append(label, "reverse bold" if period is self.period else "dim")
        if self.agents:
            picker.append("   agents", "bold")
            picker.append(" (who acted)", "dim")
        else:
            picker.append("   chart: ")
            picker.append(CHARTS[self.chart], "bold")
            picker.append(f" per {self.period.by}", "dim")
        self.query_one("#stats-picker", Static).update(picker)

    def _draw_chart(self) -> None:
        plot: Any = self.query_one("#stats-chart")
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        if self.result is None:
            return
        labels, lines = series(self.result["groups"], CHARTS[self.chart])
        xs: list[float] = [float(x) for x in range(1, len(labels) + 1)]
        # A line with nothing measured (no CSAT answer at all) is left out: plotext
        # cannot draw one, and an empty chart says so in its title.
        drawn = {
            name: values for name, values in lines.items() if not all(math.isnan(v) for v in values)
        }
        title = f"{CHARTS[self.chart]} per {self.period.by}"
        if not drawn or not xs:
            plt.title(f"{title}: nothing to measure in this period")
            plot.refresh()
            return
        for name, values in drawn.items():
            plt.plot(xs, values, label=name, marker="braille")
        step = max(1, len(labels) // 4)
        ticks = xs[::step]
        plt.xticks(ticks, [labels[int(x) - 1] for x in ticks])
        plt.title(title)
        plot.refresh()

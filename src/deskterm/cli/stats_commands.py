"""``deskterm stats``: support metrics for a period, as a table, JSON or CSV (fast path:
sqlite3 through store.readdb, no SQLAlchemy on a SQLite store)."""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
import textwrap
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from deskterm.cli.context import CliContext
from deskterm.domain.errors import UsageError
from deskterm.domain.metrics import flat_row
from deskterm.domain.metrics_text import (
    ACTIVITY_COLUMNS,
    METRIC_LINES,
    agent_label,
    pick,
    shown,
)
from deskterm.domain.text import one_line
from deskterm.services.stats import read_period, shop_clock

DEFAULT_DAYS = 30
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def cmd_stats(ctx: CliContext, args: argparse.Namespace) -> int:
    """Compute and print the metrics."""
    settings = ctx.settings
    _hours, zone = shop_clock(settings, business_hours=args.business_hours)
    now = datetime.now(UTC)
    since = when_bound("--since", args.since, now, zone) if args.since else None
    until = when_bound("--until", args.until, now, zone) if args.until else now
    since = since or until - timedelta(days=DEFAULT_DAYS)
    if until <= since:
        raise UsageError("--until must be after --since")
    result = read_period(
        ctx.read, settings, since, until, by=args.by, business_hours=args.business_hours, now=now
    )
    if args.json:
        from deskterm.cli.output import print_json

        print_json(result)
    elif args.csv:
        _print_csv(result, grouped=args.by is not None)
    else:
        _print_text(result, by=args.by, explain=args.explain)
        from deskterm.store.reader import has_tickets

        if not has_tickets(ctx.read):
            from deskterm.cli.output import note
            from deskterm.cli.read_commands import NO_TICKETS_YET

            note(NO_TICKETS_YET)
    return 0


def when_bound(flag: str, text: str, now: datetime, zone: tzinfo) -> datetime:
    """``--since``/``--until``: ``30d`` ago, a day name, a time; a bare date is that day's
    midnight in ``zone`` (a period starts at the start of a day, not at 9:00)."""
    from deskterm.domain.when import WhenError, parse_since

    if _DATE.fullmatch(text.strip()):
        try:
            day = datetime.fromisoformat(text.strip())
        except ValueError:
            raise UsageError(f"{flag}: {text.strip()} is not a date") from None
        moment = day.replace(tzinfo=zone).astimezone(UTC)
    else:
        try:
            moment = parse_since(text, now=now, tz=zone)
        except WhenError as exc:
            problem = exc.problem.replace(
                ": --since needs a past time", "; a period is in the past"
            )
            raise UsageError(f"{flag}: {problem} (e.g. 30d, 2026-12-01, monday)") from None
    if moment > now:
        raise UsageError(
            f"{flag}: {one_line(text, 40)!r} is in the future; a period is in the past"
        )
    return moment


def csv_columns(grouped: bool) -> list[str]:
    """The CSV header: ``key`` (with --by), the period, then M flattened."""
    from deskterm.domain.metrics import Tally

    names = list(flat_row(Tally().as_json(sla_configured=False)))
    return (["key"] if grouped else []) + ["since", "until", *names]


def _print_csv(result: dict[str, Any], *, grouped: bool) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(csv_columns(grouped))
    period = [result["period"]["since"], result["period"]["until"]]
    rows = (
        [([group["key"]], group["metrics"]) for group in result["groups"]]
        if grouped
        else [([], result["metrics"])]
    )
    for head, metrics in rows:
        values = [_cell(v) for v in flat_row(metrics).values()]
        writer.writerow([*(_cell(v) for v in head), *period, *values])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return one_line(str(value))


def _print_text(result: dict[str, Any], *, by: str | None, explain: bool) -> None:
    out = sys.stdout
    period = result["period"]
    out.write(f"Period {period['since']} .. {period['until']}\n")
    metrics, definitions = result["metrics"], result["definitions"]
    width = max(min(shutil.get_terminal_size().columns, 100), 40)
    explained: set[str] = set()
    for label, path, kind in METRIC_LINES:
        value = shown(pick(metrics, path), kind)
        out.write(f"  {label:<24} {value:>10}\n")
        name = path if path in definitions else path.split(".", maxsplit=1)[0]
        if explain and name in definitions and name not in explained:
            explained.add(name)
            out.write(_wrapped(definitions[name], width))
    for currency, amount in sorted(metrics["revenue"]["amount"].items()):
        from deskterm.domain.money import format_money

        out.write(
            f"  {'revenue ' + one_line(currency, 8):<24} {format_money(amount, currency):>10}\n"
        )
    if explain:
        for name in ("period", "agent reply", "business_hours", "group key", "activity"):
            out.write(_wrapped(f"{name}: {definitions[name]}", width, indent="  "))
    if by is None:
        return
    # Nine columns of seven fit 80 columns; --json and --csv have every figure.
    columns = (
        ("created", "tickets_created", "count"),
        ("replied", "tickets_replied", "count"),
        ("closed", "tickets_closed", "count"),
        ("recv", "messages_received", "count"),
        ("sent", "messages_sent", "count"),
        ("FRT med", "first_response.median_s", "time"),
        ("res med", "resolution.median_s", "time"),
        ("1-touch", "one_touch_rate", "rate"),
        ("SLA FR", "sla.first_response_met_rate", "rate"),
    )
    out.write(f"\nBy {by}\n")
    out.write(f"{by:<13}" + "".join(f" {name:>7}" for name, _p, _k in columns) + "\n")
    for group in result["groups"]:
        key = "(none)" if group["key"] is None else one_line(str(group["key"]), 13)
        cells = "".join(f" {shown(pick(group['metrics'], p), k):>7}" for _n, p, k in columns)
        out.write(f"{key:<13}{cells}\n")
    if by == "agent":
        _print_activity(result["groups"])


def _print_activity(groups: list[dict[str, Any]]) -> None:
    out = sys.stdout
    columns = ACTIVITY_COLUMNS
    out.write("\nAgent activity (who acted; --explain: activity)\n")
    out.write(f"{'agent':<22}" + "".join(f" {name:>8}" for name, _p, _k in columns) + "\n")
    for group in groups:
        key = one_line(agent_label(group["key"]), 22)
        activity = group["activity"]
        cells = "".join(f" {shown(pick(activity, p), k):>8}" for _n, p, k in columns)
        out.write(f"{key:<22}{cells}\n")


def _wrapped(text: str, width: int, indent: str = "      ") -> str:
    return (
        textwrap.fill(
            text, width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
        )
        + "\n"
    )

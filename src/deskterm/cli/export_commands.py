"""``deskterm export tickets|messages|metrics``: the store out to BI tools as CSV, JSON
lines or Parquet, streamed (one page in memory), with a progress bar on a terminal."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from deskterm.cli.context import CliContext
from deskterm.domain.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from deskterm.domain.business_hours import BusinessHours
    from deskterm.store.export_rows import Column

EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)  # the default start of a tickets/messages export
BAR = 30  # characters of the progress bar


def cmd_export(ctx: CliContext, args: argparse.Namespace) -> int:
    """Write the export; one summary line (on stderr when the data goes to stdout)."""
    from deskterm.services.export_files import check_target, export_pages, format_for
    from deskterm.services.stats import shop_clock

    if args.out != "-":
        check_target(args.out)
    fmt = format_for(args.out, args.fmt)
    # --business-hours only changes the metrics (response times); days are in the zone.
    hours, zone = shop_clock(
        ctx.settings, business_hours=args.business_hours and args.what == "metrics"
    )
    now = datetime.now(UTC)
    since, until = _period(args, now, zone)
    columns, pages, total = _source(ctx, args, _Span(since, until, zone, now, hours))
    progress = _ProgressBar(args.what, total) if sys.stderr.isatty() and args.out != "-" else None
    try:
        written = export_pages(pages, columns, fmt, args.out, progress=progress)
    finally:
        if progress is not None:
            progress.done()
    where = "standard output" if args.out == "-" else args.out
    line = f"exported {written:,} {_noun(args.what, written)} to {where} ({fmt})\n"
    (sys.stderr if args.out == "-" else sys.stdout).write(line)
    return 0


def _period(args: argparse.Namespace, now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    from deskterm.cli.stats_commands import DEFAULT_DAYS, when_bound

    until = when_bound("--until", args.until, now, zone) if args.until else now
    if args.since:
        since = when_bound("--since", args.since, now, zone)
    elif args.what == "metrics":
        since = until - timedelta(days=DEFAULT_DAYS)
    else:
        since = EVERYTHING
    if until <= since:
        raise UsageError("--until must be after --since")
    return since, until


@dataclass(frozen=True, slots=True)
class _Span:
    """The export's period, the zone its days are counted in, and the present moment."""

    since: datetime
    until: datetime
    zone: tzinfo
    now: datetime
    hours: BusinessHours | None  # metrics: count open hours only (--business-hours)


def _source(
    ctx: CliContext, args: argparse.Namespace, span: _Span
) -> tuple[Sequence[Column], Iterator[Sequence[tuple[Any, ...]]], int | None]:
    from deskterm.store import export_rows as rows

    db, since, until = ctx.read, span.since, span.until
    if args.what == "tickets":
        total = rows.count_rows(db, "tickets", since, until)
        return rows.TICKET_COLUMNS, rows.ticket_pages(db, since, until), total
    if args.what == "messages":
        total = rows.count_rows(db, "messages", since, until)
        return rows.MESSAGE_COLUMNS, rows.message_pages(db, since, until), total
    columns, table = _metrics(ctx, span)
    return columns, iter([table]), len(table)


def _metrics(ctx: CliContext, span: _Span) -> tuple[list[Column], list[tuple[Any, ...]]]:
    """One row per day of the period: the columns of ``stats --csv --by day``."""
    from deskterm.cli.stats_commands import csv_columns
    from deskterm.domain.metrics import Period, flat_row
    from deskterm.store.export_rows import Column
    from deskterm.store.stats_reader import StatsRequest, read_stats

    result = read_stats(
        ctx.read,
        StatsRequest(
            period=Period(span.since, span.until),
            by="day",
            targets=ctx.config.sla_targets(),
            hours=span.hours,
            zone=span.zone,
            now=span.now,
        ),
    )
    # A row per day (in the config's business-hours zone, else UTC): the day, then the
    # metrics as `stats --csv` names them.
    names = ["day", *csv_columns(grouped=False)[2:]]
    columns = [Column(name, _metric_kind(name), "") for name in names]
    table = []
    for group in result["groups"]:
        row = {"day": group["key"], **flat_row(group["metrics"])}
        table.append(tuple(_metric_value(row.get(column.name), column.kind) for column in columns))
    return columns, table


def _metric_kind(name: str) -> Any:
    if name in ("day", "revenue_amount"):
        return "text"
    if name.endswith(("_s", "_rate", "_score", "_average")):
        return "float"
    return "int"


def _metric_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    return str(value)


def _noun(what: str, count: int) -> str:
    if what == "metrics":
        return "day" if count == 1 else "days"
    return what[:-1] if count == 1 else what


class _ProgressBar:
    """``messages  45,000/100,000 [#############.................]  45%`` on stderr,
    redrawn at most ten times a second."""

    def __init__(self, what: str, total: int | None) -> None:
        self._what, self._total, self._shown = what, total, 0.0

    def __call__(self, done: int) -> None:
        moment = time.monotonic()
        if moment - self._shown < 0.1 and done != self._total:
            return
        self._shown = moment
        if self._total:
            share = min(done / self._total, 1.0)
            filled = int(share * BAR)
            bar = f" [{'#' * filled}{'.' * (BAR - filled)}] {share:4.0%}"
            text = f"\r{self._what}  {done:,}/{self._total:,}{bar}"
        else:
            text = f"\r{self._what}  {done:,}"
        sys.stderr.write(text)
        sys.stderr.flush()

    def done(self) -> None:
        """End the bar's line."""
        sys.stderr.write("\n")
        sys.stderr.flush()

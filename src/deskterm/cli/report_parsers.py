"""The command lines of ``stats`` and ``export``: apart from the commands themselves, so
that building the parser (every command does) imports none of their work."""

from __future__ import annotations

from typing import Any

from deskterm.domain.metric_keys import GROUP_KEYS

WHAT = ("tickets", "messages", "metrics")
"""What ``export`` writes."""


def add_stats_command(sub: Any) -> None:
    """Register ``stats`` on the top-level subparsers."""
    stats = sub.add_parser("stats", help="support metrics for a period (volume, FRT, SLA, ...)")
    stats.add_argument(
        "--since",
        metavar="WHEN",
        help="start of the period, e.g. 90d or 2026-12-01 (default: 30 days ago)",
    )
    stats.add_argument("--until", metavar="WHEN", help="end of the period (default: now)")
    stats.add_argument(
        "--by", choices=GROUP_KEYS, metavar="KEY", help=f"one group per {'|'.join(GROUP_KEYS)}"
    )
    stats.add_argument(
        "--business-hours",
        action="store_true",
        help="count only the shop's open hours ([business_hours]) in response times",
    )
    shape = stats.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="JSON object on stdout")
    shape.add_argument("--csv", action="store_true", help="CSV on stdout: one row per group")
    stats.add_argument(
        "--explain", action="store_true", help="print each metric's definition beside it"
    )


def add_export_command(sub: Any) -> None:
    """Register ``export`` on the top-level subparsers."""
    export = sub.add_parser(
        "export", help="tickets, messages or daily metrics to a CSV, JSON lines or Parquet file"
    )
    export.add_argument("what", choices=WHAT, metavar="WHAT", help="|".join(WHAT))
    export.add_argument(
        "--since",
        metavar="WHEN",
        help="tickets created / messages sent from then, e.g. 90d or 2026-12-01"
        " (default: all; metrics: 30 days ago)",
    )
    export.add_argument("--until", metavar="WHEN", help="up to then (default: now)")
    export.add_argument(
        "--format", dest="fmt", metavar="FORMAT", help="csv|jsonl|parquet (default: from --out)"
    )
    export.add_argument(
        "--out", required=True, metavar="FILE", help="the file to write ('-': standard output)"
    )
    export.add_argument(
        "--business-hours",
        action="store_true",
        help="metrics: count only the shop's open hours in response times",
    )

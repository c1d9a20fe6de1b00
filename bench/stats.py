"""Wall time of `deskterm stats` (whole period, and `--by day`) on the 100k store, beside the
same aggregation run by the `sqlite3` CLI (issue 15 "Performance")."""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import benchlib

TARGET_MS = 1000.0
EXPORT_TARGET = 20_000  # messages per second, `export messages --format parquet`


def deskterm_command() -> list[str]:
    """The venv's console script, or this interpreter running the package."""
    if benchlib.DESKTERM.exists():
        return [str(benchlib.DESKTERM)]
    return [sys.executable, "-m", "deskterm"]


def store_of(config: Path) -> Path:
    """The SQLite file a bench config names (``[store] path``)."""
    import tomllib

    return Path(tomllib.loads(config.read_text(encoding="utf-8"))["store"]["path"])


def last_year(db: Path) -> str:
    """The day 365 days before the store's newest message: `--since 365d` as seen from
    the day the mailbox was generated (its dates are fixed; today they may be long past)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        newest = conn.execute("SELECT max(sent_at) FROM message").fetchone()[0]
    finally:
        conn.close()
    return (datetime.fromisoformat(newest) - timedelta(days=365)).date().isoformat()


def anchor_sql(since: str) -> str:
    """What `stats` asks of SQLite, as one script for the `sqlite3` CLI."""
    from deskterm.store import stats_reader

    values = {":_since": f"'{since} 00:00:00.000000'", ":_until": "'9999-01-01 00:00:00'"}
    values[":_no"] = "0"
    script = ""
    queries = (stats_reader._TICKETS.format(key="NULL", plus="+"), stats_reader._MESSAGES)
    for template in (queries[0], queries[1].format(plus="+")):
        query = template
        for name, value in values.items():
            query = query.replace(name, value)
        script += f"SELECT count(*) FROM ({query});\n"
    return script


def export_sql() -> str:
    """The rows `export messages` reads, as one query for the `sqlite3` CLI."""
    from deskterm.store import export_rows

    query = export_rows._MESSAGES.format(plus="+")
    for name, value in {
        ":_last": "0",
        ":_since": "'1970-01-01 00:00:00'",
        ":_until": "'9999-01-01 00:00:00'",
        "LIMIT :_page": "",
    }.items():
        query = query.replace(name, value)
    return " ".join(query.split()) + ";"


def export_throughput(config: Path, db: Path, sqlite_cli: str, *, runs: int) -> tuple[float, float]:
    """Messages per second: `deskterm export messages --format parquet` and the sqlite3
    CLI writing the same rows as CSV (best of ``runs`` each, alternating)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        count = int(conn.execute("SELECT count(*) FROM message").fetchone()[0])
    finally:
        conn.close()
    out = Path(f"/tmp/deskterm-bench-export-{count}.parquet")
    export = [*deskterm_command(), "--config", str(config), "export", "messages"]
    export += ["--format", "parquet", "--out", str(out)]
    anchor_out = Path(f"/tmp/deskterm-bench-export-{count}.csv")
    sql = export_sql()
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(benchlib.timed(export))
        with anchor_out.open("wb") as sink:
            started = time.perf_counter()
            subprocess.run([sqlite_cli, "-csv", str(db), sql], stdout=sink, check=True)
            theirs.append(time.perf_counter() - started)
    out.unlink(missing_ok=True)
    anchor_out.unlink(missing_ok=True)
    return count / min(ours), count / min(theirs)


def main(argv: list[str] | None = None) -> int:
    """Time the commands round-robin and print medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=benchlib.default_n())
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--config", type=Path, help="an existing config and store (default: the bench's own)"
    )
    args = parser.parse_args(argv)
    if args.config is None:
        benchlib.ensure_imported(args.n)
        config = benchlib.deskterm_config(args.n)
    else:
        config = args.config
    sqlite_cli = shutil.which("sqlite3")
    if sqlite_cli is None:
        sys.exit("the sqlite3 CLI is not installed (apt-get install sqlite3)")
    db = store_of(config)
    since = last_year(db)
    stats = [*deskterm_command(), "--config", str(config), "stats", "--since", since, "--json"]
    script = Path(f"/tmp/deskterm-bench-stats-{args.n}.sql")
    script.write_text(anchor_sql(since), encoding="utf-8")
    commands = {
        "deskterm stats --since 365d --json": stats,
        "deskterm stats --since 365d --by day --json": [*stats, "--by", "day"],
        "sqlite3 CLI, the same two queries": [sqlite_cli, "-init", str(script), str(db), ".quit"],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    for cmd in commands.values():
        subprocess.run(cmd, capture_output=True, check=True)  # warm-up (and it must work)
    print(f"# stats: N={args.n} messages, since {since}, {benchlib.machine()}")
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):  # round-robin so that machine noise hits all alike
        for name, cmd in commands.items():
            times[name].append(benchlib.timed(cmd))
    print(f"{'command':<46} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for name, runs in times.items():
        print(
            f"{name:<46} {benchlib.median(runs) * 1000:>10.1f}"
            f" {min(runs) * 1000:>8.1f} {max(runs) * 1000:>8.1f}"
        )
    whole = benchlib.median(times["deskterm stats --since 365d --json"]) * 1000
    by_day = benchlib.median(times["deskterm stats --since 365d --by day --json"]) * 1000
    anchor = benchlib.median(times["sqlite3 CLI, the same two queries"]) * 1000
    verdict = "met" if max(whole, by_day) <= TARGET_MS else "NOT met"
    print(f"target <= {TARGET_MS:.0f} ms p50 including interpreter start-up: {verdict}")
    export_rate, anchor_rate = export_throughput(config, db, sqlite_cli, runs=min(args.runs, 3))
    verdict = "met" if export_rate >= EXPORT_TARGET else "NOT met"
    print(
        f"export messages --format parquet: {export_rate:,.0f} messages/s"
        f" (sqlite3 CLI, the same rows as CSV: {anchor_rate:,.0f}/s);"
        f" target >= {EXPORT_TARGET:,} messages/s: {verdict}"
    )
    print(
        f"ratio sqlite3 CLI messages/s / deskterm export parquet: {anchor_rate / export_rate:.2f}"
    )
    print(f"ratio deskterm stats --by day / sqlite3 CLI: {by_day / anchor:.2f}")
    print(f"ratio deskterm stats / sqlite3 CLI: {whole / anchor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

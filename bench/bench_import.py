"""Import throughput and store size: `deskterm import mbox` vs `notmuch new`, same messages."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time

import benchlib


def import_deskterm(n: int) -> tuple[float, dict[str, object]]:
    """Import the mbox into an empty store through the CLI; (seconds, summary)."""
    benchlib.reset_deskterm(n)
    cfg = benchlib.deskterm_config(n)
    cmd = [str(benchlib.DESKTERM), "--config", str(cfg)]
    cmd += ["import", "mbox", "--json", str(benchlib.mbox_path(n))]
    started = time.perf_counter()
    proc = benchlib.run(cmd)
    elapsed = time.perf_counter() - started
    summary: dict[str, object] = json.loads(proc.stdout)
    return elapsed, summary


def import_notmuch(n: int) -> float:
    """Index the maildir into an empty notmuch database; seconds."""
    benchlib.require_notmuch()
    benchlib.reset_notmuch(n)
    env = benchlib.notmuch_env(n)
    started = time.perf_counter()
    benchlib.run(["notmuch", "new", "--quiet"], env=env)
    return time.perf_counter() - started


def deskterm_counts(n: int) -> tuple[int, int]:
    """(messages, tickets) in the store."""
    with sqlite3.connect(benchlib.deskterm_db(n)) as conn:
        messages = conn.execute("SELECT count(*) FROM message").fetchone()[0]
        tickets = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
    return int(messages), int(tickets)


def notmuch_counts(n: int) -> tuple[int, int]:
    """(messages, threads) in the notmuch database."""
    env = benchlib.notmuch_env(n)
    messages = benchlib.run(["notmuch", "count", "*"], env=env).stdout
    threads = benchlib.run(["notmuch", "count", "--output=threads", "*"], env=env).stdout
    return int(messages), int(threads)


def main(argv: list[str] | None = None) -> int:
    """Run both imports from empty and print throughput and sizes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=benchlib.default_n())
    args = parser.parse_args(argv)
    n = args.n
    benchlib.require_mail(n)
    info = benchlib.manifest(n)
    mbox_bytes = benchlib.mbox_path(n).stat().st_size
    print(f"# import: N={n} messages, {benchlib.machine()}")
    print(
        f"# mailbox: {info['threads']} conversations, {info['replies']} replies,"
        f" {info['attachments']} with attachments, {info['html']} with HTML,"
        f" mbox {benchlib.human(mbox_bytes)} ({mbox_bytes / n:.0f} B/message)"
    )

    # notmuch first: both inputs were just written by mailgen, so both start page-cache warm.
    nm_s = import_notmuch(n)
    nm_messages, nm_threads = notmuch_counts(n)
    dt_s, summary = import_deskterm(n)
    dt_messages, dt_tickets = deskterm_counts(n)

    print(f"\n{'engine':<28} {'wall s':>9} {'msg/s':>9} {'messages':>9} {'threads':>9}")
    print(
        f"{'deskterm import mbox':<28} {dt_s:>9.2f} {n / dt_s:>9.0f}"
        f" {dt_messages:>9} {dt_tickets:>9}"
    )
    print(f"{'notmuch new':<28} {nm_s:>9.2f} {n / nm_s:>9.0f} {nm_messages:>9} {nm_threads:>9}")
    problems = {k: summary.get(k) for k in ("failed", "unparsed", "duplicates") if summary.get(k)}
    if problems:
        print(f"# deskterm import summary flags: {problems}")

    dt_size = benchlib.deskterm_store_bytes(n)
    nm_size = benchlib.notmuch_store_bytes(n)
    print("\n# store size on disk (allocated blocks, like du)")
    print(f"{'store':<44} {'total':>11} {'per message':>12}")
    rows = [
        (
            "deskterm db+wal+shm+attachments",
            dt_size["total"],
        ),
        (
            f"  db {benchlib.human(dt_size['db'])}, wal {benchlib.human(dt_size['wal'])},"
            f" attachments {benchlib.human(dt_size['attachments'])}",
            None,
        ),
        ("notmuch xapian + maildir", nm_size["total"]),
        ("notmuch xapian alone", nm_size["xapian"]),
        ("maildir alone (the messages)", nm_size["maildir"]),
        ("mbox file (deskterm's input)", benchlib.file_size(benchlib.mbox_path(n))),
    ]
    for label, total in rows:
        if total is None:
            print(f"{label}")
        else:
            print(f"{label:<44} {benchlib.human(total):>11} {benchlib.human(total / n):>12}")
    print(
        "ratio deskterm/notmuch store size (vs xapian+maildir):"
        f" {dt_size['total'] / nm_size['total']:.2f}"
    )
    print(f"ratio deskterm/notmuch import throughput: {nm_s / dt_s:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

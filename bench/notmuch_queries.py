"""Time notmuch queries in-process through the notmuch2 bindings (run by bench_search.py)."""

# Runs under the system Python (/usr/bin/python3), where Debian's python3-notmuch2 lives,
# not under the project venv. Reads {"queries": [...], "reps": R, "warmup": W, "limit": L}
# as JSON on stdin and prints {"times": [[seconds, ...] per query], "threads": [count ...]}.

from __future__ import annotations

import json
import sys
import time
from typing import Any

import notmuch2  # type: ignore[import-not-found]


def search(db: Any, query: str, limit: int) -> list[tuple[Any, ...]]:
    """What ``notmuch search --limit`` prints: the newest ``limit`` matching threads."""
    rows: list[tuple[Any, ...]] = []
    threads = db.threads(query, sort=notmuch2.Database.SORT.NEWEST_FIRST)
    for thread in threads:
        rows.append(
            (
                str(thread.threadid),
                thread.last,
                thread.matched,
                len(thread),
                thread.authors,
                thread.subject,
                sorted(str(tag) for tag in thread.tags),
            )
        )
        if len(rows) >= limit:
            break
    return rows


def main() -> int:
    """Read the job on stdin, time it, print the result on stdout."""
    job = json.load(sys.stdin)
    db = notmuch2.Database(
        mode=notmuch2.Database.MODE.READ_ONLY, config=notmuch2.Database.CONFIG.SEARCH
    )
    times: list[list[float]] = []
    counts: list[int] = []
    for query in job["queries"]:
        for _ in range(job["warmup"]):
            search(db, query, job["limit"])
        runs = []
        for _ in range(job["reps"]):
            started = time.perf_counter()
            search(db, query, job["limit"])
            runs.append(time.perf_counter() - started)
        times.append(runs)
        counts.append(sum(1 for _ in db.threads(query)))
    db.close()
    json.dump({"times": times, "threads": counts}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

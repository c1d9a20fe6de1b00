"""Wall time of `deskterm tickets --view Inbox --limit 50 --json` vs `notmuch count '*'`."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import benchlib

TARGET_MS = 300.0


def main(argv: list[str] | None = None) -> int:
    """Time the three commands round-robin and print medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=benchlib.default_n())
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    n = args.n
    benchlib.ensure_imported(n)
    cfg = str(benchlib.deskterm_config(n))
    tickets = [str(benchlib.DESKTERM), "--config", cfg, "tickets", "--view", "Inbox"]
    tickets += ["--limit", "50", "--json"]
    commands = {
        "deskterm tickets --view Inbox --limit 50 --json": (tickets, None),
        "python -c pass (venv interpreter)": ([str(benchlib.PYTHON), "-c", "pass"], None),
        "notmuch count '*'": (["notmuch", "count", "*"], benchlib.notmuch_env(n)),
    }
    out = subprocess.run(tickets, capture_output=True, text=True, check=True).stdout
    listed = json.loads(out)
    print(f"# tickets: N={n} messages, {benchlib.machine()}")
    print(f"# deskterm lists {len(listed)} tickets; median of {args.runs} runs after 1 warm-up")
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd, env in commands.values():
        benchlib.timed(cmd, env=env)
    for _ in range(args.runs):  # round-robin so that machine noise hits all three alike
        for name, (cmd, env) in commands.items():
            times[name].append(benchlib.timed(cmd, env=env))
    print(f"{'command':<50} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for name, runs in times.items():
        print(
            f"{name:<50} {benchlib.median(runs) * 1000:>10.1f}"
            f" {min(runs) * 1000:>8.1f} {max(runs) * 1000:>8.1f}"
        )
    desk = benchlib.median(times["deskterm tickets --view Inbox --limit 50 --json"]) * 1000
    python = benchlib.median(times["python -c pass (venv interpreter)"]) * 1000
    notmuch = benchlib.median(times["notmuch count '*'"]) * 1000
    verdict = "met" if desk <= TARGET_MS else "NOT met"
    print(f"target <= {TARGET_MS:.0f} ms including interpreter start-up: {verdict}")
    print(f"ratio deskterm tickets / python -c pass: {desk / python:.2f}")
    print(f"ratio deskterm tickets / notmuch count: {desk / notmuch:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

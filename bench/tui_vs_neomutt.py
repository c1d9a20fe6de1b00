"""TUI responsiveness at 100k (issue 4): deskterm vs neomutt on the same messages, in tmux.

Measures, by polling ``tmux capture-pane``: cold start to a painted list (both), and for
deskterm the median repaint after ``j``. Needs ``bench/run_all.sh`` (or bench_import.py)
to have built ``bench/.work/n<N>/`` first, and Debian's neomutt and tmux.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLL = 0.005


def pane(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False
    ).stdout


def start(command: str, width: int = 160, height: int = 48) -> tuple[str, float]:
    session = f"bench-{uuid.uuid4().hex[:8]}"
    env = "env -u COLUMNS -u LINES"
    began = time.perf_counter()
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            str(width),
            "-y",
            str(height),
            f"{env} {command}; sleep 600",
        ],
        check=True,
    )
    return session, began


def wait(session: str, pattern: re.Pattern[str], timeout: float = 300.0) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if pattern.search(pane(session)):
            return time.perf_counter()
        time.sleep(POLL)
    raise SystemExit(f"timed out waiting for {pattern.pattern!r}:\n{pane(session)}")


def kill(session: str) -> None:
    subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def deskterm_cold_start(config: Path) -> float:
    session, began = start(f"{sys.executable} -m deskterm --config {config}")
    try:
        # A painted list: a row with a ticket id and an age such as "3w".
        done = wait(session, re.compile(r"│\s+\d+\s+\d+[mhdw]\s"))
        return done - began
    finally:
        kill(session)


def deskterm_j_repaint(config: Path, presses: int) -> list[float]:
    session, _ = start(f"{sys.executable} -m deskterm --config {config}")
    timings = []
    try:
        wait(session, re.compile(r"│\s+\d+\s+\d+[mhdw]\s"))
        time.sleep(2)  # let counts and the first conversation settle
        for _ in range(presses):
            before = pane(session)
            began = time.perf_counter()
            subprocess.run(["tmux", "send-keys", "-t", session, "j"], check=True)
            while pane(session) == before:
                time.sleep(POLL)
            timings.append(time.perf_counter() - began)
            time.sleep(0.3)
    finally:
        kill(session)
    return timings


def neomutt_cold_start(maildir: Path) -> float:
    muttrc = Path("/tmp") / f"bench-muttrc-{os.getpid()}"
    muttrc.write_text(
        f"set folder={maildir}\nset spoolfile={maildir}\nset header_cache=''\n"
        "set sort=threads\nset mail_check=0\nunset wait_key\nset mbox_type=Maildir\n"
    )
    session, began = start(f"neomutt -n -F {muttrc} -f {maildir}")
    try:
        done = wait(session, re.compile(r"Msgs:\d+"))  # the index and its status bar are drawn
        return done - began
    finally:
        kill(session)
        muttrc.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=int(os.environ.get("N", "100000")))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--presses", type=int, default=20)
    args = parser.parse_args()
    work = ROOT / "bench" / ".work" / f"n{args.n}"
    config, maildir = work / "deskterm.toml", work / "maildir"
    if not config.exists() or not maildir.exists():
        raise SystemExit(f"{work}: run bench/run_all.sh (N={args.n}) first")
    for tool in ("tmux", "neomutt"):
        if shutil.which(tool) is None:
            raise SystemExit(f"needs {tool}: apt-get install -y {tool}")
    deskterm = [deskterm_cold_start(config) for _ in range(args.runs)]
    neomutt = [neomutt_cold_start(maildir) for _ in range(args.runs)]
    repaint = deskterm_j_repaint(config, args.presses)
    print(f"# {args.n} messages; medians of {args.runs} cold starts, {args.presses} presses")
    print(f"deskterm cold start to painted list: {statistics.median(deskterm) * 1000:8.1f} ms")
    print(f"neomutt  cold start to painted index: {statistics.median(neomutt) * 1000:8.1f} ms")
    print(
        f"deskterm j -> repaint (incl. tmux polling): {statistics.median(repaint) * 1000:8.1f} ms"
    )
    ratio = statistics.median(deskterm) / statistics.median(neomutt)
    print(f"ratio deskterm/neomutt cold start: {ratio:.2f}")


if __name__ == "__main__":
    main()

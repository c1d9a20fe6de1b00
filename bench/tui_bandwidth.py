"""Bytes the TUI writes to the terminal per action (issue 11 item 2), beside neomutt's.

Both programs run in tmux (``TERM=xterm-256color``, no ``COLORTERM``: 256 colours) under
``script -q -f``, which records every byte they write to their terminal. An action is keys
sent with ``tmux send-keys``; its cost is the growth of the recording until the output has
been quiet for a moment (a ticket marked read a second after `j`, say, is part of `j`).

The store: a deterministic mailbox (bench/mailgen.py, seed 1) of ``--messages`` messages
plus one conversation of ``--thread`` messages, the newest, so that it opens first. deskterm
imports the mbox into a fresh store with no channel (nothing syncs while keys are measured);
neomutt reads the same mbox. The idle minute "with sync running" is ``deskterm demo`` (local
IMAP/SMTP servers and marketplace fakes, real sync workers) left alone once settled.

Actions (neomutt's nearest equivalent in brackets): first screen; `j`; `k`; open the long
conversation (Enter: neomutt's pager); Home, one line down, page down, End in it; the
composer opening (`r`) and 20 typed characters in it (neomutt: 20 characters typed into its
`/` prompt); an idle minute with the composer open (neomutt: with the `/` prompt open); the
search prompt (`/`); the command palette (ctrl+p; neomutt: the `:` prompt); an idle minute
in the list, and one with sync running.

The time at 2 KB/s: each action's bytes written through a real pty whose reader takes
2,048 bytes a second (``--throttle``), or computed as bytes / 2048 (the default; the two
agree to within the reader's 1/8 s steps).

``--quick`` shortens the idle minutes to 10 s (figures scaled to a minute); README figures
come from a full run. The last line is the ratio of deskterm's `j` to neomutt's at 120x40.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import benchlib
import mailgen

TMUX_SOCKET = f"bench-bytes-{os.getpid()}"  # a server of our own: other people's stay untouched
SIZES = ((80, 24), (120, 40))
RATE = 2048  # bytes per second of the slow link
QUIET = 1.2  # seconds without output that end an action (the read mark comes after 1 s)
SETTLE_MAX = 6.0  # an action that keeps writing (a blinking cursor) is cut here
TYPED = "thanks for your order"[:20]
# Issue 11's targets at 120x40 (bytes; per minute for idle, per character for typing).
TARGETS = {
    "first screen": 15_000,
    "j": 3_000,
    "k": 3_000,
    "page down": 8_000,
    "typed character": 300,
    "idle minute, list": 1_000,
    "idle minute, composer": 1_000,
    "idle minute, sync running": 1_000,
}
DEBUG = bool(os.environ.get("BENCH_DEBUG"))  # print the screen after every action
ENV = "env -u COLUMNS -u LINES -u COLORTERM -u NO_COLOR TERM=xterm-256color"
# deskterm runs as in an ssh session (what sshd sets): the case the figures are for.
SSH = "SSH_CONNECTION='192.0.2.1 50022 192.0.2.2 22'"


# --- the mailbox and the store -----------------------------------------------------------


def prepare(work: Path, messages: int, thread: int) -> tuple[Path, Path]:
    """The mbox (for neomutt) and a deskterm config whose store holds the same messages."""
    from tui_vs_neomutt import long_conversation  # the 200-message bench's thread builder

    mailgen.generate(messages, benchlib.SEED, work / "mail")
    mbox = work / "mail" / "mail.mbox"
    newest = max(p.stat().st_mtime for p in (work / "mail" / "maildir" / "cur").iterdir())
    end = datetime.fromtimestamp(newest, UTC) + timedelta(hours=1)  # the newest conversation
    with mbox.open("ab") as out:
        for message in long_conversation(thread, end):
            out.write(mailgen.mbox_from_line(message.sender, message.ts) + message.raw)
            out.write(b"\n" if message.raw.endswith(b"\n") else b"\n\n")
    config = work / "deskterm.toml"
    config.write_text(
        f'[store]\npath = "{work / "store" / "deskterm.db"}"\n\n'
        '[user]\nname = "Bench Agent"\nemail = "agent@shop.test"\n'
    )
    benchlib.run([*deskterm(), "--config", str(config), "import", "mbox", str(mbox)])
    return mbox, config


def deskterm() -> list[str]:
    """The deskterm command of this checkout."""
    return [sys.executable, "-m", "deskterm"]


# --- tmux and the recording --------------------------------------------------------------


def tmux(*args: str, check: bool = True) -> str:
    """Run a tmux command on the bench's own server; its stdout."""
    return subprocess.run(
        ["tmux", "-L", TMUX_SOCKET, *args], capture_output=True, text=True, check=check
    ).stdout


@dataclass
class Session:
    """A program recorded by ``script`` in its own tmux session."""

    command: str
    size: tuple[int, int]
    log: Path
    name: str = field(default_factory=lambda: f"bytes-{uuid.uuid4().hex[:8]}")
    header: int = 0

    def start(self) -> None:
        """Start the program; the recording begins empty."""
        inner = f"{ENV} {self.command}"
        record = f"script -q -f --log-out {shlex.quote(str(self.log))} -c {shlex.quote(inner)}"
        width, height = self.size
        tmux(
            *("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height)),
            f"{record}; sleep 600",
        )
        tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height), check=False)

    def written(self) -> int:
        """Bytes the program wrote so far (script's own header line not counted)."""
        try:
            size = self.log.stat().st_size
        except FileNotFoundError:
            return 0
        if not self.header:
            with self.log.open("rb") as recording:
                first = recording.readline()
            if first.startswith(b"Script started") and first.endswith(b"\n"):
                self.header = len(first)
        return max(size - self.header, 0)

    def screen(self) -> str:
        """What the pane shows."""
        return tmux("capture-pane", "-p", "-t", self.name, check=False)

    def settle(self, quiet: float = QUIET, limit: float = SETTLE_MAX) -> None:
        """Wait until nothing was written for ``quiet`` seconds (at most ``limit``)."""
        began = time.monotonic()
        last, since = self.written(), time.monotonic()
        while time.monotonic() - since < quiet and time.monotonic() - began < limit:
            time.sleep(0.05)
            now = self.written()
            if now != last:
                last, since = now, time.monotonic()

    def wait_for(self, needle: str, timeout: float = 120.0) -> None:
        """Wait until ``needle`` shows on the screen."""
        deadline = time.monotonic() + timeout
        while needle not in self.screen():
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.command}: {needle!r} never showed:\n{self.screen()}")
            time.sleep(0.1)

    def cost(self, *keys: str, literal: bool = False, limit: float = SETTLE_MAX) -> int:
        """Bytes written in answer to ``keys`` (tmux key names, or text with ``literal``)."""
        before = self.written()
        tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)
        self.settle(limit=limit)
        if DEBUG:
            print(f"## {keys}: {self.written() - before}\n{self.screen()}", file=sys.stderr)
        return self.written() - before

    def typing(self, text: str) -> int:
        """Bytes written while ``text`` is typed one character at a time, 0.15 s apart."""
        before = self.written()
        for char in text:
            tmux("send-keys", "-t", self.name, "-l", char)
            time.sleep(0.15)
        self.settle()
        return self.written() - before

    def idle(self, seconds: float) -> int:
        """Bytes written in ``seconds`` with no key pressed."""
        before = self.written()
        time.sleep(seconds)
        return self.written() - before

    def recording(self) -> bytes:
        """Everything recorded."""
        return self.log.read_bytes()

    def stop(self) -> None:
        """End the session and the program in it (by pid: a SIGHUP may not end it)."""
        shell = tmux("display-message", "-p", "-t", self.name, "#{pane_pid}", check=False)
        pids = _descendants(int(shell)) if shell.strip().isdigit() else []
        tmux("kill-session", "-t", self.name, check=False)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


# --- the two programs ----------------------------------------------------------------------


Figures = dict[str, float]
Slices = dict[str, bytes]  # action -> the bytes it wrote (for the throttled replay)


def run_deskterm(config: Path, size: tuple[int, int], work: Path, idle: float) -> Figures:
    """Every action in one deskterm session on the fixed store."""
    # A fresh copy of the store per run: a run marks tickets read and leaves a draft.
    run = work / f"run-{size[0]}x{size[1]}"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(config.parent / "store", run / "store")
    fresh = run / "deskterm.toml"
    fresh.write_text(config.read_text().replace(str(config.parent / "store"), str(run / "store")))
    cache = f"-u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX={work / 'pycache'}"
    cmd = f"env {cache} {SSH} {shlex.join(deskterm())} --config {fresh}"
    session = Session(cmd, size, work / f"deskterm-{size[0]}x{size[1]}.log")
    found: Figures = {}
    session.start()
    try:
        session.wait_for("Inbox:")
        session.settle(quiet=2.0, limit=20)
        found["first screen"] = session.written()
        found["j"] = session.cost("j")
        found["k"] = session.cost("k")
        found["open"] = session.cost("Enter")
        found["Home"] = session.cost("Home")
        found["line down"] = session.cost("Down")
        found["page down"] = session.cost("PageDown")
        found["End"] = session.cost("End")
        session.cost("Escape")
        found["composer opens"] = session.cost("r")
        found["typed character"] = session.typing(TYPED) / len(TYPED)
        found["idle minute, composer"] = session.idle(idle) * 60 / idle
        session.cost("Escape")
        found["search prompt"] = session.cost("/")
        session.cost("Escape")
        found["palette"] = session.cost("C-p")
        session.cost("Escape")
        session.settle(quiet=2.0)
        found["idle minute, list"] = session.idle(idle) * 60 / idle
    finally:
        session.stop()
    return found


def run_demo(size: tuple[int, int], work: Path, idle: float) -> Figures:
    """An idle minute of ``deskterm demo`` (sync running) once its first sync settled."""
    data = work / f"demo-{size[0]}x{size[1]}"
    cache = f"-u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX={work / 'pycache'}"
    cmd = f"env {cache} {SSH} {shlex.join(deskterm())} demo --data-dir {data}"
    session = Session(cmd, size, work / f"demo-{size[0]}x{size[1]}.log")
    session.start()
    try:
        session.wait_for("Inbox:")
        time.sleep(30)  # the first sync passes and the demo's scripted arrivals (~20 s)
        session.settle(quiet=2.0, limit=20)
        return {"idle minute, sync running": session.idle(idle) * 60 / idle}
    finally:
        session.stop()


def run_neomutt(mbox: Path, size: tuple[int, int], work: Path, idle: float) -> Figures:
    """The same actions in neomutt on the same mbox."""
    muttrc = work / "muttrc"
    muttrc.write_text(
        f"set folder={work}\nset spoolfile={mbox}\n"
        "set header_cache=''\nset sort=reverse-date\nset mail_check=5\nunset wait_key\n"
        "set pager_index_lines=0\nunset markers\n"
    )
    session = Session(
        f"neomutt -n -F {muttrc} -f {mbox}", size, work / f"neomutt-{size[0]}x{size[1]}.log"
    )
    found: Figures = {}
    session.start()
    try:
        session.wait_for("Msgs:")
        session.settle(quiet=2.0, limit=20)
        found["first screen"] = session.written()
        found["j"] = session.cost("j")
        found["k"] = session.cost("k")
        found["open"] = session.cost("Enter")  # the pager opens at the message's top
        found["End"] = session.cost("End")
        found["Home"] = session.cost("Home")
        found["line down"] = session.cost("Down")
        found["page down"] = session.cost("PageDown")
        session.cost("q")
        session.cost("/")
        found["typed character"] = session.typing(TYPED) / len(TYPED)
        found["idle minute, composer"] = session.idle(idle) * 60 / idle
        session.cost("C-g")
        found["search prompt"] = session.cost("/")
        session.cost("C-g")
        found["palette"] = session.cost(":")
        session.cost("C-g")
        session.settle(quiet=2.0)
        found["idle minute, list"] = session.idle(idle) * 60 / idle
        found["idle minute, sync running"] = found["idle minute, list"]  # mail_check=5
    finally:
        session.stop()
    return found


# --- the slow link -------------------------------------------------------------------------


def throttled_seconds(data: bytes, rate: int = RATE) -> float:
    """Seconds ``data`` takes through a pty whose reader takes ``rate`` bytes a second."""
    master, slave = pty.openpty()
    os.set_blocking(slave, True)
    chunk = rate // 8

    def feed() -> None:
        view = memoryview(data)
        while view:
            sent = os.write(slave, view[:4096])
            view = view[sent:]

    writer = threading.Thread(target=feed, daemon=True)
    began = time.monotonic()
    writer.start()
    got = 0
    while got < len(data):
        got += len(os.read(master, min(chunk, len(data) - got)))
        if got < len(data):
            time.sleep(0.125)
    writer.join()
    os.close(master)
    os.close(slave)
    return time.monotonic() - began


# --- main and report -----------------------------------------------------------------------


ROWS = (
    "first screen",
    "j",
    "k",
    "open",
    "Home",
    "line down",
    "page down",
    "End",
    "composer opens",
    "typed character",
    "search prompt",
    "palette",
    "idle minute, composer",
    "idle minute, list",
    "idle minute, sync running",
)


def main() -> None:
    """Prepare the mailbox, measure both programs at both sizes, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300, help="messages in the mailbox")
    parser.add_argument("--thread", type=int, default=60, help="messages in the long thread")
    parser.add_argument("--quick", action="store_true", help="10 s idle periods, not 60 s")
    parser.add_argument("--no-demo", action="store_true", help="skip the sync-running minute")
    parser.add_argument("--throttle", action="store_true", help="replay through a 2 KB/s pty")
    parser.add_argument("--sizes", default="80x24,120x40")
    parser.add_argument("--keep", help="keep the work folder here")
    args = parser.parse_args()
    for tool in ("tmux", "neomutt", "script"):
        if shutil.which(tool) is None:
            raise SystemExit(f"needs {tool}: apt-get install -y {tool}")
    idle = 10.0 if args.quick else 60.0
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    work = Path(args.keep or tempfile.mkdtemp(prefix="deskterm-bench-bytes-"))
    work.mkdir(parents=True, exist_ok=True)
    tmux("new-session", "-d", "-s", f"{TMUX_SOCKET}-keep", "sleep 86400")
    socket = Path(tmux("display-message", "-p", "#{socket_path}").strip())
    results: dict[tuple[int, int], tuple[Figures, Figures]] = {}
    try:
        mbox, config = prepare(work, args.messages, args.thread)
        for size in sizes:
            assert len(size) == 2
            ours = run_deskterm(config, size, work, idle)  # type: ignore[arg-type]
            if not args.no_demo:
                ours |= run_demo(size, work, idle)  # type: ignore[arg-type]
            theirs = run_neomutt(mbox, size, work, idle)  # type: ignore[arg-type]
            results[size] = (ours, theirs)  # type: ignore[index]
            print(f"# {size}: deskterm {ours}\n#   neomutt {theirs}", file=sys.stderr)
        replay: dict[tuple[int, int], float] = {}
        if args.throttle:
            for size in results:
                log = work / f"deskterm-{size[0]}x{size[1]}.log"
                recorded = log.read_bytes()
                if recorded.startswith(b"Script started"):  # script's header line
                    recorded = recorded.split(b"\n", 1)[1]
                first = recorded[: int(results[size][0]["first screen"])]
                replay[size] = throttled_seconds(first)
    finally:
        tmux("kill-server", check=False)  # our own socket: only the bench's sessions
        socket.unlink(missing_ok=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(args, results, replay)


def report(
    args: argparse.Namespace,
    results: dict[tuple[int, int], tuple[Figures, Figures]],
    replay: dict[tuple[int, int], float],
) -> None:
    """One table per size: bytes, seconds at 2 KB/s, neomutt's bytes, the target."""
    print(
        f"# tui bandwidth: {args.messages} messages + a {args.thread}-message thread;"
        f" {benchlib.machine()}; idle {'10 s scaled' if args.quick else '60 s'}"
    )
    for size, (ours, theirs) in results.items():
        print(f"# {size[0]}x{size[1]}, TERM=xterm-256color (bytes written by the program)")
        print(
            f"{'action':<27} {'deskterm':>10} {'at 2KB/s':>9} {'neomutt':>9} {'ratio':>7}  target"
        )
        for row in ROWS:
            mine, anchor = ours.get(row), theirs.get(row)
            if mine is None:
                continue
            ratio = f"{mine / anchor:.1f}" if anchor else "-"
            line = (
                f"{row:<27} {_b(mine):>10} {mine / RATE:>8.2f}s"
                f" {_b(anchor) if anchor is not None else '-':>9} {ratio:>7}"
            )
            target = TARGETS.get(row)
            if target is not None and size == (120, 40):
                line += f"  <= {_b(target)}: {'met' if mine <= target else 'NOT met'}"
            print(line)
        if size in replay:
            print(f"first screen through a 2 KB/s pty: {replay[size]:.2f} s (measured)")
    ours, theirs = results.get((120, 40), next(iter(results.values())))
    print(f"ratio deskterm/neomutt bytes for j at 120x40: {ours['j'] / max(theirs['j'], 1):.1f}")


def _b(value: float) -> str:
    return f"{value / 1000:.2f} KB" if value >= 1000 else f"{value:.0f} B"


if __name__ == "__main__":
    main()

"""deskterm started from a plain shell in tmux, its output recorded, for signal tests."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.tui.terminal import _environment, keys, wait_for_screen

PROMPT = "READY$ "


@contextmanager
def shell_in_tmux(
    session: str, record: Path, *, job_control: bool = False, width: int = 120, height: int = 40
) -> Iterator[str]:
    """A tmux session running ``bash --norc`` (with job control when asked), every byte
    the pane shows appended to ``record`` (tmux pipe-pane)."""
    interactive = " -i" if job_control else ""
    shell = f"env -u COLUMNS -u LINES {_environment()} PS1={shlex.quote(PROMPT)} "
    shell += f"bash --norc --noprofile{interactive}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), shell],
        check=True,
    )
    try:
        subprocess.run(
            ["tmux", "resize-window", "-t", session, "-x", str(width), "-y", str(height)],
            check=False,
        )
        wait_for_screen(session, PROMPT.strip())  # capture-pane drops the trailing space
        record.touch()
        subprocess.run(
            ["tmux", "pipe-pane", "-o", "-t", session, f"cat >> {shlex.quote(str(record))}"],
            check=True,
        )
        yield session
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def run_line(session: str, line: str) -> None:
    """Type ``line`` at the shell prompt and press Enter."""
    keys(session, line, literal=True)
    keys(session, "Enter")


def deskterm_line(config: Path) -> str:
    """The shell line that starts the inbox and then says how it ended."""
    return f"{sys.executable} -m deskterm --config {shlex.quote(str(config))}; echo EXIT=$?"


def shell_pid(session: str) -> int:
    """The pid of the shell in the session's pane."""
    out = subprocess.run(
        ["tmux", "display-message", "-p", "-t", session, "#{pane_pid}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.strip())


def child_pid(parent: int, timeout: float = 30.0) -> int:
    """The (first) child process of ``parent``: deskterm started by the shell."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(parent)], check=False, capture_output=True, text=True
        ).stdout.split()
        if out:
            return int(out[0])
        time.sleep(0.1)
    raise AssertionError(f"process {parent} started no child")


def gone(pid: int, timeout: float = 30.0) -> bool:
    """Wait until process ``pid`` no longer exists (or is a zombie)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        except (FileNotFoundError, IndexError):
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def tty_modes(session: str) -> str:
    """``stty -a`` of the pane's terminal, as the shell sees it now."""
    run_line(session, "clear; stty -a; echo STTY-$((40+2))")  # the line typed shows no 42
    return wait_for_screen(session, "STTY-42")


def still_alive(pid: int) -> bool:
    """Whether ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True

"""Drive deskterm in a real terminal: tmux sessions, screen captures, waiting for text."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

PASSED_ON = ("PYTHONPATH", "PATH", "HOME", "TMPDIR", "LANG", "LC_ALL")


def pane(session: str) -> str:
    """The visible screen of ``session`` as text."""
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
    ).stdout


def wait_for_screen(session: str, needle: str, timeout: float = 60.0) -> str:
    """The screen once ``needle`` shows on it (AssertionError with the screen otherwise)."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = pane(session)
        if needle in screen:
            return screen
        time.sleep(0.25)
    raise AssertionError(f"{needle!r} never appeared on screen:\n{screen}")


def keys(session: str, *keys: str, literal: bool = False) -> None:
    """Type into the session."""
    subprocess.run(
        ["tmux", "send-keys", "-t", session, *(["-l"] if literal else []), *keys], check=True
    )


def _environment() -> str:
    """This process's variables that decide which deskterm runs and where its files go.

    A session gets the environment of the tmux SERVER, which may have been started by
    another test run (another worktree's PYTHONPATH, another test's DESKTERM_*_DIR):
    these are passed on explicitly so that the code and the folders under test are ours.
    """
    names = sorted({*PASSED_ON, *(name for name in os.environ if name.startswith("DESKTERM_"))})
    unset = [f"-u {name}" for name in names if name not in os.environ]  # options first
    return " ".join(
        unset + [f"{name}={shlex.quote(os.environ[name])}" for name in names if name in os.environ]
    )


@contextmanager
def deskterm_in_tmux(
    session: str, args: str, *, width: int = 120, height: int = 40
) -> Iterator[str]:
    """Run ``python -m deskterm ARGS`` in a detached tmux session of the given size."""
    # COLUMNS/LINES from the test runner would pin Textual to 80x24 inside tmux.
    command = f"env -u COLUMNS -u LINES {_environment()} {sys.executable} -m deskterm {args}"
    command += "; sleep 120"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), command],
        check=True,
    )
    try:
        # Another tmux client may have set the server's size; this window is ours.
        subprocess.run(
            ["tmux", "resize-window", "-t", session, "-x", str(width), "-y", str(height)],
            check=False,
        )
        yield session
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)

"""Drive deskterm in a real terminal: tmux sessions, screen captures, waiting for text."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


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


@contextmanager
def deskterm_in_tmux(
    session: str, args: str, *, width: int = 120, height: int = 40
) -> Iterator[str]:
    """Run ``python -m deskterm ARGS`` in a detached tmux session of the given size."""
    # COLUMNS/LINES from the test runner would pin Textual to 80x24 inside tmux.
    command = f"env -u COLUMNS -u LINES {sys.executable} -m deskterm {args}; sleep 120"
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

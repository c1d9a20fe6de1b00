"""`deskterm demo` in a real terminal leaves no server behind, whatever ends it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.tui.terminal import deskterm_in_tmux, wait_for_screen

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed"),
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc"),
]

Process = tuple[int, str]  # (pid, start time): a pid alone may be reused


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # [state, ppid, pgrp, ..., starttime at 19]


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    except OSError:
        return "?"


def alive(process: Process) -> bool:
    """Still running (a zombie is dead: it only waits to be reaped)."""
    fields = _stat(process[0])
    return fields is not None and fields[19] == process[1] and fields[0] not in ("Z", "X")


def demo_process(data: Path, timeout: float = 60) -> Process:
    """The `python -m deskterm demo --data-dir DATA` process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"deskterm" in argv and b"demo" in argv and str(data).encode() in argv:
                fields = _stat(int(entry.name))
                if fields is not None:
                    return int(entry.name), fields[19]
        time.sleep(0.2)
    raise AssertionError(f"no demo process for {data}")


def descendants(root: int) -> list[Process]:
    """Every process below ``root`` right now."""
    children: dict[int, list[Process]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found: list[Process] = []
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def imap_port(data: Path) -> int:
    config = (data / "config.toml").read_text()
    section = config[config.index("[channels.imap]") :]
    found = re.search(r"^port = (\d+)", section, re.MULTILINE)
    assert found is not None
    return int(found.group(1))


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def all_gone(processes: list[Process], timeout: float = 30) -> list[Process]:
    """Wait (generously: only a hang or an orphan fails) for all to end; the survivors.

    Only the processes are watched, not the IMAP port: once they are gone, another test
    running in parallel may be handed the same port number by the kernel.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(p) for p in processes):
            return []
        time.sleep(0.2)
    return [p for p in processes if alive(p)]


def running_demo(session: str, data: Path) -> tuple[Process, list[Process], int]:
    """The demo once its mail is synced: its process, its children, its IMAP port."""
    wait_for_screen(session, "Dewa Putra", timeout=120)  # the IMAP server served the mail
    demo = demo_process(data)
    children = descendants(demo[0])
    port = imap_port(data)
    assert children, "the demo runs its IMAP server as a child process"
    assert listening(port)
    return demo, children, port


@pytest.mark.parametrize(
    "sig", [signal.SIGHUP, signal.SIGTERM, signal.SIGKILL], ids=lambda sig: sig.name
)
def test_every_child_of_the_demo_dies_with_it(tmp_path: Path, sig: signal.Signals) -> None:
    """issue 9 finding 17: the demo's IMAP server ran on after the demo was gone (its
    terminal hung up, it was terminated or killed). Every process it started dies with it."""
    data = tmp_path / "demo"
    with deskterm_in_tmux(f"deskterm-orphans-{sig.name}", f"demo --data-dir {data}") as session:
        demo, children, _port = running_demo(session, data)
        os.kill(demo[0], sig)
        survivors = all_gone([demo, *children])
        described = [(pid, command_line(pid)) for pid, _ in survivors]
        for pid, _ in survivors:  # leave nothing behind, whatever the outcome
            os.kill(pid, signal.SIGKILL)
        assert described == [], f"still running after {sig.name}"


def test_killing_the_terminal_of_the_demo_leaves_nothing_running(tmp_path: Path) -> None:
    """issue 9 finding 17: a tmux window killed (an ssh session dropping) under the demo."""
    data = tmp_path / "demo"
    session = "deskterm-orphans-tmux"
    with deskterm_in_tmux(session, f"demo --data-dir {data}"):
        demo, children, _port = running_demo(session, data)
        subprocess.run(["tmux", "kill-session", "-t", session], check=True)
        survivors = all_gone([demo, *children])
        described = [(pid, command_line(pid)) for pid, _ in survivors]
        for pid, _ in survivors:
            os.kill(pid, signal.SIGKILL)
        assert described == [], "still running after the terminal went away"

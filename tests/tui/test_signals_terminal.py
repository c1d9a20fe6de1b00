"""Signals in a real terminal: SIGTERM, SIGHUP and SIGQUIT restore it as `q` does, keep the
draft and exit 128+N; ctrl+z suspends and `fg` repaints; a crash exits non-zero.

Issue 11 items 3 and 5. deskterm runs from a plain `bash --norc` in tmux, every byte it
writes recorded (tmux pipe-pane); the signal goes to its pid with os.kill.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from tests.tui.shell_terminal import (
    PROMPT,
    child_pid,
    deskterm_line,
    gone,
    run_line,
    shell_in_tmux,
    shell_pid,
    still_alive,
    tty_modes,
)
from tests.tui.terminal import keys, pane, wait_for_screen
from tests.tui.test_review_drafts import stored_drafts

pytestmark = pytest.mark.slow

SUBJECT = "Damaged grinder"  # a sample ticket's subject: the inbox is on screen
# What Textual writes when it gives the terminal back (drivers/linux_driver.py,
# stop_application_mode and _disable_mouse_support), and the matching "on" sequences.
RESETS = {
    "leave the alternate screen": ("\x1b[?1049h", "\x1b[?1049l"),
    "show the cursor": ("\x1b[?25l", "\x1b[?25h"),
    "mouse clicks off": ("\x1b[?1000h", "\x1b[?1000l"),
    "mouse motion off": ("\x1b[?1003h", "\x1b[?1003l"),
    "SGR mouse off": ("\x1b[?1006h", "\x1b[?1006l"),
    "bracketed paste off": ("\x1b[?2004h", "\x1b[?2004l"),
}
KITTY_PUSH, KITTY_POP = "\x1b[>1u", "\x1b[<u"


@pytest.fixture(autouse=True)
def _tmux() -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux not installed")


@pytest.fixture
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The log (and state) of the deskterm under test in the test's own folders."""
    logs = tmp_path / "log"
    monkeypatch.setenv("DESKTERM_LOG_DIR", str(logs))
    monkeypatch.setenv("DESKTERM_CACHE_DIR", str(tmp_path / "cache"))
    return logs


def session_name(what: str) -> str:
    return f"deskterm-{what}-{uuid.uuid4().hex[:8]}"


def last_run(record: Path) -> str:
    """What the last deskterm run wrote (from its alternate screen to the shell's EXIT=)."""
    text = record.read_bytes().decode("utf-8", "replace")
    start = text.rindex("\x1b[?1049h")
    end = text.find("EXIT=", start)  # the shell's own output (its prompt's modes) after it
    return text[start : end if end > 0 else len(text)]


def restored(run: str) -> list[str]:
    """Every mode the run turned on and did not turn off after it (empty: all restored)."""
    left = [what for what, (on, off) in RESETS.items() if on in run and off not in run]
    left += [
        what
        for what, (on, off) in RESETS.items()
        if on in run and off in run and run.rindex(off) < run.rindex(on)
    ]
    if KITTY_PUSH in run and KITTY_POP not in run[run.rindex(KITTY_PUSH) :]:
        left.append("kitty keyboard mode not popped")
    return left


def sane_tty(session: str) -> None:
    modes = tty_modes(session)
    words = set(re.split(r"[\s;]+", modes))
    assert {"echo", "icanon", "isig", "icrnl"} <= words, modes
    assert not {"-echo", "-icanon"} & words, modes


def inbox_with_a_draft(session: str, config: Path, draft: str) -> int:
    """Start deskterm at the prompt, type ``draft`` in a reply; its pid."""
    run_line(session, deskterm_line(config))
    wait_for_screen(session, SUBJECT)
    pid = child_pid(shell_pid(session))
    keys(session, "r")
    wait_for_screen(session, "ctrl+s send")
    keys(session, draft, literal=True)
    wait_for_screen(session, draft)
    return pid


def test_q_restores_the_terminal(sample_config: Path, tmp_path: Path, private_dirs: Path) -> None:
    """issue 11 item 5, the reference: `q` gives back every mode it took."""
    record = tmp_path / "q.rec"
    with shell_in_tmux(session_name("q"), record) as session:
        run_line(session, deskterm_line(sample_config))
        wait_for_screen(session, SUBJECT)
        keys(session, "q")
        wait_for_screen(session, "EXIT=0")
        run = last_run(record)
        assert restored(run) == [], run[-400:]
        assert "\x1b[?1049l" in run and "\x1b[?25h" in run
        sane_tty(session)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT])
def test_a_signal_restores_the_terminal_and_keeps_the_draft(
    signum: int, sample_config: Path, tmp_path: Path, private_dirs: Path
) -> None:
    """issue 11 item 5: SIGTERM, SIGHUP and SIGQUIT restore the terminal exactly as `q`
    does (alternate screen, mouse modes, cursor, keyboard protocol, tty modes), keep the
    reply being written as the ticket's draft, and exit 128 + the signal's number."""
    name = signal.Signals(signum).name
    record = tmp_path / f"{name}.rec"
    draft = f"Draft before {name}"
    with shell_in_tmux(session_name(name.lower()), record) as session:
        pid = inbox_with_a_draft(session, sample_config, draft)
        os.kill(pid, signum)
        screen = wait_for_screen(session, f"EXIT={128 + signum}")
        assert "Traceback" not in screen
        run = last_run(record)
        assert restored(run) == [], run[-400:]
        assert "\x1b[?1049l" in run and "\x1b[?25h" in run and "\x1b[?1000l" in run
        sane_tty(session)
        run_line(session, "echo typed-$((1+1))")  # the shell reads and echoes lines again
        wait_for_screen(session, "typed-2")
    assert any(body == draft for _tid, kind, body in stored_drafts(sample_config))
    log = next(private_dirs.glob("deskterm.log"), None)
    assert log is None or "Traceback" not in log.read_text(encoding="utf-8")


WRAPPER = textwrap.dedent(
    """
    import signal, subprocess, sys
    # The wrapper outlives the terminal; deskterm gets the default SIGHUP like any program.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    status, pidfile, command = sys.argv[1], sys.argv[2], sys.argv[3:]
    child = subprocess.Popen(
        command, preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL)
    )
    open(pidfile, "w").write(str(child.pid))
    open(status, "w").write(str(child.wait()))
    """
)


def test_sighup_on_a_dead_terminal_neither_hangs_nor_loses_the_draft(
    sample_config: Path, tmp_path: Path, private_dirs: Path
) -> None:
    """issue 11 item 5: the terminal is gone (ssh dropped: every write fails with EIO) when
    SIGHUP arrives: deskterm still saves the draft and exits 129 at once, no traceback."""
    status, pidfile = tmp_path / "status", tmp_path / "pid"
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(WRAPPER, encoding="utf-8")
    record = tmp_path / "hup.rec"
    session = session_name("deadhup")
    with shell_in_tmux(session, record) as session:
        run_line(
            session,
            f"{sys.executable} {wrapper} {status} {pidfile} "
            f"{sys.executable} -m deskterm --config {sample_config}",
        )
        wait_for_screen(session, SUBJECT)
        keys(session, "r")
        wait_for_screen(session, "ctrl+s send")
        keys(session, "Written before the line dropped", literal=True)
        wait_for_screen(session, "Written before the line dropped")
        pid = int(pidfile.read_text())
        subprocess.run(["tmux", "kill-session", "-t", session], check=True)  # pty gone
        os.kill(pid, signal.SIGHUP)
        assert gone(pid, timeout=30), "deskterm still runs after SIGHUP on a dead terminal"
    deadline = time.monotonic() + 10
    while not status.exists() or not status.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert status.read_text() == "129"
    drafts = [body for _tid, _kind, body in stored_drafts(sample_config)]
    assert "Written before the line dropped" in drafts
    log = next(private_dirs.glob("deskterm.log"), None)
    assert log is None or "Traceback" not in log.read_text(encoding="utf-8")


def test_ctrl_z_suspends_and_fg_repaints(
    sample_config: Path, tmp_path: Path, private_dirs: Path
) -> None:
    """issue 11 item 5: ctrl+z gives the shell back with deskterm stopped (job control);
    `fg` brings the inbox back, fully repainted; q then quits as usual."""
    record = tmp_path / "tstp.rec"
    with shell_in_tmux(session_name("tstp"), record, job_control=True) as session:
        run_line(session, deskterm_line(sample_config))
        wait_for_screen(session, SUBJECT)
        pid = child_pid(shell_pid(session))
        keys(session, "C-z")
        wait_for_screen(session, "Stopped")
        run_line(session, "clear; jobs; echo JOBS-$((1+1))")
        screen = wait_for_screen(session, "JOBS-2")
        assert re.search(r"\[1\]\+\s+Stopped\s+.*deskterm", screen), screen
        assert SUBJECT not in screen and PROMPT.strip() in screen
        assert still_alive(pid)
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        assert state == "T"  # stopped
        sane_tty(session)  # the shell has a normal terminal meanwhile
        run_line(session, "fg")
        screen = wait_for_screen(session, SUBJECT)  # the list is drawn again
        time.sleep(0.5)
        screen = pane(session)  # the whole screen, not just what changed, over a clear one
        assert "STTY-42" not in screen and "Inbox" in screen and "Olá, meu pedido" in screen
        keys(session, "q")
        assert gone(pid), "q did not quit after fg"
        # (bash does not run the rest of a line whose job was stopped: no EXIT= here)
        wait_for_screen(session, "READY$ fg")
        sane_tty(session)


def test_a_crash_exits_non_zero_with_one_line(
    sample_config: Path, tmp_path: Path, private_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 11 item 3: an unexpected exception restores the terminal, prints one line
    naming the log (the traceback is there), and the exit status is 70."""
    crasher = tmp_path / "crash_hook"
    crasher.mkdir()
    (crasher / "sitecustomize.py").write_text(
        textwrap.dedent(
            """
            from deskterm.tui.app import DesktermApp
            def action_help(self):
                raise RuntimeError("injected by the test")
            DesktermApp.action_help = action_help
            """
        ),
        encoding="utf-8",
    )
    path = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", f"{crasher}{os.pathsep}{path}" if path else str(crasher))
    record = tmp_path / "crash.rec"
    with shell_in_tmux(session_name("crash"), record) as session:
        run_line(session, deskterm_line(sample_config))
        wait_for_screen(session, SUBJECT)
        keys(session, "?")  # the injected failure
        screen = wait_for_screen(session, "EXIT=70")
        assert "deskterm: unexpected error (RuntimeError); the traceback is in" in screen
        assert "Traceback" not in screen
        assert restored(last_run(record)) == []
        sane_tty(session)
    log = (private_dirs / "deskterm.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "injected by the test" in log

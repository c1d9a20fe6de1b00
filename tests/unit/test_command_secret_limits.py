"""Command secrets are bounded: a timed-out command's whole group dies, output is capped."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deskterm.domain.errors import SecretError
from deskterm.secrets import CommandSecret, resolve_secret

SRC = Path(__file__).resolve().parents[2] / "src"
WHAT = 'channels[0] "support".password'


def alive_with(token: str) -> list[int]:
    """Processes (not zombies) whose command line contains ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone meanwhile
            continue
        if token in cmdline and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def gone_within(token: str, seconds: float) -> list[int]:
    """Wait (generously; only a hang fails) until nothing with ``token`` runs; the rest."""
    deadline = time.monotonic() + seconds
    while (left := alive_with(token)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_timed_out_command_leaves_no_process_behind() -> None:
    """issue 9 finding 4: a command that times out is killed with its whole process group;
    before, only the command itself was killed and the children it started kept running."""
    token = f"{secrets.randbelow(10**6) + 10**6}"  # a unique sleep length marks our processes
    command = f"sh -c 'sleep 300.{token} & sleep 299.{token}'"
    try:
        with pytest.raises(SecretError) as info:
            resolve_secret(CommandSecret(command=command), what=WHAT, timeout=1)
        assert str(info.value) == f"{WHAT}: command `sh` did not finish within 1 s"
        assert gone_within(token, 15) == []
    finally:
        for pid in alive_with(token):
            os.kill(pid, 9)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_endless_output_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    """issue 9 finding 4: `yes` prints forever; the output was collected in full until the
    timeout (gigabytes). Now reading stops at a small cap with one clear line, the command
    is killed, and the process stays small."""
    probe = (
        "import json\n"
        "from deskterm.domain.errors import SecretError\n"
        "from deskterm.secrets import CommandSecret, resolve_secret\n"
        "try:\n"
        f"    resolve_secret(CommandSecret(command='yes'), what={WHAT!r}, timeout=10)\n"
        "    error = ''\n"
        "except SecretError as exc:\n"
        "    error = str(exc)\n"
        # VmHWM, not ru_maxrss: the latter keeps the pytest worker's peak across exec.
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "peak = int(status.split()[0]) // 1024\n"
        "print(json.dumps({'error': error, 'peak_mb': peak}))\n"
    )
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))"
    proc = subprocess.run(
        [sys.executable, "-c", f"{limit}\n{probe}"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["error"] == (
        f"{WHAT}: command `yes` printed more than 64 KB; a secret command prints the secret"
        " on its first line"
    )
    assert result["peak_mb"] < 200, result


def test_command_that_exits_but_leaves_a_child_holding_its_output() -> None:
    """issue 9 finding 4: `pass` may start an agent that keeps stdout open; the secret is the
    first line the command printed before it exited, not a timeout."""
    token = f"{secrets.randbelow(10**6) + 10**6}"
    command = f"sh -c 'echo pa55word; sleep 300.{token} &'"
    try:
        value = resolve_secret(CommandSecret(command=command), what=WHAT, timeout=30)
        assert value == "pa55word"
    finally:
        for pid in alive_with(token):
            os.kill(pid, 9)


def test_first_line_of_long_output_under_the_cap_is_used() -> None:
    """issue 9 finding 4: only the first line is used; the rest (under the cap) is ignored."""
    code = "print('first'); print('x' * 30000); print('y' * 30000)"
    ref = CommandSecret(command=f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}")
    assert resolve_secret(ref, what=WHAT) == "first"

"""Run ``python -m deskterm`` as a user would (bytes argv, real exit codes) on a seeded store."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE_MBOX = REPO / "samples" / "support.mbox"
# Generous: only a hang (a FIFO nobody writes, a blocking read) may ever reach it.
HANG_TIMEOUT = 90

# What must never reach a terminal raw: C0 controls but tab/newline, DEL, C1 controls,
# bidi overrides/isolates/marks, lone surrogates (they cannot even be encoded).
UNSAFE_OUTPUT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

Arg = str | bytes | Path


@dataclass
class Result:
    """A finished ``deskterm`` process; stdout/stderr decoded strictly as UTF-8."""

    code: int
    out: str
    err: str

    def err_lines(self) -> list[str]:
        return self.err.strip("\n").splitlines()


def run_deskterm(
    *args: Arg,
    stdin: bytes | int | None = None,
    env: dict[str, str] | None = None,
    timeout: float = HANG_TIMEOUT,
) -> Result:
    """``python -m deskterm ARGS`` with stdin (bytes, a file descriptor or /dev/null)."""
    argv = [sys.executable, "-m", "deskterm", *(os.fsencode(a) for a in args)]
    feed = stdin if isinstance(stdin, bytes) else None
    source = None if feed is not None else (subprocess.DEVNULL if stdin is None else stdin)
    proc = subprocess.run(
        argv,
        input=feed,
        stdin=source,
        capture_output=True,
        env=env,
        check=False,
        timeout=timeout,
    )
    # Strict decoding: output that is not valid UTF-8 fails the test here.
    return Result(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def seeded_config(folder: Path) -> Path:
    """A config with one email channel whose store holds the sample mailbox."""
    config = folder / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    done = run_deskterm("--config", config, "import", "mbox", SAMPLE_MBOX)
    assert done.code == 0, done.err
    # The local agent's row is created on a first write; do it now, so that a later
    # refused command writing nothing is not confused with that first-use row.
    done = run_deskterm("--config", config, "tag", "1", "seed")
    assert done.code == 0, done.err
    return config


def store_file(config: Path) -> Path:
    """The SQLite file the sample config points at."""
    return config.parent / ".sample-store" / "deskterm.db"


def store_digest(config: Path) -> str:
    """A digest of every row of the store: equal digests mean nothing was written."""
    with sqlite3.connect(store_file(config)) as conn:
        dump = "\n".join(conn.iterdump())
    conn.close()
    return hashlib.sha256(dump.encode("utf-8", "surrogatepass")).hexdigest()

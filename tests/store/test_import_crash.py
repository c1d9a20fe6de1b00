"""Crash safety (isync-style): SIGKILL the importer at random points, resume, converge.

The store after any number of killed runs plus one complete run must equal the store of
one uninterrupted run: same messages (none lost, none doubled) in the same tickets.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from deskterm.cli import main

Signature = tuple[int, frozenset[frozenset[tuple[str, str]]]]


def write_mbox(path: Path, count: int, seed: int = 7) -> None:
    """``count`` messages with reply chains, out-of-order replies and reused Message-IDs."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    sent: list[str] = []
    with path.open("wb") as out:
        for n in range(count):
            msg = EmailMessage()
            customer = f"c{rng.randrange(count // 4)}@example.com"
            msg["From"] = customer
            msg["To"] = "support@shop.test"
            msg["Date"] = format_datetime(start + timedelta(minutes=n * 7))
            mid = f"m{n}@example.com" if rng.random() > 0.02 else "reused@broken-mailer"
            msg["Message-ID"] = f"<{mid}>"
            if sent and rng.random() < 0.4:
                parent = rng.choice(sent[-50:])
                msg["In-Reply-To"] = f"<{parent}>"
                msg["References"] = f"<{parent}>"
                msg["Subject"] = "Re: order question"
            else:
                msg["Subject"] = f"Question {n}"
            # A reply to a message that arrives later in the file (parent after child).
            if rng.random() < 0.05:
                msg["References"] = f"<m{n + 3}@example.com>"
            msg.set_content(
                f"Message {n} from {customer}\n" + "lorem ipsum " * rng.randrange(5, 80)
            )
            sent.append(mid)
            out.write(b"From sender@example.com Thu Jan  1 00:00:00 2026\n")
            out.write(msg.as_bytes().replace(b"\nFrom ", b"\n>From ") + b"\n")


def signature(db: Path) -> Signature:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT ticket_id, external_id, content_hash FROM message").fetchall()
        counts = conn.execute(
            "SELECT count(*) FROM ticket t WHERE t.message_count !="
            " (SELECT count(*) FROM message m WHERE m.ticket_id = t.id)"
        ).fetchone()
    finally:
        conn.close()
    assert counts == (0,), "ticket.message_count disagrees with its messages"
    tickets: dict[int, set[tuple[str, str]]] = {}
    for ticket_id, external_id, content_hash in rows:
        tickets.setdefault(ticket_id, set()).add((external_id, content_hash))
    return len(rows), frozenset(frozenset(group) for group in tickets.values())


def config(tmp: Path, name: str) -> Path:
    path = tmp / f"{name}.toml"
    path.write_text(f'[store]\npath = "{tmp / name}.db"\n')
    return path


@pytest.mark.slow
def test_killed_imports_converge_to_an_uninterrupted_run(tmp_path: Path) -> None:
    mbox = tmp_path / "mail.mbox"
    write_mbox(mbox, 3000)
    assert main(["--config", str(config(tmp_path, "clean")), "import", "mbox", str(mbox)]) == 0
    expected = signature(tmp_path / "clean.db")
    assert expected[0] == 3000

    crashed = config(tmp_path, "crashed")
    rng = random.Random(11)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    kills = 0
    for _ in range(8):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "deskterm",
                "--config",
                str(crashed),
                "import",
                "mbox",
                str(mbox),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(rng.uniform(0.4, 2.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 3, "the importer finished before it could be killed; use a bigger mailbox"
    assert main(["--config", str(crashed), "import", "mbox", str(mbox)]) == 0
    assert signature(tmp_path / "crashed.db") == expected
    # and a further run is a no-op (idempotence)
    assert main(["--config", str(crashed), "import", "mbox", str(mbox)]) == 0
    assert signature(tmp_path / "crashed.db") == expected

"""isync's standard: kill the sync at every step and at random moments; resuming converges to
exactly the store an uninterrupted sync builds (0 lost, 0 duplicated)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm.sync.faults import CRASH_ENV
from tests.servers.imap_servers import ImapServer, imap_server
from tests.sync.conftest import (
    PASSWORD,
    PASSWORD_ENV,
    dt,
    dt_process,
    store_signature,
    write_config,
)
from tests.sync.mail import conversation_mailbox

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def filled_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ImapServer, tuple[int, frozenset[frozenset[tuple[str, str]]]]]]:
    """One pymap with 2,000 messages for the whole module, and the store signature an
    uninterrupted sync builds from it. A sync only reads the mailbox, so every test's
    crashed runs meet the same server (built once: it is most of each test's time)."""
    with imap_server("pymap", tmp_path_factory.mktemp("imap")) as imap:
        imap.append_many("INBOX", conversation_mailbox(2000, to=imap.username))
        reference = write_config(tmp_path_factory.mktemp("reference") / "config.toml", imap)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(PASSWORD_ENV, PASSWORD)
            code, out, err = dt("--config", str(reference), "sync", "--once")
        assert code == 0, out + err
        expected = store_signature(reference)
        assert expected[0] == 2000
        yield imap, expected


@pytest.fixture
def mailbox(
    filled_server: tuple[ImapServer, tuple[int, frozenset[frozenset[tuple[str, str]]]]],
    tmp_path: Path,
) -> tuple[ImapServer, Path, tuple[int, frozenset[frozenset[tuple[str, str]]]]]:
    imap, expected = filled_server  # pymap: Dovecot covers the protocol tests
    return imap, tmp_path, expected


@pytest.mark.parametrize("point", ["sync.fetched", "sync.stored", "sync.committed"])
def test_kill_at_each_sync_step_then_resume(
    mailbox: tuple[ImapServer, Path, object], point: str
) -> None:
    imap, tmp_path, expected = mailbox
    config = write_config(tmp_path / "crashed" / "config.toml", imap)
    for _ in range(3):  # die at that step of the first batch, three passes in a row
        killed = dt_process("--config", str(config), "sync", "--once", env={CRASH_ENV: point})
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    finished = dt_process("--config", str(config), "sync", "--once")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert store_signature(config) == expected
    again = dt_process("--config", str(config), "sync", "--once")
    assert "0 new messages" in again.stdout and store_signature(config) == expected


def test_random_sigkills_mid_sync_converge(mailbox: tuple[ImapServer, Path, object]) -> None:
    imap, tmp_path, expected = mailbox
    config = write_config(tmp_path / "random" / "config.toml", imap)
    rng = random.Random(2026)
    kills = 0
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-m", "deskterm", "--config", str(config), "sync", "--once"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ),
        )
        time.sleep(rng.uniform(0.4, 2.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 4, "sync finished before it could be killed; use a bigger mailbox"
    finished = dt_process("--config", str(config), "sync", "--once")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert store_signature(config) == expected

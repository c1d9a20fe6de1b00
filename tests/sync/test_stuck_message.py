"""One message must never stop a folder's sync for good (issue 9 finding 5): a huge
References header is threaded on a capped id list, and any message whose ingest fails twice
is stored raw (text kept, threading dropped) so that every later message gets in."""

from __future__ import annotations

import json
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deskterm.sync.faults import CRASH_ENV, FAIL_INGEST_ENV
from tests.servers.imap_servers import ImapServer, imap_server
from tests.sync.conftest import dt, dt_json, dt_process, store_signature, write_config
from tests.sync.mail import customer_mail

# Past SQLite's variable limit in this build (250,000) and PostgreSQL's (65,535).
HUGE = 260_000


@pytest.fixture
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    """Dovecot: pymap's APPEND takes minutes on a 6 MB header; Dovecot takes no time."""
    with imap_server("dovecot", tmp_path_factory.mktemp("imap")) as server:
        yield server


def hostile_mail(to: str, parent: int = 0) -> bytes:
    """A reply to message ``parent`` whose References header names 260k junk ids after it."""
    junk = " ".join(f"<j{n}@spam.example>" for n in range(HUGE))
    head = customer_mail(7777, to=to, customer=3)
    header, _, body = head.partition(b"\r\n\r\n")
    return header + f"\r\nReferences: <m{parent}@example.com> {junk}".encode() + b"\r\n\r\n" + body


def _rows(config: Path) -> dict[str, tuple[int, str, str]]:
    """external id -> (ticket id, parse status, parse error) of every stored message."""
    conn = sqlite3.connect(config.parent / "store" / "deskterm.db")
    try:
        rows = conn.execute(
            "SELECT external_id, ticket_id, parse_status, parse_error FROM message"
        ).fetchall()
    finally:
        conn.close()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def _show(config: Path, ticket_id: int) -> Any:
    return dt_json("--config", str(config), "show", str(ticket_id), "--json")


def test_huge_references_header_is_threaded_and_later_mail_is_stored(
    dovecot: ImapServer, tmp_path: Path
) -> None:
    """issue 9 finding 5: a References header with 260k ids neither stalls nor stops sync."""
    imap = dovecot
    to = imap.username
    imap.append_many(
        "INBOX",
        [
            customer_mail(0, to=to, customer=3),
            hostile_mail(to),
            customer_mail(2, to=to),
            customer_mail(3, to=to),
        ],
    )
    config = write_config(tmp_path / "config.toml", imap)
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 0, out + err
    assert "support: 4 new messages" in out
    rows = _rows(config)
    assert set(rows) == {f"m{n}@example.com" for n in (0, 7777, 2, 3)}
    # Threaded by the thread's root (kept by the cap, as mail clients keep it).
    assert rows["m7777@example.com"][0] == rows["m0@example.com"][0]
    shown = _show(config, rows["m7777@example.com"][0])
    assert [m["external_id"] for m in shown["messages"]] == ["m0@example.com", "m7777@example.com"]
    code, out, _ = dt("--config", str(config), "sync", "--once")
    assert code == 0 and "support: 0 new messages" in out


def _fault_env(message_id: str, **extra: str) -> dict[str, str]:
    return {FAIL_INGEST_ENV: message_id, **extra}


def test_message_failing_twice_is_stored_raw_and_the_folder_moves_on(
    pymap: ImapServer, tmp_path: Path
) -> None:
    """issue 9 finding 5: the failure count survives a restart; the second failure stores it
    raw and every later message follows; nothing is stored twice."""
    imap = pymap
    imap.append_many("INBOX", [customer_mail(n, to=imap.username) for n in range(5)])
    config = write_config(tmp_path / "config.toml", imap)
    env = _fault_env("m1@example.com")

    first = dt_process("--config", str(config), "sync", "--once", env=env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "could not be stored" in first.stdout and "Traceback" not in first.stderr
    assert set(_rows(config)) == {"m0@example.com"}  # later mail waits behind it, once

    second = dt_process("--config", str(config), "sync", "--once", env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "4 new messages" in second.stdout
    assert "1 stored raw after failing twice" in second.stdout
    rows = _rows(config)
    assert set(rows) == {f"m{n}@example.com" for n in range(5)}
    ticket_id, status, error = rows["m1@example.com"]
    assert status == "partial" and "could not be stored normally" in error
    shown = _show(config, ticket_id)
    (message,) = shown["messages"]
    assert "Message 1." in message["body_text"] and message["parse_status"] == "partial"
    assert shown["customer"]["email"] == "customer1@example.com"

    third = dt_process("--config", str(config), "sync", "--once", env=env)
    assert third.returncode == 0 and "0 new messages" in third.stdout
    assert len(_rows(config)) == 5


@pytest.mark.slow
@pytest.mark.parametrize("point", ["sync.failure_recorded", "sync.stored", "sync.fetched"])
def test_kills_around_a_failing_message_converge(
    pymap: ImapServer, tmp_path: Path, point: str
) -> None:
    """issue 9 finding 5: killing sync at the new step (failure count committed) or the old
    ones, again and again, still ends in the store an uninterrupted pair of passes builds."""
    imap = pymap
    imap.append_many("INBOX", [customer_mail(n, to=imap.username) for n in range(8)])
    env = _fault_env("m3@example.com")
    reference = write_config(tmp_path / "reference" / "config.toml", imap)
    dt_process("--config", str(reference), "sync", "--once", env=env)
    assert dt_process("--config", str(reference), "sync", "--once", env=env).returncode == 0
    expected = store_signature(reference)
    assert expected[0] == 8

    config = write_config(tmp_path / "crashed" / "config.toml", imap)
    crashing = _fault_env("m3@example.com", **{CRASH_ENV: point})
    kills = 0
    for _ in range(3):  # die at that step, again and again (until the step is not reached)
        run = dt_process("--config", str(config), "sync", "--once", env=crashing)
        if run.returncode != -signal.SIGKILL:
            break
        kills += 1
    assert kills >= 1
    for _ in range(3):  # at most two failures, then it is stored
        done = dt_process("--config", str(config), "sync", "--once", env=env)
        if done.returncode == 0:
            break
    assert done.returncode == 0, done.stdout + done.stderr
    assert store_signature(config) == expected
    again = dt_process("--config", str(config), "sync", "--once", env=env)
    assert "0 new messages" in again.stdout and store_signature(config) == expected


def _mbox(path: Path, messages: list[bytes]) -> Path:
    with path.open("wb") as out:
        for raw in messages:
            out.write(b"From sender@example.com Thu Jan  1 00:00:00 2026\n")
            out.write(raw.replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From ") + b"\n")
    return path


def _import_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "store/deskterm.db"\n[[channels]]\nname = "support"\ntype = "email"\n'
        'address = "support@shop.test"\n'
        'imap = { host = "127.0.0.1", port = 9, security = "none", username = "support" }\n'
        'smtp = { host = "127.0.0.1", port = 9, security = "none", username = "support" }\n'
        'password = { env = "NOPE" }\n'
    )
    return config


def test_import_stores_a_failing_message_raw_and_goes_on(tmp_path: Path) -> None:
    """issue 9 finding 5: import mbox falls back to storing a failing message raw."""
    to = "support@shop.test"
    box = _mbox(tmp_path / "in.mbox", [customer_mail(n, to=to) for n in range(5)])
    config = _import_config(tmp_path)
    env = _fault_env("m2@example.com")
    done = dt_process("--config", str(config), "import", "mbox", str(box), "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert summary["imported"] == 5 and summary["failed"] == 0 and summary["stored_raw"] == 1
    rows = _rows(config)
    assert len(rows) == 5 and rows["m2@example.com"][1] == "partial"
    again = dt_process("--config", str(config), "import", "mbox", str(box), "--json", env=env)
    assert json.loads(again.stdout)["duplicates"] == 5 and len(_rows(config)) == 5


def test_import_threads_a_huge_references_header(tmp_path: Path) -> None:
    """issue 9 finding 5: the same hostile header through import mbox."""
    to = "support@shop.test"
    box = _mbox(
        tmp_path / "in.mbox",
        [customer_mail(0, to=to, customer=3), hostile_mail(to), customer_mail(2, to=to)],
    )
    config = _import_config(tmp_path)
    done = dt_process("--config", str(config), "import", "mbox", str(box), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["imported"] == 3
    rows = _rows(config)
    assert rows["m7777@example.com"][0] == rows["m0@example.com"][0]
    assert rows["m7777@example.com"][1] == "ok"


def test_chat_message_failing_twice_is_stored_raw_and_the_conversation_moves_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 finding 5: the same fallback on a marketplace conversation."""
    from deskterm.demo.marketplaces import serve_marketplaces

    with serve_marketplaces(tmp_path / "secrets", conversations=2, messages=2) as fakes:
        config = tmp_path / "config.toml"
        config.write_text('[store]\npath = "store/deskterm.db"\n' + fakes.config)
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        session = fakes.seeded["lazada-id"][0]
        bad = fakes.lazada.add_buyer_message(session, "Kak, ini pesan yang gagal")
        later = fakes.lazada.add_buyer_message(session, "Dan ini pesan sesudahnya")
        monkeypatch.setenv(FAIL_INGEST_ENV, bad)
        code, out, _ = dt("--config", str(config), "sync", "--once")
        assert code == 1 and "could not be stored" in out
        assert bad not in _rows(config) and later not in _rows(config)
        code, out, err = dt("--config", str(config), "sync", "--once")
        assert code == 0, out + err
        rows = _rows(config)
        assert rows[bad][1] == "partial" and rows[later][1] == "ok"
        assert rows[bad][0] == rows[later][0]  # still in the buyer's conversation

"""deskterm sync --once against real IMAP servers (pymap and Dovecot): fetch, thread, never
change the server, survive UIDVALIDITY resets, report failures in plain words."""

from __future__ import annotations

from pathlib import Path

from tests.servers.imap_proxy import MAILBOX_CHANGING_VERBS, imap_proxy, verb_of
from tests.servers.imap_servers import ImapServer
from tests.sync.conftest import dt, dt_json, store_signature, write_config
from tests.sync.mail import conversation_mailbox, customer_mail


def test_sync_once_fetches_threads_and_is_incremental(imap: ImapServer, tmp_path: Path) -> None:
    imap.append_many("INBOX", conversation_mailbox(30, to=imap.username))
    config = write_config(tmp_path / "config.toml", imap)
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 0, out + err
    assert "support: 30 new messages, 20 tickets created, 10 updated" in out
    tickets = dt_json(
        "--config", str(config), "tickets", "--view", "All", "--limit", "100", "--json"
    )
    assert len(tickets) == 20
    assert sorted(t["message_count"] for t in tickets).count(2) == 10

    code, out, _ = dt("--config", str(config), "sync", "--once")
    assert code == 0 and "support: 0 new messages" in out

    imap.append_many("INBOX", [customer_mail(n, to=imap.username) for n in (100, 101, 102)])
    code, out, _ = dt("--config", str(config), "sync", "--once")
    assert code == 0 and "support: 3 new messages, 3 tickets created" in out
    assert store_signature(config)[0] == 33


def test_sync_never_changes_the_server(imap: ImapServer, tmp_path: Path) -> None:
    imap.append_many("INBOX", conversation_mailbox(40, to=imap.username))
    before = imap.flags("INBOX")
    with imap_proxy(imap.host, imap.port) as proxy:
        config = write_config(tmp_path / "config.toml", imap)
        text = config.read_text().replace(f"port = {imap.port}\n", f"port = {proxy.port}\n", 1)
        config.write_text(text)
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        assert dt("--config", str(config), "sync", "--once")[0] == 0
        commands = proxy.commands()
    changing = sorted({verb_of(c) for c in commands} & MAILBOX_CHANGING_VERBS)
    assert not changing, changing
    fetches = [c for c in commands if "FETCH" in c.upper()]
    assert fetches and all("BODY[]" not in c.upper().replace("BODY.PEEK[]", "") for c in fetches)
    assert imap.flags("INBOX") == before  # nothing became \\Seen


def test_uidvalidity_reset_loses_and_doubles_nothing(imap: ImapServer, tmp_path: Path) -> None:
    imap.append_many("INBOX", conversation_mailbox(1000, to=imap.username))
    config = write_config(tmp_path / "config.toml", imap)
    assert dt("--config", str(config), "sync", "--once")[0] == 0
    before = store_signature(config)
    assert before[0] == 1000
    old = imap.status("INBOX")["uidvalidity"]
    imap.reset_uidvalidity("INBOX", shuffle=True)
    assert imap.status("INBOX")["uidvalidity"] != old
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 0, out + err
    assert "0 new messages" in out
    assert store_signature(config) == before
    # New mail after the reset is fetched normally.
    imap.append("INBOX", customer_mail(5000, to=imap.username))
    code, out, _ = dt("--config", str(config), "sync", "--once")
    assert "1 new messages" in out and store_signature(config)[0] == 1001


def test_wrong_password_is_one_plain_line(imap: ImapServer, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    config = write_config(tmp_path / "config.toml", imap)
    monkeypatch.setenv("DESKTERM_TEST_MAIL_PASSWORD", "wrong")
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 1
    assert "support:" in out and "login" in out.lower()
    assert "wrong" not in out + err and "Traceback" not in out + err


def test_unreachable_server_is_reported_not_raised(imap: ImapServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", imap)
    config.write_text(config.read_text().replace(f"port = {imap.port}\n", "port = 9\n", 1))
    code, out, err = dt("--config", str(config), "sync", "--once")
    assert code == 1 and "error:" in out and "Traceback" not in err


def test_only_one_syncer_per_store(imap: ImapServer, tmp_path: Path) -> None:
    from deskterm.sync.lock import SyncLock

    config = write_config(tmp_path / "config.toml", imap)
    assert dt("--config", str(config), "sync", "--once")[0] == 0
    with SyncLock(config.parent / "store"):
        code, _, err = dt("--config", str(config), "sync", "--once")
    assert code == 1 and "already syncing" in err

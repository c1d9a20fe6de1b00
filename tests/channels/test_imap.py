"""The IMAP adapter against real servers (pymap always, Dovecot when installed)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm.channels.email import imap as imap_module
from deskterm.channels.email.imap import ImapMailbox, UidValidityChanged
from deskterm.channels.email.types import FetchedMail
from deskterm.config import ImapConfig
from deskterm.domain.errors import ChannelAuthError, ChannelError
from tests.servers.imap_proxy import MAILBOX_CHANGING_VERBS, ImapProxy, imap_proxy, verb_of
from tests.servers.imap_servers import (
    SERVER_KINDS,
    ImapServer,
    free_port,
    imap_server,
    sample_message,
)

WAIT = 60.0  # generous: CI boxes are small and busy


@pytest.fixture(params=SERVER_KINDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ImapServer]:
    """Each real IMAP server in turn, fresh per test."""
    with imap_server(request.param, tmp_path) as running:
        yield running


@pytest.fixture
def proxy(server: ImapServer) -> Iterator[ImapProxy]:
    """A command-logging proxy in front of ``server``."""
    with imap_proxy(server.host, server.port) as running:
        yield running


def mailbox(server: ImapServer, port: int | None = None, **overrides: object) -> ImapMailbox:
    """An adapter for ``server`` (through ``port``, e.g. a proxy's, when given)."""
    if port is not None:
        overrides["port"] = port
    return ImapMailbox(server.imap_config(**overrides), server.password, timeout=WAIT)


def wait_for(condition: object, timeout: float = WAIT) -> None:
    """Poll ``condition()`` until true; fail after ``timeout`` seconds."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def assert_no_server_changes(proxy: ImapProxy) -> None:
    """The proxy saw no mailbox-changing command and no BODY[] without PEEK."""
    lines = proxy.lines()
    assert lines, "the proxy recorded nothing"
    changing = [line for line in lines if verb_of(line) in MAILBOX_CHANGING_VERBS]
    assert not changing, changing
    fetches = [line for line in lines if verb_of(line) in {"FETCH", "UID FETCH"}]
    plain_body = [line for line in fetches if re.search(r"(?<!PEEK)\bBODY\[", line.upper())]
    assert not plain_body, plain_body
    assert not [line for line in fetches if re.search(r"\bRFC822(?!\.SIZE)\b", line.upper())]


# --- connecting --------------------------------------------------------------------------


def test_connect_login_and_status(server: ImapServer) -> None:
    server.append_many("INBOX", [sample_message(n) for n in range(3)])
    with mailbox(server) as box:
        assert box.connected
        assert "IMAP4REV1" in box.capabilities
        status = box.status("INBOX")
    assert not box.connected
    expected = server.status("INBOX")
    assert status.name == "INBOX"
    assert status.exists == 3
    assert status.uidvalidity == expected["uidvalidity"]
    assert status.uidnext == expected["uidnext"]
    if server.kind == "dovecot":
        assert box.condstore
        assert status.highestmodseq is not None and status.highestmodseq > 0
    else:  # pymap offers no CONDSTORE
        assert not box.condstore
        assert status.highestmodseq is None


def test_wrong_password_is_an_auth_error_without_the_password(server: ImapServer) -> None:
    wrong = "Wr0ng-Passw0rd-xyz"
    box = ImapMailbox(server.imap_config(), wrong, timeout=WAIT)
    with pytest.raises(ChannelAuthError) as caught:
        box.connect()
    message = str(caught.value)
    assert message.startswith(f"{server.host}: login failed for {server.username}: ")
    assert "\n" not in message
    assert wrong not in message
    assert caught.value.transient is False
    assert not box.connected


def test_connection_refused_is_transient() -> None:
    port = free_port()
    config = ImapConfig(host="127.0.0.1", port=port, security="none", username="u@example.com")
    with pytest.raises(ChannelError) as caught:
        ImapMailbox(config, "secret-pw", timeout=WAIT).connect()
    assert not isinstance(caught.value, ChannelAuthError)
    assert caught.value.transient is True
    assert str(caught.value) == f"127.0.0.1:{port}: connection refused"


def test_silent_server_times_out_as_transient_error() -> None:
    # Accepts the TCP connection (backlog) but never greets, like a wedged server.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        config = ImapConfig(host="127.0.0.1", port=port, security="none", username="u@x.test")
        started = time.monotonic()
        with pytest.raises(ChannelError) as caught:
            ImapMailbox(config, "pw", timeout=1.0).connect()
    assert caught.value.transient is True
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert time.monotonic() - started < WAIT


def test_tls_to_a_plaintext_server_is_a_transient_tls_error(server: ImapServer) -> None:
    box = ImapMailbox(server.imap_config(security="tls"), server.password, timeout=WAIT)
    with pytest.raises(ChannelError) as caught:
        box.connect()
    assert caught.value.transient is True
    assert f"{server.host}:{server.port}" in str(caught.value)
    assert server.password not in str(caught.value)


def test_starttls_without_server_support_says_so(tmp_path: Path) -> None:
    # pymap --no-tls offers no STARTTLS; refusing beats logging in over plain text.
    with imap_server("pymap", tmp_path) as server:
        box = ImapMailbox(server.imap_config(security="starttls"), server.password)
        with pytest.raises(ChannelError) as caught:
            box.connect()
    assert caught.value.transient is False
    assert "STARTTLS" in str(caught.value)


def test_missing_folder_is_a_permanent_error_naming_it(server: ImapServer) -> None:
    with mailbox(server) as box, pytest.raises(ChannelError) as caught:
        box.status("No Such Folder")
    assert caught.value.transient is False
    assert "'No Such Folder'" in str(caught.value)
    assert "\n" not in str(caught.value)


# --- fetching ----------------------------------------------------------------------------


def test_fetch_new_in_batches_read_only(server: ImapServer, proxy: ImapProxy) -> None:
    seeded = [sample_message(n) for n in range(250)]
    server.append_many("INBOX", seeded)
    server_uids = server.uids("INBOX")
    with mailbox(server, proxy.port) as box:
        batches = list(box.fetch_new("INBOX", 0, batch=100))
        assert [len(batch) for batch in batches] == [100, 100, 50]
        mails = [mail for batch in batches for mail in batch]
        assert [mail.uid for mail in mails] == server_uids
        assert [mail.raw for mail in mails] == seeded
        assert all(mail.internaldate is not None for mail in mails)
        assert all(mail.internaldate.utcoffset() is not None for mail in mails if mail.internaldate)
        assert all("\\Seen" not in mail.flags for mail in mails)

        last = mails[-1].uid
        # "last+1:*" still matches the highest UID on the server: nothing new must come back.
        assert list(box.fetch_new("INBOX", last)) == []

        added = [sample_message(n) for n in range(1000, 1003)]
        server.append_many("INBOX", added)
        fresh = [mail for batch in box.fetch_new("INBOX", last) for mail in batch]
        assert [mail.raw for mail in fresh] == added
        assert [mail.uid for mail in fresh] == server.uids("INBOX")[-3:]
        assert all(mail.uid > last for mail in fresh)

    flags = server.flags("INBOX")
    assert len(flags) == 253
    assert not [uid for uid, fl in flags.items() if "\\Seen" in fl]
    assert_no_server_changes(proxy)
    verbs = proxy.commands()
    assert "EXAMINE" in verbs
    assert "UID FETCH" in verbs


def test_fetch_new_keeps_batches_under_the_byte_budget(server: ImapServer) -> None:
    bodies = [sample_message(n, body="x" * 10_000) for n in range(5)]
    server.append_many("INBOX", bodies)
    with mailbox(server) as box:
        batches = list(box.fetch_new("INBOX", 0, batch=100, max_batch_bytes=25_000))
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert [mail.raw for batch in batches for mail in batch] == bodies


def test_fetch_new_reports_existing_flags(server: ImapServer) -> None:
    server.append_many("INBOX", [(sample_message(1), ["\\Seen", "\\Flagged"]), sample_message(2)])
    with mailbox(server) as box:
        mails: list[FetchedMail] = [m for batch in box.fetch_new("INBOX", 0) for m in batch]
    assert set(mails[0].flags) == {"\\Seen", "\\Flagged"}
    assert mails[1].flags == ()


def test_fetch_from_empty_folder(server: ImapServer) -> None:
    server.create_folder("Empty")
    with mailbox(server) as box:
        assert list(box.fetch_new("Empty", 0)) == []
        assert box.status("Empty").exists == 0


def test_changed_flags_with_condstore(server: ImapServer, proxy: ImapProxy) -> None:
    server.append_many("INBOX", [sample_message(n) for n in range(3)])
    with mailbox(server, proxy.port) as box:
        before = box.status("INBOX")
        if server.kind != "dovecot":
            assert box.changed_flags("INBOX", 0) == {}
            return
        assert before.highestmodseq is not None
        assert box.changed_flags("INBOX", before.highestmodseq) == {}
        uid = server.uids("INBOX")[1]
        server.add_flags("INBOX", uid, ["\\Flagged"])  # the user's phone flags a mail
        assert box.changed_flags("INBOX", before.highestmodseq) == {uid: ("\\Flagged",)}
        after = box.status("INBOX")
        assert after.highestmodseq is not None and after.highestmodseq > before.highestmodseq
        assert box.changed_flags("INBOX", after.highestmodseq) == {}
    assert_no_server_changes(proxy)


# --- Sent folder, APPEND and the Message-ID search --------------------------------------


def test_sent_folder_append_and_search_message_id(server: ImapServer) -> None:
    reply = sample_message(7, message_id="reply-7.abc@shop.test", subject="Re: Order")
    with mailbox(server) as box:
        sent = box.sent_folder()
        # Dovecot flags it \Sent (SPECIAL-USE); pymap has none, so the usual name is found.
        assert sent == "Sent"
        box.append(sent, reply)
        assert box.search_message_id(sent, "<reply-7.abc@shop.test>") == server.uids(sent)
        assert box.search_message_id(sent, "reply-7.abc@shop.test") == server.uids(sent)
        # HEADER search matches substrings; the adapter confirms the whole id.
        assert box.search_message_id(sent, "<reply-7.ab@shop.test>") == []
        assert box.search_message_id(sent, "7.abc@shop.test") == []
        assert box.search_message_id(sent, "<other@shop.test>") == []
        assert box.search_message_id(sent, "<>") == []
    stored = server.flags(sent)
    assert list(stored.values()) == [("\\Seen",)]
    assert list(server.messages(sent).values()) == [reply]


def test_append_normalises_line_endings_and_keeps_flags(server: ImapServer) -> None:
    raw = sample_message(8).replace(b"\r\n", b"\n")
    with mailbox(server) as box:
        box.append("Sent", raw, flags=("\\Seen", "\\Answered"))
    assert list(server.messages("Sent").values()) == [raw.replace(b"\n", b"\r\n")]
    assert set(next(iter(server.flags("Sent").values()))) == {"\\Seen", "\\Answered"}


def test_append_to_missing_folder_is_a_permanent_error(server: ImapServer) -> None:
    with mailbox(server) as box, pytest.raises(ChannelError) as caught:
        box.append("Nowhere", sample_message(1))
    assert caught.value.transient is False
    assert "'Nowhere'" in str(caught.value)


def test_configured_sent_folder_wins(server: ImapServer) -> None:
    server.create_folder("Outbox Copies")
    with mailbox(server, sent_folder="Outbox Copies") as box:
        assert box.sent_folder() == "Outbox Copies"


def test_no_sent_folder(tmp_path: Path) -> None:
    with imap_server("pymap", tmp_path) as server:
        with server.client() as client:
            client.delete_folder("Sent")
        with mailbox(server) as box:
            assert box.sent_folder() is None


# --- IDLE --------------------------------------------------------------------------------


def test_idle_wait_wakes_on_new_mail(server: ImapServer) -> None:
    with mailbox(server) as box:
        status = box.status("INBOX")
        appended = threading.Event()

        def deliver() -> None:
            time.sleep(0.5)  # let IDLE start; a late start is still caught (see below)
            server.append("INBOX", sample_message(1))
            appended.set()

        worker = threading.Thread(target=deliver)
        started = time.monotonic()
        worker.start()
        try:
            assert box.idle_wait("INBOX", WAIT, uidnext=status.uidnext) is True
        finally:
            worker.join(WAIT)
        assert appended.is_set()
        assert time.monotonic() - started < WAIT
        mails = [m for batch in box.fetch_new("INBOX", status.uidnext - 1) for m in batch]
        assert [m.raw for m in mails] == [sample_message(1)]


def test_idle_wait_times_out_without_changes(server: ImapServer) -> None:
    with mailbox(server) as box:
        started = time.monotonic()
        assert box.idle_wait("INBOX", 1.5) is False
        elapsed = time.monotonic() - started
        assert 1.0 <= elapsed < WAIT
        box.noop()  # the connection is usable after IDLE
        assert box.status("INBOX").exists == 0


@pytest.mark.parametrize("other_folder_open", [False, True])
def test_idle_wait_sees_mail_that_arrived_before_idle(
    server: ImapServer, other_folder_open: bool
) -> None:
    # Neither server reports mail appended before IDLE starts in any IDLE response.
    with mailbox(server) as box:
        box.status("INBOX")
        if other_folder_open:
            box.status("Sent")
        server.append("INBOX", sample_message(1))
        started = time.monotonic()
        assert box.idle_wait("INBOX", WAIT) is True
        assert time.monotonic() - started < WAIT / 2


def test_idle_wait_without_idle_returns_at_once(
    server: ImapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mailbox(server) as box:
        monkeypatch.setattr(box, "_capabilities", ("IMAP4REV1",))
        started = time.monotonic()
        assert box.idle_wait("INBOX", WAIT) is False
        assert time.monotonic() - started < 5


# --- failures mid-session ----------------------------------------------------------------


def test_dropped_connection_is_transient_and_the_next_call_reconnects(
    server: ImapServer, proxy: ImapProxy
) -> None:
    server.append_many("INBOX", [sample_message(n) for n in range(2)])
    with mailbox(server, proxy.port) as box:
        assert box.status("INBOX").exists == 2
        proxy.drop_connections()
        with pytest.raises(ChannelError) as caught:
            box.status("INBOX")
        assert caught.value.transient is True
        assert f"127.0.0.1:{proxy.port}" in str(caught.value)
        assert not box.connected
        assert box.status("INBOX").exists == 2  # reconnected by itself


def test_connection_dropped_during_idle(server: ImapServer, proxy: ImapProxy) -> None:
    with mailbox(server, proxy.port) as box:
        box.status("INBOX")
        timer = threading.Timer(0.5, proxy.drop_connections)
        timer.start()
        try:
            with pytest.raises(ChannelError) as caught:
                box.idle_wait("INBOX", WAIT)
        finally:
            timer.cancel()
        assert caught.value.transient is True


def test_uidvalidity_reset_renumbers_the_folder(server: ImapServer) -> None:
    seeded = [sample_message(n) for n in range(20)]
    server.append_many("INBOX", seeded)
    before_ids = server.message_ids("INBOX")
    with mailbox(server) as box:
        before = box.status("INBOX")
        server.reset_uidvalidity("INBOX", shuffle=True)
        # The server restarted: the open connection is gone, the next call reconnects.
        with pytest.raises(ChannelError):
            box.status("INBOX")
        with pytest.raises(UidValidityChanged) as caught:
            list(box.fetch_new("INBOX", 5, uidvalidity=before.uidvalidity))
        assert caught.value.expected == before.uidvalidity
        assert caught.value.transient is False
        after = box.status("INBOX")
        assert caught.value.actual == after.uidvalidity
        mails = [
            m for batch in box.fetch_new("INBOX", 0, uidvalidity=after.uidvalidity) for m in batch
        ]
    assert after.uidvalidity != before.uidvalidity
    assert after.exists == before.exists == 20
    after_ids = server.message_ids("INBOX")
    assert sorted(after_ids.values()) == sorted(before_ids.values())
    moved = [uid for uid in after_ids if before_ids.get(uid) != after_ids[uid]]
    assert moved, "shuffle=True should give old UIDs to different messages"
    assert sorted(m.raw for m in mails) == sorted(seeded)


# --- the adapter's source holds no destructive call -------------------------------------


def test_adapter_source_has_no_destructive_imap_calls() -> None:
    source = Path(imap_module.__file__).read_text()
    code = "\n".join(
        line for line in source.splitlines() if not line.strip().startswith(("#", '"'))
    )
    for call in (
        ".add_flags(",
        ".set_flags(",
        ".remove_flags(",
        ".delete_messages(",
        ".expunge(",
        ".uid_expunge(",
        ".copy(",
        ".move(",
        ".delete_folder(",
        ".rename_folder(",
        ".close_folder(",
        ".add_gmail_labels(",
        "readonly=False",
        '"BODY[]"]',
        '"RFC822"]',
    ):
        assert call not in code, call
    assert "select_folder, folder, True" in code  # every open is read-only (EXAMINE)


# --- IDLE edge cases no real server produces on demand ----------------------------------


class ScriptedImapServer:
    """A one-connection fake IMAP server whose IDLE phase sends ``idle_chunks`` verbatim."""

    def __init__(self, idle_chunks: list[bytes], *, close_after: bool = False) -> None:
        self.idle_chunks = idle_chunks
        self.close_after = close_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def config(self) -> ImapConfig:
        return ImapConfig(host="127.0.0.1", port=self.port, security="none", username="u@x.test")

    def close(self) -> None:
        self.listener.close()
        self.thread.join(WAIT)

    def _serve(self) -> None:
        self.listener.settimeout(WAIT)
        conn, _addr = self.listener.accept()
        conn.settimeout(WAIT)
        with conn, conn.makefile("rb") as reader:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 IDLE] scripted\r\n")
            for raw in reader:
                tag, _sp, rest = raw.decode().strip().partition(" ")
                verb = rest.split(" ")[0].upper()
                if verb == "CAPABILITY":
                    conn.sendall(f"* CAPABILITY IMAP4rev1 IDLE\r\n{tag} OK done\r\n".encode())
                elif verb == "LOGIN":
                    conn.sendall(f"{tag} OK [CAPABILITY IMAP4rev1 IDLE] in\r\n".encode())
                elif verb == "EXAMINE":
                    conn.sendall(
                        b"* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] v\r\n"
                        b"* OK [UIDNEXT 1] n\r\n" + f"{tag} OK [READ-ONLY] done\r\n".encode()
                    )
                elif verb == "IDLE":
                    conn.sendall(b"+ idling\r\n")
                    for chunk in self.idle_chunks:
                        conn.sendall(chunk)
                        time.sleep(0.3)  # separate TCP segments
                    if self.close_after:
                        return
                    assert reader.readline().strip().upper() == b"DONE"
                    conn.sendall(f"{tag} OK idle done\r\n".encode())
                elif verb == "LOGOUT":
                    conn.sendall(f"* BYE bye\r\n{tag} OK out\r\n".encode())
                    return
                else:
                    conn.sendall(f"{tag} BAD unexpected\r\n".encode())


@pytest.mark.parametrize(
    "chunks",
    [
        [b"* OK Still here\r\n* 1 EXISTS\r\n"],  # the change sits behind a keepalive
        [b"* 1 FET", b"CH (FLAGS (\\Seen))\r\n"],  # one response split across segments
    ],
    ids=["buffered-after-keepalive", "split-line"],
)
def test_idle_wait_reads_responses_however_they_arrive(chunks: list[bytes]) -> None:
    scripted = ScriptedImapServer(chunks)
    try:
        with ImapMailbox(scripted.config(), "pw", timeout=WAIT) as box:
            started = time.monotonic()
            assert box.idle_wait("INBOX", WAIT) is True
            assert time.monotonic() - started < WAIT / 2
    finally:
        scripted.close()


def test_idle_wait_on_bye_is_a_transient_error() -> None:
    scripted = ScriptedImapServer([b"* BYE shutting down\r\n"], close_after=True)
    try:
        with ImapMailbox(scripted.config(), "pw", timeout=WAIT) as box:
            with pytest.raises(ChannelError) as caught:
                box.idle_wait("INBOX", WAIT)
            assert caught.value.transient is True
            assert not box.connected
    finally:
        scripted.close()

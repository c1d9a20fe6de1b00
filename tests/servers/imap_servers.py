"""Real IMAP servers for tests on loopback ports: pymap (always) and a private Dovecot.

``pymap_server(tmp_path)`` and ``dovecot_server(tmp_path)`` are context managers that
start a server as a subprocess, wait for its greeting and stop it on exit. They yield an
``ImapServer``: ``host``, ``port``, ``username``, ``password``, and helpers that talk to
the server over their OWN imapclient connection (seeding mail, reading flags, UIDs and
Message-IDs) so tests never verify the adapter with the adapter. ``reset_uidvalidity``
renumbers a folder under a new UIDVALIDITY, as a server rebuild or migration does.

Dovecot is a system package (Debian ``dovecot-imapd``). Without it, Dovecot tests skip
with a visible reason, or fail when ``DESKTERM_REQUIRE_SERVERS=1`` (CI sets it).
"""

from __future__ import annotations

import grp
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, NoReturn

import pytest
from imapclient import IMAPClient

from deskterm.config import ImapConfig

REQUIRE_SERVERS_ENV = "DESKTERM_REQUIRE_SERVERS"
"""When "1", a missing server fails the test instead of skipping it (CI)."""

SERVER_KINDS = ("pymap", "dovecot")
"""The IMAP servers tests run against; parametrize over these with ``imap_server``."""

USERNAME = "support@deskterm.test"
# Spaces and quotes make sure the password is quoted correctly on the wire.
PASSWORD = 'open "Sesame" 42!'
START_TIMEOUT = 60.0  # a loaded 2-core CI box can take a while to start Python or Dovecot

_APPENDUID_RE = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


def skip_or_fail(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail when the environment requires real servers."""
    if os.environ.get(REQUIRE_SERVERS_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_SERVERS_ENV}=1 turns this skip into a failure)")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sample_message(
    n: int,
    *,
    message_id: str | None = None,
    subject: str | None = None,
    sender: str = "Customer <customer@example.com>",
    to: str = USERNAME,
    body: str | None = None,
    when: datetime | None = None,
) -> bytes:
    """A small RFC 5322 message (CRLF lines) numbered ``n``, unique Message-ID by default."""
    date = when or datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject if subject is not None else f'Order question {n}'}",
        f"Date: {format_datetime(date)}",
        f"Message-ID: <{message_id or f'msg-{n}@example.com'}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        body if body is not None else f"Hello, this is message number {n}.",
        "",
    ]
    return "\r\n".join(lines).encode()


@dataclass
class _Stored:
    raw: bytes
    flags: tuple[str, ...]
    when: datetime | None


@dataclass
class ImapServer:
    """A running IMAP server plus helpers using a separate, independent connection."""

    kind: str
    port: int
    workdir: Path
    host: str = "127.0.0.1"
    username: str = USERNAME
    password: str = PASSWORD
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    # --- lifecycle (per server kind) ---------------------------------------------------

    def start(self) -> None:
        """Start the server process and wait for its greeting."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the server and every process it started (SIGTERM, then SIGKILL)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        # Dovecot's master may exit before its imap processes do; a survivor would keep
        # serving old sessions (and writing indexes) across a restart. Each server runs in
        # its own session, so its process group holds exactly its processes.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    def restart(self) -> None:
        """Stop and start again on the same port (connections are cut)."""
        self.stop()
        self.start()

    def log_text(self) -> str:
        """The server's log so far (for failure messages)."""
        return ""

    def reset_uidvalidity(self, folder: str = "INBOX", *, shuffle: bool = False) -> None:
        """Give ``folder`` a new UIDVALIDITY and renumber its messages (server restarts).

        With ``shuffle`` the new UIDs follow a random order, so an old UID names a
        different message afterwards.
        """
        raise NotImplementedError

    # --- configuration -----------------------------------------------------------------

    def imap_config(self, **overrides: Any) -> ImapConfig:
        """An ``ImapConfig`` for this server (plain IMAP on loopback); keys may be overridden."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": "none",
            "username": self.username,
        }
        values.update(overrides)
        return ImapConfig(**values)

    # --- an independent connection -----------------------------------------------------

    @contextmanager
    def client(self) -> Iterator[IMAPClient]:
        """A logged-in imapclient connection of its own."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=60)
        try:
            client.login(self.username, self.password)
            yield client
        finally:
            with suppress(Exception):
                client.logout()

    def create_folder(self, name: str) -> None:
        """CREATE ``name`` (no error if it already exists)."""
        with self.client() as client:
            if not client.folder_exists(name):
                client.create_folder(name)

    def folders(self) -> list[str]:
        """All selectable folder names."""
        with self.client() as client:
            return [
                str(name)
                for flags, _delim, name in client.list_folders()
                if b"\\Noselect" not in flags
            ]

    def append(
        self,
        folder: str,
        raw: bytes,
        *,
        flags: Sequence[str] = (),
        when: datetime | None = None,
    ) -> int | None:
        """APPEND one message; returns its UID when the server reports APPENDUID."""
        with self.client() as client:
            reply = client.append(folder, raw, flags=tuple(flags), msg_time=when)
        match = _APPENDUID_RE.search(reply if isinstance(reply, bytes) else b"")
        return int(match.group(2)) if match else None

    def append_many(
        self, folder: str, messages: Iterable[bytes | tuple[bytes, Sequence[str]]]
    ) -> None:
        """APPEND many messages in order (MULTIAPPEND in chunks where the server has it)."""
        items = [(m, ()) if isinstance(m, bytes) else (m[0], tuple(m[1])) for m in messages]
        self._append_stored(folder, [_Stored(raw, tuple(fl), None) for raw, fl in items])

    def _append_stored(self, folder: str, messages: Sequence[_Stored]) -> None:
        with self.client() as client:
            multi = client.has_capability("MULTIAPPEND")
            step = 100 if multi else 1
            for start in range(0, len(messages), step):
                chunk = messages[start : start + step]
                if not multi:
                    for item in chunk:
                        client.append(folder, item.raw, flags=item.flags, msg_time=item.when)
                    continue
                payload: list[dict[str, Any]] = []
                for item in chunk:
                    entry: dict[str, Any] = {"msg": item.raw, "flags": item.flags}
                    if item.when is not None:
                        entry["date"] = item.when
                    payload.append(entry)
                typ, data = client.multiappend(folder, payload)
                assert typ == "OK", f"MULTIAPPEND to {folder!r} failed: {typ} {data!r}"

    def status(self, folder: str) -> dict[str, int]:
        """UIDVALIDITY, UIDNEXT and EXISTS as EXAMINE reports them."""
        with self.client() as client:
            info = client.select_folder(folder, readonly=True)
        return {
            "uidvalidity": int(info[b"UIDVALIDITY"]),
            "uidnext": int(info[b"UIDNEXT"]),
            "exists": int(info[b"EXISTS"]),
        }

    def uids(self, folder: str) -> list[int]:
        """All UIDs in ``folder``, ascending."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return sorted(int(uid) for uid in client.search("ALL"))

    def flags(self, folder: str) -> dict[int, tuple[str, ...]]:
        """Flags of every message in ``folder`` (read-only; \\Recent left out)."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            if not uids:
                return {}
            response = client.fetch(uids, ["FLAGS"])
        return {
            int(uid): tuple(flag.decode() for flag in data[b"FLAGS"] if flag.lower() != b"\\recent")
            for uid, data in response.items()
        }

    def message_ids(self, folder: str) -> dict[int, str]:
        """UID -> Message-ID (without brackets) for every message in ``folder``."""
        return {uid: _message_id(raw) for uid, raw in self.messages(folder).items()}

    def messages(self, folder: str) -> dict[int, bytes]:
        """UID -> raw bytes (fetched with BODY.PEEK[]) for every message in ``folder``."""
        return {uid: item.raw for uid, item in self._dump(folder).items()}

    def add_flags(self, folder: str, uid: int, flags: Sequence[str]) -> None:
        """STORE +FLAGS as another mail client (the user's phone) would."""
        with self.client() as client:
            client.select_folder(folder)
            client.add_flags([uid], list(flags))

    def _dump(self, folder: str) -> dict[int, _Stored]:
        with self.client() as client:
            client.normalise_times = False
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            out: dict[int, _Stored] = {}
            for start in range(0, len(uids), 200):
                chunk = uids[start : start + 200]
                response = client.fetch(chunk, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"])
                for uid, data in response.items():
                    out[int(uid)] = _Stored(
                        raw=bytes(data[b"BODY[]"]),
                        flags=tuple(f.decode() for f in data[b"FLAGS"] if f.lower() != b"\\recent"),
                        when=data.get(b"INTERNALDATE"),
                    )
        return dict(sorted(out.items()))

    def _wait_ready(self, deadline: float) -> None:
        last_error = "no attempt"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} exited with {self._process.returncode} while starting:\n"
                    f"{self.log_text()[-3000:]}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=5) as sock:
                    sock.settimeout(10)
                    greeting = sock.recv(1024)
                if greeting.startswith(b"* OK"):
                    return
                last_error = f"greeting {greeting[:80]!r}"
            except OSError as exc:
                last_error = str(exc)
            time.sleep(0.05)
        raise RuntimeError(
            f"{self.kind} did not greet on {self.host}:{self.port} within {START_TIMEOUT:g} s "
            f"({last_error}):\n{self.log_text()[-3000:]}"
        )


def _message_id(raw: bytes) -> str:
    match = re.search(rb"^Message-ID:\s*<?([^>\r\n]*)>?", raw, re.IGNORECASE | re.MULTILINE)
    return match.group(1).decode() if match else ""


# --- pymap ---------------------------------------------------------------------------------


@dataclass
class PymapServer(ImapServer):
    """pymap's in-memory ``dict`` backend: one user, IDLE, no CONDSTORE or SPECIAL-USE."""

    def start(self) -> None:
        """Start pymap; it creates INBOX, and a plain "Sent" folder is added (no \\Sent flag)."""
        binary = Path(sys.executable).with_name("pymap")
        log = (self.workdir / "pymap.log").open("ab")
        command = [
            str(binary),
            "--no-tls",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "dict",
            "--demo-user",
            self.username,
            "--demo-password",
            self.password,
        ]
        self._process = subprocess.Popen(
            command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
        log.close()
        try:
            self._wait_ready(time.monotonic() + START_TIMEOUT)
            self.create_folder("Sent")
        except BaseException:
            self.stop()
            raise

    def log_text(self) -> str:
        """pymap's stdout and stderr."""
        path = self.workdir / "pymap.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def reset_uidvalidity(self, folder: str = "INBOX", *, shuffle: bool = False) -> None:
        """Restart pymap and re-append every folder: ALL folders get a new UIDVALIDITY.

        The dict backend keeps mail in memory and INBOX cannot be deleted, so a restart
        with the same content is how its UIDVALIDITY changes (new UIDs count from 101).
        """
        dumps = {name: list(self._dump(name).values()) for name in self.folders()}
        self.restart()
        for name, stored in dumps.items():
            if name != "INBOX":
                self.create_folder(name)
            if name == folder and shuffle:
                random.Random(len(stored)).shuffle(stored)
            self._append_stored(name, stored)


@contextmanager
def pymap_server(tmp_path: Path) -> Iterator[PymapServer]:
    """A running pymap (``pymap --no-tls ... dict``) on a free loopback port."""
    workdir = tmp_path / "pymap"
    workdir.mkdir(parents=True, exist_ok=True)
    server = PymapServer(kind="pymap", port=free_port(), workdir=workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- Dovecot -------------------------------------------------------------------------------


def dovecot_binary() -> Path | None:
    """The dovecot executable (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    return Path(found) if found else None


_DOVECOT_CONF = """\
# Private test instance written by tests/servers/imap_servers.py.
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/log/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
mail_fsync = never
# Notice new mail quickly even where inotify is missing (containers, network file systems).
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/etc/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
}}
"""


@dataclass
class DovecotServer(ImapServer):
    """A private Dovecot with a generated config; maildir, CONDSTORE, IDLE, SPECIAL-USE."""

    root: Path = field(default=Path(), repr=False)
    uid: int = 0
    gid: int = 0

    @property
    def config_path(self) -> Path:
        """The generated dovecot.conf."""
        return self.root / "etc" / "dovecot.conf"

    def prepare(self) -> None:
        """Write the config, the passwd-file and the directories."""
        if os.geteuid() == 0:
            # Dovecot refuses to run its login process as root; the mail belongs to dovecot.
            login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
            mail_user = pwd.getpwnam("dovecot")
        else:
            # Unprivileged: every Dovecot process runs as us, so every setting names us.
            mail_user = pwd.getpwuid(os.getuid())
            login_user = internal_user = mail_user.pw_name
            internal_group = grp.getgrgid(mail_user.pw_gid).gr_name
        self.uid, self.gid = mail_user.pw_uid, mail_user.pw_gid
        for sub in ("run", "state", "log", "etc", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chown(self.root / "mail", self.uid, self.gid)
        (self.root / "etc" / "passwd").write_text(
            f"{self.username}:{{PLAIN}}{self.password}::::::\n"
        )
        self.config_path.write_text(
            _DOVECOT_CONF.format(
                root=self.root,
                port=self.port,
                login_user=login_user,
                internal_user=internal_user,
                internal_group=internal_group,
                uid=self.uid,
                gid=self.gid,
            )
        )

    def start(self) -> None:
        """Run ``dovecot -F -c CONFIG`` and wait for the greeting."""
        binary = dovecot_binary()
        assert binary is not None
        log = (self.root / "log" / "stdout.log").open("ab")
        self._process = subprocess.Popen(
            [str(binary), "-F", "-c", str(self.config_path)],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        try:
            self._wait_ready(time.monotonic() + START_TIMEOUT)
        except BaseException:
            self.stop()
            raise

    def log_text(self) -> str:
        """Dovecot's log file and its stdout/stderr."""
        parts = []
        for name in ("stdout.log", "dovecot.log"):
            path = self.root / "log" / name
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)

    def folder_dir(self, folder: str) -> Path:
        """The maildir of ``folder`` (Maildir++ layout: INBOX is the root, others ".Name")."""
        base = self.root / "mail" / self.username
        return base if folder.upper() == "INBOX" else base / f".{folder.replace('/', '.')}"

    def reset_uidvalidity(self, folder: str = "INBOX", *, shuffle: bool = False) -> None:
        """Stop Dovecot, rewrite the folder's dovecot-uidlist under a new UIDVALIDITY, restart.

        The indexes are deleted so Dovecot rebuilds them from the maildir; the messages
        and their flags (kept in the file names) are untouched.
        """
        self.stop()
        directory = self.folder_dir(folder)
        uidlist = directory / "dovecot-uidlist"
        old_validity = 0
        order: dict[str, int] = {}
        if uidlist.exists():
            header, *entries = uidlist.read_text().splitlines()
            fields = {item[0]: item[1:] for item in header.split()[1:] if item}
            old_validity = int(fields.get("V", "0"))
            for line in entries:
                uid_text, _sep, name = line.partition(" :")
                order[name] = int(uid_text.split()[0])
        names = [
            path.name.split(":2,")[0]
            for sub in ("cur", "new")
            for path in (directory / sub).iterdir()
            if path.is_file()
        ]
        names.sort(key=lambda name: (order.get(name, sys.maxsize), name))
        if shuffle:
            random.Random(len(names)).shuffle(names)
        validity = max(old_validity + 1, int(time.time()) % 2**31)
        lines = [f"3 V{validity} N{len(names) + 1} G{uuid.uuid4().hex}"]
        lines += [f"{uid} :{name}" for uid, name in enumerate(names, start=1)]
        uidlist.write_text("\n".join(lines) + "\n")
        os.chown(uidlist, self.uid, self.gid)
        uidlist.chmod(0o600)
        for stale in directory.glob("dovecot.index*"):
            stale.unlink(missing_ok=True)
        for stale in (self.root / "mail" / self.username).glob("dovecot.list.index*"):
            stale.unlink(missing_ok=True)
        self.start()


@contextmanager
def dovecot_server(tmp_path: Path) -> Iterator[DovecotServer]:
    """A running private Dovecot on a free loopback port; skips (or fails) if not installed."""
    if dovecot_binary() is None:
        skip_or_fail("Dovecot is not installed (Debian package dovecot-imapd)")
    # Not under tmp_path: pytest makes its base dir 0700 and Dovecot's users must get in.
    root = Path(tempfile.mkdtemp(prefix="deskterm-dovecot-", dir="/tmp"))
    root.chmod(0o755)
    (tmp_path / "dovecot-root").write_text(str(root))  # where to look after a failure
    server: DovecotServer | None = None
    try:
        for attempt in range(3):
            # The free port may be taken by someone else before Dovecot binds it: retry.
            server = DovecotServer(kind="dovecot", port=free_port(), workdir=root, root=root)
            server.prepare()
            try:
                server.start()
                break
            except RuntimeError:
                if attempt == 2 or "Address already in use" not in server.log_text():
                    raise
        assert server is not None
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def imap_server(kind: str, tmp_path: Path) -> Iterator[ImapServer]:
    """The server named ``kind`` (one of ``SERVER_KINDS``)."""
    factory = {"pymap": pymap_server, "dovecot": dovecot_server}[kind]
    with factory(tmp_path) as server:
        yield server

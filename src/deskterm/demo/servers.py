"""Local servers for the demo: pymap (IMAP, in memory) and an aiosmtpd sink (SMTP)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from imapclient import IMAPClient

from deskterm.domain.errors import DesktermError

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# pymap, run so that it dies with the demo however the demo ends (a hung-up terminal,
# SIGTERM, SIGKILL): it runs in its own session (a Ctrl-C meant for the demo does not cut
# it off mid-shutdown), so nothing else would stop it. On Linux the kernel sends SIGKILL
# the moment its parent dies (PR_SET_PDEATHSIG); elsewhere a thread sees it adopted by
# another parent within half a second. argv: the demo's pid, then pymap's arguments.
_BOUND_TO_PARENT = """\
import ctypes, os, signal, sys, threading, time
parent = int(sys.argv[1])
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass
if os.getppid() != parent:  # the demo died before the line above took effect
    sys.exit(0)

def orphaned():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)

threading.Thread(target=orphaned, daemon=True).start()
sys.argv = ["pymap", *sys.argv[2:]]
from pymap.main import main
main()
"""


@dataclass
class DemoImap:
    """A pymap subprocess with one user; mail lives in memory."""

    username: str
    password: str
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0, attempts: int = 3) -> None:
        """Start pymap and wait until it greets.

        Call it from the thread that lives as long as the demo (the main thread): on Linux
        the parent-death signal fires when the thread that started the child ends.
        The port was free when chosen, but another program may take it before pymap binds
        it; a server that exits at once is started again on a new port.
        """
        for attempt in range(attempts):
            if attempt:
                self.port = free_port()
            if self._start_once(timeout):
                return
        raise DesktermError(
            f"the demo IMAP server did not start ({self._log_tail()}); see {self.log}"
        )

    def _start_once(self, timeout: float) -> bool:
        """True once pymap accepts connections; False (and stopped) when it does not."""
        command = [
            sys.executable,
            "-c",
            _BOUND_TO_PARENT,
            str(os.getpid()),
            "--no-tls",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "dict",
            # "=" form: a random password may start with "-", which argparse would
            # otherwise read as an option (the demo failed to start 1 run in ~10).
            f"--demo-user={self.username}",
            f"--demo-password={self.password}",
        ]
        with self.log.open("ab") as log:
            try:
                self.process = subprocess.Popen(
                    command,
                    stdout=log,
                    stderr=log,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            except OSError as exc:
                raise DesktermError(
                    f"cannot start the demo IMAP server ({exc.strerror});"
                    " install the demo extra: pip install 'deskterm[demo]'"
                ) from exc
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self._greets():
                    return True
            except OSError:
                pass  # not listening yet
            if self.process.poll() is not None:
                break  # it could not bind the port, or failed otherwise: see the log
            time.sleep(0.1)
        self.stop()
        return False

    def _greets(self) -> bool:
        """True when our pymap (not whatever else took the port) answers with its greeting."""
        with socket.create_connection((HOST, self.port), timeout=1) as sock:
            sock.settimeout(5)
            greeting = sock.recv(64)
        return (
            greeting.startswith(b"* OK")
            and self.process is not None
            and (self.process.poll() is None)
        )

    def _log_tail(self) -> str:
        """The last non-empty line pymap logged, for the error message."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "no log"
        last = next((line.strip() for line in reversed(lines) if line.strip()), "")
        return last[:200] or "it logged nothing"

    def client(self) -> IMAPClient:
        """A logged-in connection for seeding."""
        client = IMAPClient(HOST, port=self.port, ssl=False, timeout=30)
        client.login(self.username, self.password)
        return client

    def seed(self, folder: str, messages: list[bytes]) -> None:
        """APPEND ``messages`` to ``folder`` (created when missing)."""
        client = self.client()
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        finally:
            client.logout()

    def stop(self) -> None:
        """Stop pymap."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


class _Sink:
    """Accepts every reply (a real SMTP conversation) and counts it."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        return "250 2.0.0 OK: delivered to the demo sink"


class DemoSmtp:
    """An aiosmtpd sink on a free loopback port, in a background thread."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _Sink()
        self.controller = Controller(self.handler, hostname=HOST, port=self.port)

    def start(self) -> None:
        """Serve."""
        self.controller.start()

    def stop(self) -> None:
        """Stop serving."""
        self.controller.stop()

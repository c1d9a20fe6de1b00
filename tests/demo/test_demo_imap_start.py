"""The demo's IMAP server starts even when its chosen port is taken before pymap binds it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from deskterm.demo.servers import HOST, DemoImap
from deskterm.domain.errors import DesktermError


def test_a_port_taken_by_another_program_is_not_mistaken_for_pymap(tmp_path: Path) -> None:
    """CI saw 'the demo IMAP server did not start' under load: the port chosen as free was
    taken before pymap bound it. Another listener on the port must not pass for pymap, and
    the server starts on a new port instead."""
    with socket.socket() as squatter:
        squatter.bind((HOST, 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        imap = DemoImap("shop", "secret", tmp_path / "imap.log", port=taken)
        try:
            imap.start(timeout=30)
            assert imap.port != taken
            client = imap.client()  # our pymap, logged in with our user
            client.logout()
        finally:
            imap.stop()


def test_a_server_that_never_starts_says_why_in_one_line(tmp_path: Path) -> None:
    """Every attempt failing gives one line naming pymap's last log line and the log file."""
    with socket.socket() as squatter:
        squatter.bind((HOST, 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        imap = DemoImap("shop", "secret", tmp_path / "imap.log", port=taken)
        with pytest.raises(DesktermError) as raised:
            imap.start(timeout=30, attempts=1)
    message = str(raised.value)
    assert "\n" not in message
    assert "did not start" in message and str(tmp_path / "imap.log") in message

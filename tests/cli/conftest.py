"""Fixtures for CLI tests that meet mail servers: a real pymap and an aiosmtpd requiring AUTH."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import smtp_servers
from tests.servers.imap_servers import PASSWORD, USERNAME, PymapServer, pymap_server
from tests.servers.smtp_servers import SmtpServer


@pytest.fixture(scope="module")
def imap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PymapServer]:
    """pymap on loopback: user ``USERNAME``, password ``PASSWORD``, INBOX and Sent."""
    with pymap_server(tmp_path_factory.mktemp("imap")) as server:
        yield server


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    """aiosmtpd on loopback that refuses mail until ``USERNAME``/``PASSWORD`` log in."""
    with smtp_servers.auth_required(USERNAME, PASSWORD) as server:
        yield server

"""Issue 10 item 9: a channel's from_name and its default, as the config resolves them."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskterm.config import EmailChannel
from deskterm.config.loading import load_config_text
from deskterm.domain.errors import ConfigError

CHANNEL = """
[[channels]]
name = "support"
type = "email"
address = "support@example.com"
password = { env = "X" }
imap = { host = "imap.example.com", username = "support@example.com" }
smtp = { host = "smtp.example.com", username = "support@example.com" }
"""


def sender(text: str) -> str:
    channel = load_config_text(text, Path("/tmp/config.toml")).channels[0]
    assert isinstance(channel, EmailChannel)
    return channel.sender_name()


@pytest.mark.parametrize(
    ("user", "extra", "expected"),
    [
        ('[user]\nname = "Dewi"\n', "", "Dewi"),
        ("", "", ""),  # no [user] name: the bare address, not "support", not $USER
        ('[user]\nemail = "dewi@example.com"\n', "", ""),
        ('[user]\nname = "Dewi"\n', 'from_name = "Kopi Nusantara"\n', "Kopi Nusantara"),
        ('[user]\nname = "Dewi"\n', 'from_name = ""\n', ""),
        ("", 'from_name = "Toko Kopi Ñusantara ☕"\n', "Toko Kopi Ñusantara ☕"),
    ],
)
def test_sender_name_default(user: str, extra: str, expected: str) -> None:
    """issue 10 item 9: from_name, else the [user] name, else none; never the channel id."""
    assert sender(user + CHANNEL + extra) == expected


@pytest.mark.parametrize("bad", ['" Kopi"', '"' + "k" * 101 + '"', '"Kopi\\nBcc: a@b.test"'])
def test_bad_from_name_is_a_config_error(bad: str) -> None:
    """issue 10 item 9: a from_name must fit one header line."""
    with pytest.raises(ConfigError, match="from_name"):
        sender(CHANNEL + f"from_name = {bad}\n")

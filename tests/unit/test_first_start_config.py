"""Where the config is looked for, and the starter config the welcome pane shows
(issue 10 item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskterm.config import EmailChannel, config_places, find_config_path, load_config_text
from deskterm.config.starter import EMAIL_STARTER
from deskterm.domain.errors import ConfigError


def test_config_places_in_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 10 item 7: the welcome lists the loader's own places, in its order."""
    monkeypatch.setenv("DESKTERM_CONFIG_DIR", str(tmp_path / "cfg"))
    places = config_places()
    assert [p.name for p in places] == ["--config FILE", "$DESKTERM_CONFIG", "default"]
    assert [p.path for p in places] == [None, None, tmp_path / "cfg" / "config.toml"]
    monkeypatch.setenv("DESKTERM_CONFIG", str(tmp_path / "env.toml"))
    named = config_places(tmp_path / "cli.toml")
    assert [p.path for p in named] == [
        tmp_path / "cli.toml",
        tmp_path / "env.toml",
        tmp_path / "cfg" / "config.toml",
    ]
    assert [p.required for p in named] == [True, True, False]


def test_find_config_path_follows_the_places(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 10 item 7: the first place given wins; a named file must exist."""
    monkeypatch.setenv("DESKTERM_CONFIG_DIR", str(tmp_path / "cfg"))
    assert find_config_path() is None  # no default file: built-in defaults
    default = tmp_path / "cfg" / "config.toml"
    default.parent.mkdir()
    default.write_text("", encoding="utf-8")
    assert find_config_path() == default
    monkeypatch.setenv("DESKTERM_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"no such config file \(named by \$DESKTERM_CONFIG\)"):
        find_config_path()
    with pytest.raises(ConfigError, match=r"cli\.toml: no such config file$"):
        find_config_path(tmp_path / "cli.toml")


def test_the_starter_config_is_a_valid_email_channel() -> None:
    """issue 10 item 7: what the welcome pane says to write works as it is."""
    config = load_config_text(EMAIL_STARTER, Path("config.toml"))
    (channel,) = config.channels
    assert isinstance(channel, EmailChannel)
    assert channel.name == "support" and channel.imap.port == 993 and channel.smtp.port == 587

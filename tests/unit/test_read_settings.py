"""The read-only commands' settings (config/read_settings.py): equal to the full config's,
cached per config text and environment, never stale, never holding a server password."""

from __future__ import annotations

import json
import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest

from deskterm import paths
from deskterm.config import load_config
from deskterm.config.read_settings import ReadSettings, read_settings
from deskterm.domain.errors import ConfigError
from deskterm.domain.sla import SlaTargets

FULL = """
[store]
path = "shop.db"

[user]
name = "Ana"
email = "ana@shop.test"

[[channels]]
name = "support"
type = "email"
address = "support@shop.test"
password = { env = "SUPPORT_PASSWORD" }
imap = { host = "imap.shop.test", username = "support@shop.test" }
smtp = { host = "smtp.shop.test", username = "support@shop.test" }
sla = { first_response = "4h", resolution = "2d" }

[[channels]]
name = "tokopedia"
type = "tiktokshop"
shop_cipher = "ROW_7001"
base_url = "https://open-api.tiktokglobalshop.com"
app_key = "k"
app_secret = { env = "TT_SECRET" }
access_token = { env = "TT_TOKEN" }
sla = { first_response = "30m" }

[business_hours]
timezone = "Asia/Jakarta"
week = { mon = "08:00-12:00,13:00-17:00", sat = "09:00-13:00" }
holidays = ["2026-12-25"]

[revenue]
window_days = 5
intents = ["product/question"]
tags = ["Presale", "vip-lead"]
"""


@pytest.fixture
def full_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(FULL, encoding="utf-8")
    return path


def cache_files() -> list[Path]:
    folder = paths.cache_dir() / "read-settings"
    return sorted(folder.glob("*.json")) if folder.exists() else []


def test_the_settings_are_the_full_configs(full_config: Path) -> None:
    config = load_config(full_config)
    settings = read_settings(full_config)
    assert settings == ReadSettings.of(config)
    assert settings.store_url == config.store_url() == f"sqlite:///{full_config.parent / 'shop.db'}"
    assert (settings.user_email, settings.user_name) == ("ana@shop.test", "Ana")
    assert settings.sla_targets() == config.sla_targets()
    assert settings.sla_targets()["tokopedia"] == SlaTargets(timedelta(minutes=30), None)
    assert settings.revenue == config.revenue.rules()
    assert settings.revenue.tags == ("presale", "vip-lead")
    hours = settings.business_hours()
    assert config.business_hours is not None and hours == config.business_hours.hours()
    assert date(2026, 12, 25) in hours.holidays and len(hours.ranges(date(2026, 12, 7))) == 2


def test_a_second_read_comes_from_the_cache_and_equals_the_first(full_config: Path) -> None:
    first = read_settings(full_config)
    [cache] = cache_files()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    saved = json.loads(cache.read_text(encoding="utf-8"))
    assert ReadSettings.from_json(saved["settings"]) == first
    # Proof it is read: a value changed in the cached file comes back (never done by
    # anything but this test; the key still matches the config's text).
    saved["settings"]["user"] = ["cached@shop.test", "Cached"]
    cache.write_text(json.dumps(saved), encoding="utf-8")
    assert read_settings(full_config).user_email == "cached@shop.test"


def test_an_edited_config_is_read_again(full_config: Path) -> None:
    assert read_settings(full_config).revenue.window == timedelta(days=5)
    full_config.write_text(FULL.replace("window_days = 5", "window_days = 9"), encoding="utf-8")
    assert read_settings(full_config).revenue.window == timedelta(days=9)
    assert len(cache_files()) == 1  # one per config and environment: the edit replaced it


def test_a_broken_config_errs_every_time_even_after_a_good_one_was_cached(
    full_config: Path,
) -> None:
    read_settings(full_config)
    full_config.write_text(FULL.replace("window_days = 5", "window_days = 500"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ConfigError, match="window_days"):
            read_settings(full_config)
    assert len(cache_files()) == 1  # the broken text was never cached


def test_the_environment_that_places_files_is_part_of_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No [store] path: the store is in the data folder, which a variable moves."""
    config = tmp_path / "config.toml"
    config.write_text('[user]\nname = "Ana"\n', encoding="utf-8")
    first = read_settings(config).store_path
    monkeypatch.setenv("DESKTERM_DATA_DIR", str(tmp_path / "elsewhere"))
    moved = read_settings(config).store_path
    assert first != moved and moved == tmp_path / "elsewhere" / "deskterm.db"


def test_a_server_store_is_not_cached(tmp_path: Path) -> None:
    """Its URL may hold a password; a copy in the cache folder would be a second place
    it leaks from."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\nurl = "postgresql+psycopg://desk:s3cret@db.shop.test/desk"\n', encoding="utf-8"
    )
    assert read_settings(config).store_url.endswith("@db.shop.test/desk")
    assert cache_files() == []


def test_a_torn_cache_file_is_validated_again(full_config: Path) -> None:
    expected = read_settings(full_config)
    [cache] = cache_files()
    cache.write_text('{"key": "', encoding="utf-8")
    assert read_settings(full_config) == expected
    assert json.loads(cache.read_text(encoding="utf-8"))["settings"]  # written whole again


def test_an_unwritable_cache_folder_only_costs_time(
    full_config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("DESKTERM_CACHE_DIR", str(blocked))
    assert read_settings(full_config) == ReadSettings.of(load_config(full_config))


def test_no_config_file_gives_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESKTERM_CONFIG", raising=False)
    monkeypatch.setenv("DESKTERM_CONFIG_DIR", str(tmp_path / "none"))
    settings = read_settings(None)
    assert settings.store_path == paths.default_store_path()
    assert settings.sla == {} and settings.hours is None and settings.user_email == ""
    assert os.path.isabs(settings.store_path)

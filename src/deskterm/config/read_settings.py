"""What the read-only commands need of the config, without importing its models each time.

`tickets`, `show`, `search`, `views` and `stats` need five things of the config: where the
store is, who the agent is, the SLA targets, the revenue rule and the business hours.
Validating the whole file (pydantic, every section) cost ~100 ms of each such command's
~300 ms. So the first run after the file (or the environment) changed validates it fully,
as every command does, and keeps these values in the cache directory; the next runs
read them back from one small JSON file, keyed by the file's text, its path and the
variables that place files. An invalid file is never cached: its error shows every time.

Stores behind a server URL (PostgreSQL) are not cached: their reads load SQLAlchemy
anyway, and the URL may hold a password that must not be copied to a second file.
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deskterm import __version__, paths
from deskterm.config.locate import find_config_path, read_config_text
from deskterm.domain.revenue import AttributionRules
from deskterm.domain.sla import SlaTargets

if TYPE_CHECKING:
    from deskterm.config.model import Config
    from deskterm.domain.business_hours import BusinessHours

FORMAT = 1
"""Bumped whenever the cached fields change: an older file is then read as a miss."""

# Variables that decide where files are (the default store, the config) or who the
# default agent is: a change makes the cached values another config's.
_PLACING = ("HOME", "USER", "LOGNAME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")


@dataclass(frozen=True)
class Hours:
    """``[business_hours]`` as written: rebuilt into BusinessHours when asked for."""

    zone: str
    """The IANA time zone, e.g. "Asia/Jakarta"."""

    week: dict[str, str]
    """Open hours by day ("mon": "08:00-17:00"); a day left out is closed."""

    holidays: tuple[date, ...] = ()
    """Local dates the shop is closed."""

    def build(self) -> BusinessHours:
        """The domain model (the values were checked when the file was validated)."""
        from deskterm.domain.business_hours import business_hours  # zoneinfo: when asked

        return business_hours(self.zone, self.week, self.holidays)


@dataclass(frozen=True)
class ReadSettings:
    """The part of the config read-only commands use (see the module docstring)."""

    store_url: str
    """The store's URL, as ``Config.store_url()``."""

    store_path: Path
    """The SQLite file (also where the data folder is), as ``Config.store_path()``."""

    user_email: str = ""
    """``[user] email`` ("" when unset: the local user at this host is used)."""

    user_name: str = ""
    """``[user] name``."""

    sla: dict[str, SlaTargets] = field(default_factory=dict)
    """Each channel's SLA targets by channel name."""

    revenue: AttributionRules = field(default_factory=AttributionRules)
    """``[revenue]``: what makes a ticket pre-sale and how long an order counts."""

    hours: Hours | None = None
    """``[business_hours]``, or None without the section."""

    def sla_targets(self) -> dict[str, SlaTargets]:
        """Each channel's SLA targets by channel name (as ``Config.sla_targets``)."""
        return dict(self.sla)

    def business_hours(self) -> BusinessHours | None:
        """The shop's opening hours, or None without a [business_hours] section."""
        return self.hours.build() if self.hours is not None else None

    @classmethod
    def of(cls, config: Config) -> ReadSettings:
        """The settings of a fully validated config."""
        section = config.business_hours
        hours = None
        if section is not None:
            hours = Hours(section.timezone, section.days(), tuple(section.holidays))
        return cls(
            store_url=config.store_url(),
            store_path=config.store_path(),
            user_email=config.user.email,
            user_name=config.user.name,
            sla=config.sla_targets(),
            revenue=config.revenue.rules(),
            hours=hours,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form (from_json reads it back equal)."""
        return {
            "store_url": self.store_url,
            "store_path": str(self.store_path),
            "user": [self.user_email, self.user_name],
            "sla": {
                name: [_seconds(t.first_response), _seconds(t.resolution)]
                for name, t in self.sla.items()
            },
            "revenue": [
                self.revenue.window.total_seconds(),
                list(self.revenue.intents),
                list(self.revenue.tags),
            ],
            "hours": None
            if self.hours is None
            else [self.hours.zone, self.hours.week, [d.isoformat() for d in self.hours.holidays]],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReadSettings:
        """The settings saved by to_json (KeyError/TypeError/ValueError when malformed)."""
        window, intents, tags = data["revenue"]
        hours = data["hours"]
        return cls(
            store_url=str(data["store_url"]),
            store_path=Path(data["store_path"]),
            user_email=str(data["user"][0]),
            user_name=str(data["user"][1]),
            sla={
                str(name): SlaTargets(_delta(first), _delta(resolution))
                for name, (first, resolution) in data["sla"].items()
            },
            revenue=AttributionRules(
                timedelta(seconds=float(window)), tuple(map(str, intents)), tuple(map(str, tags))
            ),
            hours=None
            if hours is None
            else Hours(
                str(hours[0]),
                {str(k): str(v) for k, v in hours[1].items()},
                tuple(date.fromisoformat(d) for d in hours[2]),
            ),
        )


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _delta(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=float(value))


def read_settings(cli_path: Path | None = None) -> ReadSettings:
    """The read settings of the config ``load_config(cli_path)`` would load: from the
    cache when it holds them for this very text, else from a full load (ConfigError as
    ``load_config`` raises it), cached for the next run."""
    path = find_config_path(cli_path)
    text = read_config_text(path) if path is not None else ""
    place, key = _place_and_key(path, text)
    cache = paths.cache_dir() / "read-settings" / f"{place}.json"
    cached = _read_cache(cache, key)
    if cached is not None:
        return cached
    from deskterm.config.loading import load_config_text
    from deskterm.config.model import Config

    config = load_config_text(text, path) if path is not None else Config()
    settings = ReadSettings.of(config)
    if settings.store_url.startswith("sqlite:"):
        _write_cache(cache, key, settings)
    return settings


def _place_and_key(path: Path | None, text: str) -> tuple[str, str]:
    """The cache file's name (one per config place and environment: an edit replaces
    it) and the key of what the cached values depend on: also the file's text and this
    program's version."""
    env = {name: value for name, value in os.environ.items() if name.startswith("DESKTERM_")}
    env.update({name: os.environ.get(name, "") for name in _PLACING})
    where = str(path.absolute()) if path is not None else ""
    place = json.dumps([where, sorted(env.items())]).encode()
    parts = json.dumps([FORMAT, __version__, text]).encode() + place
    return f"{zlib.crc32(place):08x}", _checksum(parts)


def _checksum(data: bytes) -> str:
    # Two checksums and the length (zlib is built in; hashlib loads OpenSSL, ~2 ms of a
    # ~90 ms command): they tell an edited file from the cached one, which is all a key
    # for one's own cache must do (nobody crafts collisions against themselves).
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"


def _read_cache(cache: Path, key: str) -> ReadSettings | None:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        return ReadSettings.from_json(data["settings"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing, torn or from another version: validate again


def _write_cache(cache: Path, key: str, settings: ReadSettings) -> None:
    """Best effort: a cache that cannot be written only makes the next run slower."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        part = cache.with_name(f"{cache.name}.{os.getpid()}.part")
        with open(part, "w", encoding="utf-8", opener=_private) as handle:
            json.dump({"key": key, "settings": settings.to_json()}, handle)
        os.replace(part, cache)  # whole or not at all: readers never see half a file
    except OSError:
        return


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)

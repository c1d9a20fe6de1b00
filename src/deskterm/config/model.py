"""The whole config file (``Config``): its sections, cross-references and lookups."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, model_validator

from deskterm import paths
from deskterm.config.checks import ConfigModel
from deskterm.config.classify_section import ClassifyConfig
from deskterm.config.csat_section import CsatConfig
from deskterm.config.hours_section import BusinessHoursConfig
from deskterm.config.naming import Problem, quote
from deskterm.config.naming import entry as entry_name
from deskterm.config.revenue_section import RevenueConfig
from deskterm.config.sections import (
    ChannelConfig,
    EmailChannel,
    HelpCenterConfig,
    ShopifyStore,
    StoreConfig,
    UiConfig,
    UserConfig,
)
from deskterm.domain.errors import ConfigError
from deskterm.domain.signatures import Signatures
from deskterm.domain.sla import SlaTargets
from deskterm.domain.text import one_line
from deskterm.secrets import CommandSecret, EnvSecret, KeyringSecret

# --- the whole file ------------------------------------------------------------------


class Config(ConfigModel):
    """A whole config file. ``Config()`` is the valid empty configuration."""

    store: StoreConfig = Field(default_factory=StoreConfig)
    """Where tickets live."""

    channels: list[ChannelConfig] = Field(default_factory=list)
    """Conversation sources: email and marketplace chats."""

    stores: list[ShopifyStore] = Field(default_factory=list)
    """Shops whose orders are shown beside conversations."""

    user: UserConfig = Field(default_factory=UserConfig)
    """The agent working on this machine."""

    ui: UiConfig = Field(default_factory=UiConfig)
    """Appearance of the terminal interface."""

    classify: ClassifyConfig = Field(default_factory=ClassifyConfig)
    """Labelling customer messages: language, intent, sentiments."""

    help_center: HelpCenterConfig = Field(default_factory=HelpCenterConfig)
    """The shop's help articles, searched by the customer's message in the composer."""

    business_hours: BusinessHoursConfig | None = None
    """When the shop is open (rules' hours: condition); unset: no business hours."""

    csat: CsatConfig = Field(default_factory=CsatConfig)
    """Satisfaction surveys after a close (off unless enabled)."""

    revenue: RevenueConfig = Field(default_factory=RevenueConfig)
    """Which orders count as revenue from support (stats, the ticket header)."""

    _source: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _default_sender_names(self) -> Config:
        # A reply's From: name defaults to the [user] name (the shop's person), so the
        # channel's internal name never reaches a customer (issue 10 item 9).
        for channel in self.channels:
            if isinstance(channel, EmailChannel):
                channel._user_name = one_line(self.user.name).strip()
        return self

    @property
    def source(self) -> Path | None:
        """The file this config was loaded from (absolute), or None for defaults."""
        return self._source

    def store_path(self) -> Path:
        """The SQLite store file: ``[store] path`` (relative to the config file) or the default."""
        return resolve_store_path(self.store.path, self._source)

    def store_url(self) -> str:
        """SQLAlchemy URL of the store: ``[store] url`` or ``sqlite:///<store_path()>``."""
        if self.store.url is not None:
            return self.store.url
        return f"sqlite:///{self.store_path()}"

    def help_center_path(self) -> Path | None:
        """``[help_center] path`` as opened (``~`` expanded, relative to the config file)."""
        path = self.help_center.path
        if path is None:
            return None
        path = path.expanduser()
        if not path.is_absolute():
            path = (self._source.parent if self._source is not None else Path.cwd()) / path
        return path

    def channel(self, name: str) -> ChannelConfig:
        """The channel called ``name``; ConfigError naming the known channels otherwise."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise ConfigError(self._unknown("channel", name, [c.name for c in self.channels]))

    def email_channel(self, name: str) -> EmailChannel | None:
        """The email channel called ``name`` (None when absent or of another type)."""
        found = self.find_channel(name)
        return found if isinstance(found, EmailChannel) else None

    def find_channel(self, name: str) -> ChannelConfig | None:
        """The channel called ``name`` of any type (None when the config has none)."""
        return next((c for c in self.channels if c.name == name), None)

    def signatures(self) -> Signatures:
        """The agent's and each channel's signature templates (replies get them)."""
        return Signatures(
            agent=self.user.signature,
            channels={c.name: c.signature for c in self.channels if c.signature.strip()},
        )

    def sla_targets(self) -> dict[str, SlaTargets]:
        """Each channel's SLA targets by channel name (the ``channel`` of a reader row)."""
        return {c.name: c.sla.targets() for c in self.channels if c.sla is not None}

    def shopify_store(self, name: str) -> ShopifyStore:
        """The ``[[stores]]`` entry called ``name``; ConfigError naming the known ones otherwise."""
        for store in self.stores:
            if store.name == name:
                return store
        raise ConfigError(self._unknown("store", name, [s.name for s in self.stores]))

    def secrets(self) -> Iterator[tuple[str, KeyringSecret | CommandSecret | EnvSecret]]:
        """Every secret reference with the key that names it (``channels[0] "x".password``).

        The key is the ``what`` to pass to :func:`deskterm.secrets.resolve_secret`.
        """
        for section, entries in (("channels", self.channels), ("stores", self.stores)):
            for index, entry in enumerate(entries):
                for field in type(entry).model_fields:
                    value = getattr(entry, field)
                    if isinstance(value, KeyringSecret | CommandSecret | EnvSecret):
                        yield f"{entry_name(section, index, entry.name)}.{field}", value
        llm = self.classify.llm
        if self.classify.backend == "llm" and llm is not None and llm.api_key is not None:
            yield "classify.llm.api_key", llm.api_key

    def _unknown(self, kind: str, name: str, known: list[str]) -> str:
        where = f" in {self._source}" if self._source is not None else ""
        listed = ", ".join(known) if known else "none"
        return f"no {kind} named {quote(name)}{where} (configured: {listed})"


def resolve_store_path(path: Path | None, source: Path | None) -> Path:
    """``[store] path`` as opened: ``~`` expanded, relative to the config file; or the default."""
    if path is None:
        return paths.default_store_path()
    path = path.expanduser()
    if not path.is_absolute():
        base = source.parent if source is not None else Path.cwd()
        path = base / path
    return path


# --- cross-references ----------------------------------------------------------------
# Checked on the parsed TOML rather than in a model validator: a validator only runs once
# every field is valid, and ``config check`` lists these beside the other errors.


def reference_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """Duplicate channel or store names, and channels naming a store that does not exist."""
    problems: list[Problem] = []
    channels = _entries(raw.get("channels"))
    stores = _entries(raw.get("stores"))
    _find_duplicates("channels", channels, problems)
    _find_duplicates("stores", stores, problems)
    if stores is None or channels is None:
        return problems  # not a list of tables: reported as such, nothing to refer to
    channel_names = {n for _, entry in channels if isinstance(n := entry.get("name"), str)}
    csat = raw.get("csat")
    surveyed = csat.get("channels") if isinstance(csat, dict) else None
    for index, wanted in enumerate(surveyed if isinstance(surveyed, list) else []):
        if isinstance(wanted, str) and wanted not in channel_names:
            names = ", ".join(one_line(n, 80) for n in sorted(channel_names)) or "none"
            problems.append(
                (("csat", "channels", index), f"no channel named {quote(wanted)} ({names})")
            )
    store_names = {name for _, entry in stores if isinstance(name := entry.get("name"), str)}
    known = ", ".join(one_line(name, 80) for name in sorted(store_names)) or "none"
    for index, entry in channels:
        wanted = entry.get("store")
        if isinstance(wanted, str) and wanted not in store_names:
            problems.append(
                (
                    ("channels", index, "store"),
                    f"no [[stores]] entry named {quote(wanted)} (configured stores: {known})",
                )
            )
    return problems


def _entries(value: Any) -> list[tuple[int, Mapping[str, Any]]] | None:
    if value is None:
        return []
    if not isinstance(value, list):
        return None
    return [(index, entry) for index, entry in enumerate(value) if isinstance(entry, dict)]


def _find_duplicates(
    section: str,
    entries: list[tuple[int, Mapping[str, Any]]] | None,
    problems: list[Problem],
) -> None:
    # Case-insensitive: "Support" and "support" would be indistinguishable to a user
    # typing --channel, and ambiguous in --json consumers that normalise case.
    first: dict[str, int] = {}
    for index, entry in entries or []:
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            continue  # a missing or empty name is reported on its own
        key = name.casefold()
        if key in first:
            problems.append(
                (
                    (section, index, "name"),
                    f"duplicate {section[:-1]} name (already used by {section}[{first[key]}])",
                )
            )
        else:
            first[key] = index

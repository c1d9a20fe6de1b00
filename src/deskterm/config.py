"""The TOML configuration: models, lookup order, and one-line error messages."""

from __future__ import annotations

import difflib
import functools
import os
import re
import tomllib
import typing
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from deskterm import paths
from deskterm.domain.errors import ConfigError
from deskterm.domain.sla import MAX_TARGET, MIN_TARGET, SlaTargets, parse_duration
from deskterm.domain.text import one_line
from deskterm.secrets import CommandSecret, EnvSecret, KeyringSecret, SecretRef

CONFIG_ENV = "DESKTERM_CONFIG"
"""Environment variable naming the config file when ``--config`` is not given."""

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
"""Hosts to which deskterm may talk without encryption (``security = "none"``, ``http://``)."""

CHANNEL_TYPES = ("email", "tiktokshop", "shopee", "lazada")
"""Values of a channel's ``type`` key."""

Security = Literal["tls", "starttls", "none"]
"""How a mail connection is encrypted: implicit TLS, STARTTLS, or not at all (localhost only)."""


# --- field checks --------------------------------------------------------------------
# Plain functions rather than validator-heavy types: the CLI imports this module on
# every start, so building the models must stay cheap.

_EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+$")
_API_VERSION_RE = re.compile(r"^(\d{4}-\d{2}|unstable)$")


def _check_name(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("name", "must not be empty")
    if value != value.strip() or one_line(value) != value:
        # Names are shown in the UI and typed on command lines; invisible
        # characters would make two names look alike or break the display.
        raise PydanticCustomError(
            "name", "must not start or end with spaces or contain control characters"
        )
    return value


def _check_email(value: str) -> str:
    if not _EMAIL_RE.match(value):
        raise PydanticCustomError(
            "email", "expected a bare email address such as support@example.com"
        )
    return value


def _check_optional_email(value: str) -> str:
    return _check_email(value) if value else value


def _check_host(value: str) -> str:
    if not value or any(c.isspace() for c in value) or "/" in value:
        raise PydanticCustomError(
            "host", "expected a host name or IP address such as imap.example.com (no URL)"
        )
    return value


def _check_base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PydanticCustomError("url", "expected an https:// URL")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        # Access tokens travel in these requests; plain http is only for local fakes.
        raise PydanticCustomError(
            "url", "plain http:// is only allowed for localhost, 127.0.0.1 or ::1; use https://"
        )
    return value.rstrip("/")


def _check_api_version(value: str) -> str:
    if not _API_VERSION_RE.match(value):
        raise PydanticCustomError("api_version", 'expected a version such as "2025-10"')
    return value


def _check_plaintext_host(security: str, info: ValidationInfo) -> str:
    host = info.data.get("host")
    # If the host itself was invalid it is reported on its own; nothing to compare here.
    if security == "none" and isinstance(host, str) and host.lower() not in LOCAL_HOSTS:
        raise PydanticCustomError(
            "security",
            'security = "none" sends the password unencrypted; it is only allowed for '
            "localhost, 127.0.0.1 or ::1 (host is {host})",
            {"host": repr(one_line(host, 80))},
        )
    return security


def _check_sla_duration(value: Any) -> timedelta:
    # Runs before type checking, so TOML's string becomes the timedelta the field holds.
    if isinstance(value, timedelta):
        span = value
    elif isinstance(value, str):
        try:
            span = parse_duration(value)
        except ValueError:
            raise PydanticCustomError(
                "duration", 'expected a duration such as "30m", "4h", "2d" or "1w"'
            ) from None
    else:
        raise PydanticCustomError("duration", 'expected a duration string such as "4h"')
    if not MIN_TARGET <= span <= MAX_TARGET:
        raise PydanticCustomError("duration", "must be from 1m to 14d")
    return span


Name = Annotated[str, AfterValidator(_check_name)]
EmailAddress = Annotated[str, AfterValidator(_check_email)]
Host = Annotated[str, AfterValidator(_check_host)]
BaseUrl = Annotated[str, AfterValidator(_check_base_url)]
NonEmpty = Annotated[str, Field(min_length=1)]
Port = Annotated[int, Field(ge=1, le=65535)]
PollSeconds = Annotated[int, Field(ge=5)]
SlaDuration = Annotated[timedelta, BeforeValidator(_check_sla_duration)]


class _Model(BaseModel):
    # extra="forbid" turns every typo into an error; strict=True stops "60" or
    # "yes" being quietly coerced, since TOML has real integers and booleans.
    # defer_build: schemas are built on first validation, not at import, and
    # use_attribute_docstrings stays off because it re-reads this file's source
    # on import (~25 ms); the CLI imports this module on every start.
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


# --- [store] -------------------------------------------------------------------------


class StoreConfig(_Model):
    """``[store]``: where tickets live. Set ``path`` or ``url``, not both."""

    path: Annotated[Path | None, Field(strict=False)] = None
    """SQLite file (`~` expands; relative to the config file); default: user data dir."""

    url: str | None = None
    """SQLAlchemy URL of a shared store, e.g. "postgresql+psycopg://deskterm@localhost/deskterm"."""

    @field_validator("path", mode="before")
    @classmethod
    def _path_not_empty(cls, value: Any) -> Any:
        # Path("") is ".", which would put the store in whatever directory we run in.
        if value == "":
            raise PydanticCustomError("path", "must not be empty")
        return value

    @field_validator("url")
    @classmethod
    def _url_has_scheme(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise PydanticCustomError(
                "url", 'expected a database URL such as "postgresql+psycopg://host/db"'
            )
        return value

    @model_validator(mode="after")
    def _path_or_url(self) -> Self:
        if self.path is not None and self.url is not None:
            raise PydanticCustomError("store", "set either path or url, not both")
        return self


# --- mail servers --------------------------------------------------------------------


class ImapConfig(_Model):
    """An email channel's IMAP server (reading mail)."""

    host: Host
    """Server host name, e.g. "imap.example.com"."""

    port: Port = 993
    """TCP port: 993 for tls, 143 for starttls or none."""

    security: Security = "tls"
    """"tls" (implicit TLS), "starttls", or "none" (only for localhost, 127.0.0.1, ::1)."""

    username: NonEmpty
    """Login name, often the mailbox address."""

    folders: Annotated[list[NonEmpty], Field(min_length=1)] = Field(
        default_factory=lambda: ["INBOX"]
    )
    """Folders to sync as incoming mail."""

    sent_folder: str | None = None
    """Folder holding sent replies; unset: the folder flagged \\Sent (RFC 6154), if any."""

    _security_check = field_validator("security")(_check_plaintext_host)


class SmtpConfig(_Model):
    """An email channel's SMTP server (sending replies)."""

    host: Host
    """Server host name, e.g. "smtp.example.com"."""

    port: Port = 587
    """TCP port: 587 for starttls, 465 for tls, 25 for local relays."""

    security: Security = "starttls"
    """"tls" (implicit TLS), "starttls", or "none" (only for localhost, 127.0.0.1, ::1)."""

    username: NonEmpty
    """Login name, often the mailbox address."""

    _security_check = field_validator("security")(_check_plaintext_host)


# --- [[channels]] --------------------------------------------------------------------


class SlaConfig(_Model):
    """A channel's ``sla``: service targets, each from "1m" to "14d" (units m, h, d, w)."""

    first_response: SlaDuration | None = None
    """From the customer's first message to the first agent reply, e.g. "4h"; unset: none."""

    resolution: SlaDuration | None = None
    """From the customer's first message to the (last) close, e.g. "2d"; unset: none."""

    def targets(self) -> SlaTargets:
        """The targets as the pure SLA module takes them."""
        return SlaTargets(first_response=self.first_response, resolution=self.resolution)


class _ChannelBase(_Model):
    name: Name
    """Unique name; shown in the UI, in --json output and accepted by --channel."""

    store: str | None = None
    """Name of the [[stores]] entry whose orders belong to this channel's customers."""

    poll_seconds: PollSeconds = 60
    """Seconds between polls for new messages (at least 5)."""

    sla: SlaConfig | None = None
    """Targets shown as time left / breached in the ticket list; unset: no SLA."""


class EmailChannel(_ChannelBase):
    """``type = "email"``: a mailbox read over IMAP and answered over SMTP."""

    type: Literal["email"] = "email"
    """Channel kind."""

    address: EmailAddress
    """The shop's address; replies are sent from it."""

    imap: ImapConfig
    """IMAP server settings."""

    smtp: SmtpConfig
    """SMTP server settings."""

    password: SecretRef
    """Password for both servers: { keyring = "NAME" }, { command = "..." } or { env = "VAR" }."""

    gmail_grouping: bool = False
    """Group messages into tickets by subject + participants within 7 days, as Gmail does."""

    noreply_addresses: list[EmailAddress] = Field(default_factory=list)
    """More addresses whose mail is the shop's own (contact forms, no-reply senders)."""

    sent_copy: Literal["auto", "append", "server", "none"] = "auto"
    """Where a copy of each reply goes: "append" (deskterm APPENDs it to the Sent folder),
    "server" (the SMTP server files it itself, as Gmail does), "none", or "auto" ("server"
    for Gmail hosts, else "append")."""

    def files_sent_copy(self) -> bool:
        """True when the SMTP server itself puts sent mail in the Sent folder."""
        if self.sent_copy == "auto":
            return self.smtp.host.lower().endswith(("gmail.com", "googlemail.com"))
        return self.sent_copy == "server"


class _ChatChannel(_ChannelBase):
    """What every marketplace chat channel shares."""

    poll_seconds: PollSeconds = 60
    """Seconds between polls; an idle poll costs one request (Lazada asks apps not to poll
    often: keep it at 60 or more there)."""

    mark_read: bool = False
    """Mark a conversation read on the platform when deskterm syncs it. Off by default, so
    the seller app's unread badges stay as they were."""


class TikTokShopChannel(_ChatChannel):
    """``type = "tiktokshop"``: TikTok Shop Partner API chats (also serves Tokopedia shops)."""

    type: Literal["tiktokshop"] = "tiktokshop"
    """Channel kind."""

    base_url: BaseUrl
    """API root, e.g. "https://open-api.tiktokglobalshop.com"."""

    app_key: NonEmpty
    """The app's key from the Partner Center."""

    app_secret: SecretRef
    """The app's secret, used to sign requests."""

    access_token: SecretRef
    """The shop's access token."""

    shop_cipher: NonEmpty
    """The shop's cipher, identifying the shop in every request."""

    refresh_token: SecretRef | None = None
    """The shop's refresh token; unset: an expired access token needs a new one by hand."""

    auth_url: BaseUrl = "https://auth.tiktok-shops.com"
    """Where tokens are refreshed (TikTok Shop's auth host)."""


class ShopeeChannel(_ChatChannel):
    """``type = "shopee"``: Shopee Open Platform seller chat."""

    type: Literal["shopee"] = "shopee"
    """Channel kind."""

    base_url: BaseUrl
    """API root, e.g. "https://partner.shopeemobile.com"."""

    partner_id: Annotated[int, Field(gt=0)]
    """The partner (app) id."""

    partner_key: SecretRef
    """The partner key, used to sign requests."""

    shop_id: Annotated[int, Field(gt=0)]
    """The shop's id."""

    access_token: SecretRef
    """The shop's access token."""

    refresh_token: SecretRef
    """The shop's refresh token, used to renew the access token."""


class LazadaChannel(_ChatChannel):
    """``type = "lazada"``: Lazada Open Platform instant messaging."""

    type: Literal["lazada"] = "lazada"
    """Channel kind."""

    base_url: BaseUrl
    """API root of the shop's country, e.g. "https://api.lazada.co.id/rest"."""

    app_key: NonEmpty
    """The app's key."""

    app_secret: SecretRef
    """The app's secret, used to sign requests."""

    access_token: SecretRef
    """The seller's access token."""

    refresh_token: SecretRef | None = None
    """The seller's refresh token; unset: the access token is never renewed automatically."""

    auth_url: BaseUrl = "https://auth.lazada.com/rest"
    """Where tokens are refreshed (Lazada's auth gateway)."""


ChannelConfig = Annotated[
    EmailChannel | TikTokShopChannel | ShopeeChannel | LazadaChannel,
    Field(discriminator="type"),
]
"""One ``[[channels]]`` entry; ``type`` decides which model applies."""


# --- [[stores]], [user], [ui] --------------------------------------------------------


class ShopifyStore(_Model):
    """``[[stores]]``: a Shopify shop whose orders are shown beside conversations."""

    name: Name
    """Unique name; channels refer to it with store = "NAME"."""

    type: Literal["shopify"] = "shopify"
    """Store kind (only "shopify" for now)."""

    shop_url: BaseUrl
    """The shop's admin URL, e.g. "https://example.myshopify.com"."""

    api_version: Annotated[str, AfterValidator(_check_api_version)] = "2025-10"
    """Admin API version, "YYYY-MM"."""

    access_token: SecretRef
    """Admin API access token of a custom app with read_orders and read_customers."""

    refresh_minutes: Annotated[int, Field(ge=1, le=1440)] = 15
    """Cached orders older than this are refreshed: during sync for customers with open
    tickets, and when a ticket is shown. Offline, the cache is shown with its age."""


class UserConfig(_Model):
    """``[user]``: the agent working on this machine."""

    name: str = ""
    """Display name; used for assignee:me and the macro variable current_user."""

    email: Annotated[str, AfterValidator(_check_optional_email)] = ""
    """Agent's email address; also matches assignee:me."""


class UiConfig(_Model):
    """``[ui]``: appearance of the terminal interface."""

    theme: str | None = None
    """Textual theme name; unset: the built-in default."""

    keys: dict[str, str] = Field(default_factory=dict)
    """Rebound keys: binding id (as shown in the ``?`` overlay) to comma-separated keys,
    e.g. ``reply = "R"`` or ``quit = "q,ctrl+q"``. Unknown ids are refused at start-up."""


# --- the whole file ------------------------------------------------------------------


class Config(_Model):
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

    _source: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        problems: list[str] = []
        _find_duplicates("channels", [c.name for c in self.channels], problems)
        _find_duplicates("stores", [s.name for s in self.stores], problems)
        store_names = {s.name for s in self.stores}
        for index, channel in enumerate(self.channels):
            if channel.store is not None and channel.store not in store_names:
                known = ", ".join(sorted(store_names)) or "none"
                problems.append(
                    f"{_entry('channels', index, channel.name)}.store: no [[stores]] entry named "
                    f"{_quote(channel.store)} (configured stores: {known})"
                )
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise PydanticCustomError("config", problems[0] + more)
        return self

    @property
    def source(self) -> Path | None:
        """The file this config was loaded from (absolute), or None for defaults."""
        return self._source

    def store_path(self) -> Path:
        """The SQLite store file: ``[store] path`` (relative to the config file) or the default."""
        if self.store.path is None:
            return paths.default_store_path()
        path = self.store.path.expanduser()
        if not path.is_absolute():
            base = self._source.parent if self._source is not None else Path.cwd()
            path = base / path
        return path

    def store_url(self) -> str:
        """SQLAlchemy URL of the store: ``[store] url`` or ``sqlite:///<store_path()>``."""
        if self.store.url is not None:
            return self.store.url
        return f"sqlite:///{self.store_path()}"

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
                        yield f"{_entry(section, index, entry.name)}.{field}", value

    def _unknown(self, kind: str, name: str, known: list[str]) -> str:
        where = f" in {self._source}" if self._source is not None else ""
        listed = ", ".join(known) if known else "none"
        return f"no {kind} named {_quote(name)}{where} (configured: {listed})"


def _find_duplicates(section: str, names: list[str], problems: list[str]) -> None:
    # Case-insensitive: "Support" and "support" would be indistinguishable to a user
    # typing --channel, and ambiguous in --json consumers that normalise case.
    first: dict[str, int] = {}
    for index, name in enumerate(names):
        key = name.casefold()
        if key in first:
            problems.append(
                f"{_entry(section, index, name)}.name: duplicate {section[:-1]} name "
                f"(already used by {section}[{first[key]}])"
            )
        else:
            first[key] = index


# --- finding and loading -------------------------------------------------------------


def find_config_path(cli_path: Path | None = None) -> Path | None:
    """The config file to use: ``--config``, then ``$DESKTERM_CONFIG``, then the default.

    A file named explicitly (option or variable) must exist; a missing default
    file is fine and gives None (run with built-in defaults).
    """
    if cli_path is not None:
        path = cli_path.expanduser()
        if not path.exists():
            raise ConfigError(f"{path}: no such config file")
        return path
    from_env = os.environ.get(CONFIG_ENV, "")
    if from_env:
        path = Path(from_env).expanduser()
        if not path.exists():
            raise ConfigError(f"{path}: no such config file (named by ${CONFIG_ENV})")
        return path
    default = paths.default_config_path()
    return default if default.exists() else None


def load_config(cli_path: Path | None = None) -> Config:
    """Find, read and validate the config; ``Config()`` if there is none.

    Every problem raises ConfigError with one line naming the file, the
    line:column (syntax) or the key path (validation) at fault.
    """
    path = find_config_path(cli_path)
    if path is None:
        return Config()
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        # utf-8-sig: editors on Windows like to start files with a BOM.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid UTF-8") from None
    return load_config_text(text, path)


def load_config_text(text: str, source: Path) -> Config:
    """Parse and validate TOML ``text`` as if it were read from ``source``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_syntax_message(exc, text, source)) from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_validation_message(exc, raw, source)) from None
    config._source = source.absolute()
    return config


# --- error messages ------------------------------------------------------------------

_TOML_POSITION_RE = re.compile(
    r"^(?P<msg>.*?) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def _syntax_message(exc: tomllib.TOMLDecodeError, text: str, source: Path) -> str:
    match = _TOML_POSITION_RE.match(str(exc))
    if match is None:
        return f"{source}: {exc}"
    if match["line"] is not None:
        line, col = int(match["line"]), int(match["col"])
    else:
        lines = text.split("\n")
        line, col = len(lines), len(lines[-1]) + 1
    return f"{source}:{line}:{col}: {match['msg']}"


# Our own errors whose message already shows (or must not show) the input.
_SELF_EXPLAINING = frozenset({"security", "secret_ref", "config", "store"})

Loc = tuple[str | int, ...]


def _validation_message(exc: ValidationError, raw: dict[str, Any], source: Path) -> str:
    errors = exc.errors(include_url=False)
    # pydantic reports in model-field order; the user reads the file top down,
    # so the first error shown is the one that comes first in the file.
    located = sorted(
        ((_user_loc(tuple(error["loc"]), raw), error) for error in errors),
        key=lambda pair: _file_order(pair[0], raw),
    )
    loc, error = located[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{source}: {_describe_error(loc, error, raw)}{more}"


def _describe_error(loc: Loc, error: ErrorDetails, raw: dict[str, Any]) -> str:
    kind = error["type"]
    key_path = _render_loc(loc, raw)
    message = error["msg"]
    echo = True
    if kind == "extra_forbidden":
        # The value of an unknown key may be a misspelt secret: never echo it.
        echo = False
        message = "unknown key" + _suggest(str(loc[-1]), _parent_model(loc, raw))
    elif kind == "missing":
        echo = False
        message = "missing required key"
    elif kind in ("union_tag_not_found", "union_tag_invalid"):
        echo = False
        key_path += ".type"
        expected = ", ".join(CHANNEL_TYPES)
        tag = error.get("ctx", {}).get("tag")
        if kind == "union_tag_invalid" and tag is not None:
            message = (
                f"unknown channel type {one_line(str(tag), 40)!r} (expected one of: {expected})"
            )
        else:
            message = f"missing required key (a channel needs type = one of: {expected})"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind == "list_type" and loc in (("channels",), ("stores",)):
        echo = False
        message = f"expected a list of tables; write each entry as [[{loc[0]}]]"
    elif kind in _SELF_EXPLAINING:
        echo = False
    if echo and not _is_secret_loc(loc) and (shown := _show_input(error.get("input"))):
        message += f" (got {shown})"
    return f"{key_path}: {message}" if key_path else message


def _show_input(value: Any) -> str | None:
    if isinstance(value, str):
        return repr(one_line(value, 60))
    if isinstance(value, bool | int | float | datetime | date | time):
        return one_line(str(value).lower() if isinstance(value, bool) else str(value), 60)
    return None  # tables and arrays would swamp the one line


def _child(node: Any, item: str | int) -> Any:
    if isinstance(item, int):
        return node[item] if isinstance(node, list) and 0 <= item < len(node) else None
    return node.get(item) if isinstance(node, dict) else None


def _user_loc(loc: Loc, raw: dict[str, Any]) -> Loc:
    """``loc`` as the user wrote it: without the channel-type level pydantic inserts.

    For a member of the channels union pydantic reports
    ``('channels', 1, 'shopee', 'partner_id')``; the file has no "shopee" level.
    """
    out: list[str | int] = []
    node: Any = raw
    index = 0
    while index < len(loc):
        item = loc[index]
        out.append(item)
        node = _child(node, item)
        if (
            isinstance(item, int)
            and out[:1] == ["channels"]
            and len(out) == 2
            and index + 1 < len(loc)
            and isinstance(node, dict)
            and loc[index + 1] == node.get("type")
        ):
            index += 1
        index += 1
    return tuple(out)


def _file_order(loc: Loc, raw: dict[str, Any]) -> tuple[int, ...]:
    # tomllib keeps keys in file order; a missing key sorts after its siblings.
    order: list[int] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int):
            order.append(item)
        elif isinstance(node, dict):
            keys = list(node)
            order.append(keys.index(item) if item in keys else len(keys))
        else:
            order.append(0)
        node = _child(node, item)
    return tuple(order)


def _render_loc(loc: Loc, raw: dict[str, Any]) -> str:
    """``('channels', 1, 'partner_id')`` -> ``channels[1] "shopee-id".partner_id``."""
    parts: list[str] = []
    node: Any = raw
    parent: str | int | None = None
    for item in loc:
        node = _child(node, item)
        if isinstance(item, int):
            parts.append(f"[{item}]")
            name = node.get("name") if isinstance(node, dict) else None
            if parent in ("channels", "stores") and isinstance(name, str):
                parts.append(" " + _quote(name))
        else:
            parts.append(("." if parts else "") + _key(item))
        parent = item
    return "".join(parts)


def _entry(section: str, index: int, name: str) -> str:
    return f"{section}[{index}] {_quote(name)}"


def _quote(text: str) -> str:
    return '"' + one_line(text, 80).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _quote(key)


def _parent_model(loc: Loc, raw: dict[str, Any]) -> type[BaseModel] | None:
    """The model that owns the last key of ``loc`` (for "did you mean" suggestions)."""
    model: type[BaseModel] | None = Config
    node: Any = raw
    annotation: Any = None
    for item in loc[:-1]:
        if isinstance(item, int):
            annotation = _list_item(annotation)
        elif model is not None and item in model.model_fields:
            annotation = model.model_fields[item].annotation
        else:
            return None
        node = _child(node, item)
        model = _model_of(annotation, node)
    return model


def _list_item(annotation: Any) -> Any:
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0]
    return None


def _model_of(annotation: Any, node: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) is Annotated:
        return _model_of(typing.get_args(annotation)[0], node)
    tag = node.get("type") if isinstance(node, dict) else None
    for member in typing.get_args(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get("type")
            if field is None or typing.get_args(field.annotation) == (tag,):
                return member
    return None


def _suggest(key: str, model: type[BaseModel] | None) -> str:
    if model is None:
        return ""
    known = list(model.model_fields)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]}?)"
    return f" (known keys: {', '.join(known)})"


def _is_secret_loc(loc: Loc) -> bool:
    if loc[:2] == ("store", "url"):
        return True  # a database URL may carry a password
    return any(isinstance(item, str) and item in _secret_field_names() for item in loc)


@functools.cache
def _secret_field_names() -> frozenset[str]:
    """Names of every field holding a secret reference; computed on the first error only."""
    names = set()
    for model in (EmailChannel, TikTokShopChannel, ShopeeChannel, LazadaChannel, ShopifyStore):
        for name, field in model.model_fields.items():
            if _mentions_secret(field.annotation):
                names.add(name)
    return frozenset(names)


def _mentions_secret(annotation: Any) -> bool:
    if annotation in (KeyringSecret, CommandSecret, EnvSecret):
        return True
    return any(_mentions_secret(arg) for arg in typing.get_args(annotation))

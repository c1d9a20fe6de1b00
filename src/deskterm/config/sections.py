"""The config's section models: [store], mail servers, [[channels]], [[stores]], [user], [ui],
[help_center]."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from deskterm.config.checks import (
    BaseUrl,
    ConfigModel,
    DisplayName,
    EmailAddress,
    Host,
    Name,
    NonEmpty,
    PollSeconds,
    Port,
    Security,
    SlaDuration,
    check_api_version,
    check_optional_email,
    check_plaintext_host,
)
from deskterm.domain.sla import SlaTargets
from deskterm.secrets import SecretRef

# --- [store] -------------------------------------------------------------------------


class StoreConfig(ConfigModel):
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

    @field_validator("path", "url", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # No file name can hold a NUL; the OS call would raise ValueError at first use.
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul", "must not contain a NUL character (\\u0000)")
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


class ImapConfig(ConfigModel):
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

    _security_check = field_validator("security")(check_plaintext_host)


class SmtpConfig(ConfigModel):
    """An email channel's SMTP server (sending replies)."""

    host: Host
    """Server host name, e.g. "smtp.example.com"."""

    port: Port = 587
    """TCP port: 587 for starttls, 465 for tls, 25 for local relays."""

    security: Security = "starttls"
    """"tls" (implicit TLS), "starttls", or "none" (only for localhost, 127.0.0.1, ::1)."""

    username: NonEmpty
    """Login name, often the mailbox address."""

    _security_check = field_validator("security")(check_plaintext_host)


# --- [[channels]] --------------------------------------------------------------------


class SlaConfig(ConfigModel):
    """A channel's ``sla``: service targets, each from "1m" to "14d" (units m, h, d, w)."""

    first_response: SlaDuration | None = None
    """From the customer's first message to the first agent reply, e.g. "4h"; unset: none."""

    resolution: SlaDuration | None = None
    """From the customer's first message to the (last) close, e.g. "2d"; unset: none."""

    def targets(self) -> SlaTargets:
        """The targets as the pure SLA module takes them."""
        return SlaTargets(first_response=self.first_response, resolution=self.resolution)


class _ChannelBase(ConfigModel):
    name: Name
    """Unique name; shown in the UI, in --json output and accepted by --channel."""

    store: str | None = None
    """Name of the [[stores]] entry whose orders belong to this channel's customers."""

    poll_seconds: PollSeconds = 60
    """Seconds between polls for new messages (at least 5)."""

    sla: SlaConfig | None = None
    """Targets shown as time left / breached in the ticket list; unset: no SLA."""

    signature: str = Field(default="", max_length=2000)
    """Put under every reply from this channel (below the agent's own), macro variables
    allowed ("{{ current_user.firstname }} · Kopi Nusantara"); "" for none."""


class EmailChannel(_ChannelBase):
    """``type = "email"``: a mailbox read over IMAP and answered over SMTP."""

    type: Literal["email"] = "email"
    """Channel kind."""

    address: EmailAddress
    """The shop's address; replies are sent from it."""

    from_name: DisplayName | None = None
    """The name customers see beside the address on replies ("Kopi Nusantara"); unset: the
    [user] name, and with no [user] name the bare address; "" the bare address."""

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

    aliases: list[EmailAddress] = Field(default_factory=list)
    """More addresses of this mailbox (sales@, orders@): mail to them is this channel's,
    and a reply goes from the one the customer wrote to (the SMTP account must be allowed
    to send as it)."""

    sent_copy: Literal["auto", "append", "server", "none"] = "auto"
    """Where a copy of each reply goes: "append" (deskterm APPENDs it to the Sent folder),
    "server" (the SMTP server files it itself, as Gmail does), "none", or "auto" ("server"
    for Gmail hosts, else "append")."""

    max_attachment_mb: Annotated[int, Field(ge=1, le=150)] = 25
    """Largest total of files one reply may carry, in MB (Gmail and Microsoft 365 take
    25 MB); a bigger one is refused before it is queued."""

    # The [user] name, filled in by the whole Config: the from_name when none is set.
    _user_name: str = PrivateAttr(default="")

    def own_addresses(self) -> list[str]:
        """The channel's address then its aliases, lower-cased, without repeats."""
        seen: list[str] = []
        for address in (self.address, *self.aliases):
            if address.lower() not in seen:
                seen.append(address.lower())
        return seen

    def reply_address(self, recipients: str) -> str:
        """The address a reply goes from: the first of the channel's own addresses the
        customer's message was sent to (its To and Cc, ``recipients``), as configured;
        else ``address``."""
        from email.utils import getaddresses

        configured = {a.lower(): a for a in (*reversed(self.aliases), self.address)}
        for _name, address in getaddresses([recipients]):
            if address.lower() in configured:
                return configured[address.lower()]
        return self.address

    def sender_name(self) -> str:
        """The display name of replies' From: (never the channel's own name)."""
        return self.from_name if self.from_name is not None else self._user_name

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

    orders_refresh_minutes: int = Field(default=15, ge=0, le=1440)
    """Minutes between passes over the shop's orders on this marketplace (one listing call
    when nothing changed; details only for changed orders). 0: orders are not fetched."""


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


class ShopifyStore(ConfigModel):
    """``[[stores]]``: a Shopify shop whose orders are shown beside conversations."""

    name: Name
    """Unique name; channels refer to it with store = "NAME"."""

    type: Literal["shopify"] = "shopify"
    """Store kind (only "shopify" for now)."""

    shop_url: BaseUrl
    """The shop's admin URL, e.g. "https://example.myshopify.com"."""

    api_version: Annotated[str, AfterValidator(check_api_version)] = "2025-10"
    """Admin API version, "YYYY-MM"."""

    access_token: SecretRef
    """Admin API access token of a custom app with read_orders and read_customers."""

    refresh_minutes: Annotated[int, Field(ge=1, le=1440)] = 15
    """Cached orders older than this are refreshed: during sync for customers with open
    tickets, and when a ticket is shown. Offline, the cache is shown with its age."""


class UserConfig(ConfigModel):
    """``[user]``: the agent working on this machine."""

    name: str = ""
    """Display name; used for assignee:me and the macro variable current_user."""

    email: Annotated[str, AfterValidator(check_optional_email)] = ""
    """Agent's email address; also matches assignee:me."""

    signature: str = Field(default="", max_length=2000)
    """Put under this agent's replies on every channel (above the channel's signature),
    macro variables allowed ("{{ current_user.name }}"); "" for none."""


class UiConfig(ConfigModel):
    """``[ui]``: appearance of the terminal interface."""

    theme: str | None = None
    """Textual theme name; unset: the built-in default."""

    keys: dict[str, str] = Field(default_factory=dict)
    """Rebound keys: binding id (as shown in the ``?`` overlay) to comma-separated keys,
    e.g. ``reply = "R"`` or ``quit = "q,ctrl+q"``. Unknown ids are refused at start-up."""

    animations: bool | None = None
    """Animated scrolling (Home/End, page keys, the mouse wheel) and other animations.
    Unset: off in an ssh session (``$SSH_CONNECTION`` or ``$SSH_TTY`` set), where every
    frame of an animation is a repaint sent over the link; elsewhere Textual's default."""

    cursor_blink: bool | None = None
    """A blinking text cursor in the composer, prompts and the palette. Unset: off in an
    ssh session (each blink is a write over the link), on elsewhere."""

    def animations_on(self, environ: Mapping[str, str]) -> bool:
        """Whether animations run, ``environ`` deciding when the setting is unset."""
        return self.animations if self.animations is not None else not over_ssh(environ)

    def cursor_blinks(self, environ: Mapping[str, str]) -> bool:
        """Whether the text cursor blinks, ``environ`` deciding when the setting is unset."""
        return self.cursor_blink if self.cursor_blink is not None else not over_ssh(environ)


class HelpCenterConfig(ConfigModel):
    """``[help_center]``: the shop's help articles, suggested in the composer (ctrl+k)."""

    path: Annotated[Path | None, Field(strict=False)] = None
    """Folder of Markdown articles, one per file, any language (`~` expands; relative to
    the config file). Unset: no help center, ctrl+k says how to set one."""

    base_url: str | None = None
    """Where the articles are published, e.g. "https://shop.example/help/": an article
    without a ``url`` in its front matter links to this + its file name without ``.md``."""

    @field_validator("path", mode="before")
    @classmethod
    def _path_not_empty(cls, value: Any) -> Any:
        if value == "" or (isinstance(value, str) and "\x00" in value):
            raise PydanticCustomError("path", "must be a folder's path (not empty, no NUL)")
        return value

    @field_validator("base_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        # Customers open these links: any public web address will do (no token travels).
        parts = urlsplit(value or "")
        if value is not None and (parts.scheme not in ("https", "http") or not parts.hostname):
            raise PydanticCustomError(
                "url", 'expected a web address like "https://shop.example/help/"'
            )
        return value


def over_ssh(environ: Mapping[str, str]) -> bool:
    """Whether ``environ`` is an ssh session's (what sshd sets for the remote shell)."""
    return bool(environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"))

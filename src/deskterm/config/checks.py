"""Field checks and constrained types shared by the config's section models."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from deskterm.config.locate import CONFIG_ENV
from deskterm.domain.sla import MAX_TARGET, MIN_TARGET, format_duration, parse_duration
from deskterm.domain.text import one_line

__all__ = ["CONFIG_ENV"]  # re-exported: older imports find it here

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


def check_name(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("name", "must not be empty")
    if value != value.strip() or one_line(value) != value:
        # Names are shown in the UI and typed on command lines; invisible
        # characters would make two names look alike or break the display.
        raise PydanticCustomError(
            "name", "must not start or end with spaces or contain control characters"
        )
    return value


def check_email(value: str) -> str:
    if not _EMAIL_RE.match(value):
        raise PydanticCustomError(
            "email", "expected a bare email address such as support@example.com"
        )
    return value


def check_optional_email(value: str) -> str:
    return check_email(value) if value else value


MAX_DISPLAY_NAME = 100
"""Longest sender display name; longer would not fit one legal header line once encoded."""


def check_display_name(value: str) -> str:
    # Empty is allowed: it means "no display name, just the address".
    if value != value.strip() or one_line(value) != value:
        # A line break in a header value could smuggle in a header of its own.
        raise PydanticCustomError(
            "display_name", "must be one line without control characters or outer spaces"
        )
    if len(value) > MAX_DISPLAY_NAME:
        raise PydanticCustomError(
            "display_name", "must be at most {limit} characters", {"limit": MAX_DISPLAY_NAME}
        )
    return value


def check_host(value: str) -> str:
    if not value or any(c.isspace() for c in value) or "/" in value:
        raise PydanticCustomError(
            "host", "expected a host name or IP address such as imap.example.com (no URL)"
        )
    return value


def check_base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PydanticCustomError("url", "expected an https:// URL")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        # Access tokens travel in these requests; plain http is only for local fakes.
        raise PydanticCustomError(
            "url", "plain http:// is only allowed for localhost, 127.0.0.1 or ::1; use https://"
        )
    return value.rstrip("/")


def check_api_version(value: str) -> str:
    if not _API_VERSION_RE.match(value):
        raise PydanticCustomError("api_version", 'expected a version such as "2025-10"')
    return value


def check_plaintext_host(security: str, info: ValidationInfo) -> str:
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


def duration_within(value: Any, low: timedelta, *, examples: str, example: str) -> timedelta:
    """A TOML duration ("30m", "4h", ...) from ``low`` to 14 days, or a one-line error
    naming ``examples`` (a bad text) or ``example`` (not a text at all)."""
    # Runs before type checking, so TOML's string becomes the timedelta the field holds.
    if isinstance(value, timedelta):
        span = value
    elif isinstance(value, str):
        try:
            span = parse_duration(value)
        except ValueError:
            raise PydanticCustomError(
                "duration", "expected a duration such as {examples}", {"examples": examples}
            ) from None
    else:
        raise PydanticCustomError(
            "duration", 'expected a duration string such as "{example}"', {"example": example}
        )
    if not low <= span <= MAX_TARGET:
        raise PydanticCustomError(
            "duration", "must be from {low} to 14d", {"low": format_duration(low) or "0m"}
        )
    return span


def check_sla_duration(value: Any) -> timedelta:
    """An SLA target: 1m to 14d."""
    return duration_within(value, MIN_TARGET, examples='"30m", "4h", "2d" or "1w"', example="4h")


Name = Annotated[str, AfterValidator(check_name)]
EmailAddress = Annotated[str, AfterValidator(check_email)]
DisplayName = Annotated[str, AfterValidator(check_display_name)]
Host = Annotated[str, AfterValidator(check_host)]
BaseUrl = Annotated[str, AfterValidator(check_base_url)]
NonEmpty = Annotated[str, Field(min_length=1)]
Port = Annotated[int, Field(ge=1, le=65535)]
PollSeconds = Annotated[int, Field(ge=5)]
SlaDuration = Annotated[timedelta, BeforeValidator(check_sla_duration)]


class ConfigModel(BaseModel):
    # extra="forbid" turns every typo into an error; strict=True stops "60" or
    # "yes" being quietly coerced, since TOML has real integers and booleans.
    # defer_build: schemas are built on first validation, not at import, and
    # use_attribute_docstrings stays off because it re-reads this file's source
    # on import (~25 ms); the CLI imports this module on every start.
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)

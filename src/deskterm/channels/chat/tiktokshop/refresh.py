"""TikTok Shop's token refresh (``GET {auth host}/api/v2/token/refresh``) and its answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from deskterm.channels.chat.http import Classifier, Signed
from deskterm.channels.chat.types import Tokens
from deskterm.domain.errors import ChannelAuthError, ChannelError
from deskterm.domain.text import one_line

DEFAULT_AUTH_URL = "https://auth.tiktok-shops.com"
REFRESH_PATH = "/api/v2/token/refresh"


class RefreshRefused(ChannelAuthError):
    """The auth host answered, and said no (revoked, expired or unknown refresh token)."""


def unsigned(method: str, path: str, params: dict[str, str], raw: bytes) -> Signed:
    """The auth host takes app_secret in the query instead of a signature."""
    return Signed()


def refresh_params(app_key: str, app_secret: str, refresh_token: str) -> dict[str, str]:
    """The query of a refresh request."""
    return {
        "app_key": app_key,
        "app_secret": app_secret,
        "refresh_token": refresh_token,
        "grant_type": "refresh_token",
    }


def refresh_classifier(label: str) -> Classifier:
    """Success is ``code == 0`` in the body whatever the HTTP status (as on the API host)."""

    def classify(response: httpx.Response, payload: Any) -> Any:
        if not isinstance(payload, dict) or "code" not in payload:
            raise ChannelError(
                f"{label}: unexpected answer from the TikTok Shop auth host "
                f"(HTTP {response.status_code})",
                transient=response.status_code >= 500,
            )
        if str(payload["code"]) != "0":
            said = one_line(str(payload.get("message") or ""), 120)
            raise RefreshRefused(f"{payload['code']} {said}".strip())
        data = payload.get("data")
        return data if isinstance(data, dict) else {}

    return classify


def _expiry(value: Any, now: float) -> datetime | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    if number <= 0:
        return None
    # TikTok sends an absolute Unix time in "*_expire_in"; a small number is a duration.
    if number < 10**9:
        return datetime.fromtimestamp(now, UTC) + timedelta(seconds=number)
    return datetime.fromtimestamp(number, UTC)


def tokens_from(data: dict[str, Any], previous: Tokens, now: float) -> Tokens:
    """The new tokens; a refresh token left out of the answer keeps the old one."""
    access = str(data.get("access_token") or "")
    if not access:
        raise RefreshRefused("the answer carried no access_token")
    return replace(
        previous,
        access_token=access,
        refresh_token=str(data.get("refresh_token") or previous.refresh_token),
        expires_at=_expiry(data.get("access_token_expire_in"), now),
    )

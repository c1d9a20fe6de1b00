"""Lazada's response envelope decoded: the payload on success, the right ChannelError otherwise."""

from __future__ import annotations

from typing import Any

import httpx

from deskterm.channels.chat.http import Classifier
from deskterm.channels.chat.types import RateLimitedError, TokenExpiredError
from deskterm.domain.errors import ChannelAuthError, ChannelError

DOCTOR = "run `deskterm doctor`"
# Codes the docs and Lazada's gateway use; matching on fragments as well keeps close variants
# (AppCallLimit, InvalidAccessToken, ...) in the right class.
RATE_LIMIT_CODES = frozenset({"ApiCallLimit", "AppCallLimit", "ApiCallLimitExceeded"})
CREDENTIAL_FRAGMENTS = (
    "Signature",
    "SignMethod",
    "AppKey",
    "Permission",
    "AccessDenied",
    "WhiteIp",
)
BUSY_TYPES = frozenset({"ISP", "SYSTEM"})  # backend or platform trouble: worth another try


def one_line(text: Any, limit: int = 200) -> str:
    """A platform message squeezed onto one short line."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def detail_of(payload: dict[str, Any]) -> str:
    """``code: message`` of an error envelope, on one line."""
    return one_line(f"{payload.get('code') or ''}: {payload.get('message') or ''}".strip(": "))


def refresh_failed(label: str, reason: str) -> str:
    """The one line a failed token refresh ends in."""
    return f"{label}: access token rejected and refresh failed ({reason}) — {DOCTOR}"


def error_for(label: str, api: str, payload: dict[str, Any]) -> ChannelError:
    """The ChannelError for one error envelope ``{type, code, message, request_id}``."""
    code = str(payload.get("code") or "")
    detail = detail_of(payload)
    kind = str(payload.get("type") or "").upper()
    if code in RATE_LIMIT_CODES or "CallLimit" in code:
        return RateLimitedError(f"{label}: Lazada rate limit on {api} ({detail}); backing off")
    if "AccessToken" in code:
        return TokenExpiredError(f"{label}: access token rejected ({detail})")
    if "RefreshToken" in code:
        return ChannelAuthError(f"{label}: refresh token rejected ({detail}) — {DOCTOR}")
    if "Timestamp" in code:
        return ChannelError(
            f"{label}: Lazada refused the request time ({detail}) — check this machine's clock",
            transient=False,
        )
    if any(fragment in code for fragment in CREDENTIAL_FRAGMENTS):
        return ChannelAuthError(
            f"{label}: Lazada refused the app's credentials ({detail}) — "
            f"check app_key and app_secret, then {DOCTOR}"
        )
    if kind in BUSY_TYPES:
        return ChannelError(f"{label}: Lazada is having trouble ({detail}); will retry")
    return ChannelError(f"{label}: Lazada refused {api} ({detail})", transient=False)


def classifier(label: str, api: str) -> Classifier:
    """A JsonApi classifier: ``code == "0"`` returns the whole envelope, anything else raises."""

    def classify(response: httpx.Response, payload: Any) -> Any:
        if not isinstance(payload, dict):
            raise ChannelError(
                f"{label}: {api} answered HTTP {response.status_code} without a Lazada envelope",
                transient=response.status_code >= 500,
            )
        if str(payload.get("code")) == "0":
            return payload
        if "code" not in payload:
            raise ChannelError(
                f"{label}: {api} answered HTTP {response.status_code} without a result code",
                transient=response.status_code >= 500,
            )
        raise error_for(label, api, payload)

    return classify


def refresh_classifier(label: str, api: str) -> Classifier:
    """Like ``classifier``, but a refused refresh says so in the words the user will see."""
    plain = classifier(label, api)

    def classify(response: httpx.Response, payload: Any) -> Any:
        try:
            return plain(response, payload)
        except RateLimitedError:
            raise  # JsonApi waits and tries again
        except ChannelError as error:
            busy = error.transient and not isinstance(error, TokenExpiredError)
            if busy or not (isinstance(payload, dict) and "code" in payload):
                raise
            raise ChannelAuthError(refresh_failed(label, detail_of(payload))) from None

    return classify


def business_error(data: Any) -> str | None:
    """The refusal a successful envelope may still carry in ``data`` (error_code/err_code, success).

    None when the call did what was asked.
    """
    if not isinstance(data, dict):
        return None
    for code_key, message_key in (("error_code", "error_msg"), ("err_code", "err_message")):
        code = data.get(code_key)
        if code not in (None, "", "0", 0):
            return one_line(f"{code}: {data.get(message_key) or ''}".rstrip(": "))
    if data.get("success") is False:
        return one_line(data.get("err_message") or data.get("error_msg") or "not successful")
    return None

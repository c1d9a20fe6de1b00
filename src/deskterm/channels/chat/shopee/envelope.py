"""Shopee's response envelope decoded: the payload on success, a one-line ChannelError otherwise."""

from __future__ import annotations

from typing import Any

import httpx

from deskterm.channels.chat.http import Classifier
from deskterm.channels.chat.types import RateLimitedError, TokenExpiredError
from deskterm.domain.backoff import parse_retry_after
from deskterm.domain.errors import ChannelAuthError, ChannelError

# "invalid_acceess_token" (sic) is what Shopee's gateway really sends for an expired or
# revoked access token; the correctly spelled variants are accepted too.
TOKEN_ERRORS = frozenset({"invalid_acceess_token", "invalid_access_token", "error_access_token"})
BUSY_ERRORS = frozenset({"system_busy", "error_busy", "error_server_busy", "error_rate_limit"})
SHOP_ERRORS = frozenset(
    {"shop_no_linked", "shop_access_expired", "shop_banned", "error_permission", "error_auth"}
)
DOCTOR = "run `deskterm doctor`"


def one_line(text: str, limit: int = 160) -> str:
    """Platform text squeezed onto one short line (it ends up in a status line)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _detail(payload: dict[str, Any]) -> tuple[str, str]:
    error = one_line(str(payload.get("error") or ""), 60)
    message = one_line(str(payload.get("message") or ""))
    return error, message or error


def _envelope(label: str, response: httpx.Response, payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ChannelError(
            f"{label}: Shopee answered HTTP {response.status_code} without its JSON envelope",
            transient=response.status_code >= 500,
        )
    return payload


def shop_error(label: str, response: httpx.Response, payload: dict[str, Any]) -> ChannelError:
    """The error a failed Shop API call stands for (``payload["error"]`` is not empty)."""
    error, message = _detail(payload)
    lowered = message.lower()
    if error in TOKEN_ERRORS or (error == "error_auth" and "access_token" in lowered):
        return TokenExpiredError(f"{label}: Shopee refused the access token ({message})")
    if error in BUSY_ERRORS:
        return RateLimitedError(
            f"{label}: Shopee is busy ({message}); will retry",
            parse_retry_after(response.headers.get("retry-after")),
        )
    if error == "error_sign":
        return ChannelAuthError(
            f"{label}: Shopee rejected the request signature ({message}) — "
            "check partner_id and partner_key in the config"
        )
    if error == "error_param" and "partner_id" in lowered:
        return ChannelAuthError(
            f"{label}: Shopee does not accept this partner ({message}) — "
            "check partner_id in the config"
        )
    if error == "error_param" and "timestamp" in lowered:
        return ChannelAuthError(
            f"{label}: Shopee refused the request time ({message}) — check this computer's clock"
        )
    if error in SHOP_ERRORS:
        return ChannelAuthError(
            f"{label}: Shopee refused access to the shop ({message}) — re-authorise the app "
            f"for shop_id in Shopee's Seller Centre, then {DOCTOR}"
        )
    if error == "error_server" or response.status_code >= 500:
        return ChannelError(f"{label}: Shopee server error ({message}); will retry")
    return ChannelError(f"{label}: Shopee error {error} ({message})", transient=False)


def shop_classifier(label: str) -> Classifier:
    """Decodes Shop API answers: returns ``response`` (the data), raises the platform's error."""

    def classify(response: httpx.Response, payload: Any) -> Any:
        envelope = _envelope(label, response, payload)
        if envelope.get("error"):
            raise shop_error(label, response, envelope)
        if response.status_code >= 400:
            raise ChannelError(
                f"{label}: Shopee answered HTTP {response.status_code} without an error code",
                transient=response.status_code >= 500,
            )
        data = envelope.get("response")
        return data if isinstance(data, dict) else {}

    return classify


def refresh_classifier(label: str) -> Classifier:
    """Decodes the token refresh answer: the whole envelope (its tokens are top-level)."""

    def classify(response: httpx.Response, payload: Any) -> Any:
        envelope = _envelope(label, response, payload)
        if not envelope.get("error") and response.status_code < 400:
            return envelope
        error, message = _detail(envelope)
        lowered = message.lower()
        if error == "error_sign" or (
            error == "error_param" and ("partner_id" in lowered or "timestamp" in lowered)
        ):
            raise shop_error(label, response, envelope)  # a config or clock fault, not the token
        if error in BUSY_ERRORS or error == "error_server" or response.status_code >= 500:
            raise ChannelError(
                f"{label}: could not refresh the access token ({message or response.status_code}); "
                "will retry"
            )
        reason = message or f"HTTP {response.status_code}"
        raise ChannelAuthError(
            f"{label}: access token rejected and refresh failed ({reason}) — {DOCTOR}"
        )

    return classify

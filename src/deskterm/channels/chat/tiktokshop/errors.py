"""TikTok Shop's error envelope ``{code, message, request_id, data}`` decoded into ChannelErrors."""

from __future__ import annotations

from typing import Any

import httpx

from deskterm.channels.chat.http import Classifier
from deskterm.channels.chat.types import AmbiguousSendError, RateLimitedError, TokenExpiredError
from deskterm.domain.errors import ChannelAuthError, ChannelError
from deskterm.domain.text import one_line

DOCTOR = "run `deskterm doctor`"

# Codes from the endpoint pages in marketplace-docs and TikTok Shop's common-errors page
# (the latter is not in marketplace-docs; see the module's tests for the shapes we rely on).
TOKEN_INVALID = 105001
TOKEN_EXPIRED = 105002
SCOPE_MISSING = 105005
BAD_SIGNATURE = 106001
TOO_MANY_REQUESTS = 36009002
INTERNAL_ERROR = 36009003
BAD_COMMON_PARAM = 36009004  # one code, many causes: told apart by the message
IP_NOT_ALLOWED = 36009033
CS_INTERNAL_OR_BAD_PARAM = 45101001  # "Internal error" on reads, "Invalid parameter" on sends
NOT_FOUND = 45101003
DAILY_QUOTA = 45101004
SENSITIVE_CONTENT = 45101006
NO_PERMISSION = 45102007
CONVERSATION_RULES = 45109001


def _code(payload: dict[str, Any]) -> int | None:
    try:
        return int(payload["code"])
    except (KeyError, TypeError, ValueError):
        return None


def error_for(label: str, code: int, message: str, *, sending: bool) -> ChannelError:
    """The ChannelError (one line, naming the channel and what to do) for a non-zero code."""
    said = one_line(message, 160)
    lower = message.lower()
    if code in (TOKEN_INVALID, TOKEN_EXPIRED) or (
        code == BAD_COMMON_PARAM and "access" in lower and "token" in lower
    ):
        return TokenExpiredError(f"{label}: access token rejected ({code} {said})")
    if code == BAD_SIGNATURE or (code == BAD_COMMON_PARAM and "signature" in lower):
        return ChannelAuthError(
            f"{label}: TikTok Shop rejected the request signature ({code}) — "
            f"check app_secret for this app_key, then {DOCTOR}"
        )
    if code == BAD_COMMON_PARAM and "app_key" in lower:
        return ChannelAuthError(f"{label}: TikTok Shop does not accept this app_key — {DOCTOR}")
    if code == BAD_COMMON_PARAM and "timestamp" in lower:
        return ChannelAuthError(
            f"{label}: TikTok Shop rejected the request time ({said}) — "
            "set this computer's clock right (NTP)"
        )
    if code == BAD_COMMON_PARAM and "shop_cipher" in lower:
        return ChannelAuthError(f"{label}: TikTok Shop rejected shop_cipher — {DOCTOR}")
    if code in (SCOPE_MISSING, IP_NOT_ALLOWED, NO_PERMISSION):
        return ChannelAuthError(
            f"{label}: TikTok Shop refused access ({code} {said}) — check the app's Customer "
            f"Service scope and the shop's authorization in Partner Center, then {DOCTOR}"
        )
    if code == TOO_MANY_REQUESTS:
        return RateLimitedError(f"{label}: rate limited by TikTok Shop ({code})")
    if code == INTERNAL_ERROR or (code == CS_INTERNAL_OR_BAD_PARAM and not sending):
        if sending:  # the platform may have stored the message before failing
            return AmbiguousSendError(
                f"{label}: TikTok Shop internal error on send ({code}); "
                "checking the conversation before sending again"
            )
        return RateLimitedError(f"{label}: TikTok Shop is busy ({code} {said})")
    if code == DAILY_QUOTA:
        return ChannelError(
            f"{label}: TikTok Shop's daily API quota is used up — syncing resumes tomorrow",
            transient=False,
        )
    if code == CONVERSATION_RULES:
        return ChannelError(
            f"{label}: TikTok Shop does not allow messages in this conversation now "
            "(the buyer must write first or have a recent order)",
            transient=False,
        )
    if code == SENSITIVE_CONTENT:
        return ChannelError(
            f"{label}: TikTok Shop refused the reply as sensitive content — reword it",
            transient=False,
        )
    if code == NOT_FOUND:
        return ChannelError(f"{label}: conversation not found on TikTok Shop", transient=False)
    return ChannelError(f"{label}: TikTok Shop error {code}: {said}", transient=False)


def classifier(label: str, *, sending: bool = False) -> Classifier:
    """A JsonApi classifier: the envelope's ``data`` on code 0, else the matching error."""

    def classify(response: httpx.Response, payload: Any) -> Any:
        code = _code(payload) if isinstance(payload, dict) else None
        if code is None:
            error = f"{label}: unexpected answer from TikTok Shop (HTTP {response.status_code})"
            if sending and response.is_success:  # accepted, but we cannot tell what happened
                raise AmbiguousSendError(f"{error}; checking the conversation before resending")
            raise ChannelError(error, transient=response.status_code >= 500)
        if code != 0:
            raise error_for(label, code, str(payload.get("message") or ""), sending=sending)
        data = payload.get("data")
        return data if isinstance(data, dict) else {}

    return classify

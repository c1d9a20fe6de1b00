"""The fake's own reading of "Sign your API request" and the gateway's common error envelopes.

Written from the docs' Go sample, independently of the adapter's signer: a wrong adapter
must be caught here, not agreed with.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from email.message import Message
from typing import Any

from deskterm.demo.fakes.http_fake import FakeResponse

TIMESTAMP_WINDOW = 300  # seconds: "within 5 minutes of the current time"


def media_type(content_type: str) -> str:
    """``mime.ParseMediaType`` in the Go sample: the type without its parameters."""
    header = Message()
    header["content-type"] = content_type or "application/octet-stream"
    return header.get_content_type()


def expected_sign(
    app_secret: str, path: str, query: dict[str, str], body: bytes, content_type: str
) -> str:
    """What the platform computes for a request (query values as received)."""
    keys = [k for k in query if k not in ("sign", "access_token")]
    keys.sort()
    text = path
    for key in keys:
        text += key + query[key]
    if media_type(content_type) != "multipart/form-data":
        text += body.decode("utf-8", errors="surrogateescape")
    wrapped = app_secret + text + app_secret
    digest = hmac.new(
        app_secret.encode(), wrapped.encode("utf-8", errors="surrogateescape"), hashlib.sha256
    )
    return digest.hexdigest()


def request_id() -> str:
    """Like "202203070749000101890810281E8C70B7": a UTC stamp and 20 hex digits."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()


def envelope(code: int, message: str, data: Any = None) -> dict[str, Any]:
    """The platform's answer: ``{code, message, request_id[, data]}``."""
    body: dict[str, Any] = {"code": code, "message": message, "request_id": request_id()}
    if data is not None:
        body["data"] = data
    return body


def ok(data: Any) -> FakeResponse:
    """Success: code 0, message "Success"."""
    return FakeResponse(200, envelope(0, "Success", data))


def fail(status: int, code: int, message: str) -> FakeResponse:
    """A refusal in the platform's own words."""
    return FakeResponse(status, envelope(code, message))


# The common errors the gateway answers before any endpoint runs (common-errors page).
BAD_APP_KEY = (400, 36009004, "Invalid credentials. Invalid `app_key` query parameter.")
NO_SIGN = (
    401,
    36009004,
    "Missing credentials. The request does not include a required signature in the query.",
)
BAD_TIMESTAMP = (
    400,
    36009004,
    "Invalid timestamp. The value of the `timestamp` query parameter must not be earlier "
    "than 5 minutes before the current time.",
)
BAD_SIGN = (
    401,
    106001,
    "Invalid credentials. The 'sign' query parameter is invalid. For more details: "
    "https://partner.tiktokshop.com/docv2/page/sign-your-api-request",
)
BAD_CONTENT_TYPE = (400, 36009022, "Invalid content type. Allowed type: application/json.")
NO_TOKEN = (401, 36009004, "Invalid credentials. The `x-tts-access-token` header is invalid.")
TOKEN_INVALID = (401, 105001, "access token is invalid")
TOKEN_EXPIRED = (401, 105002, "access token is expired, please refresh it")
NO_SHOP_CIPHER = (
    400,
    36009004,
    "Missing identifier. The `shop_cipher` query parameter is required for this request.",
)
BAD_SHOP_CIPHER = (
    400,
    36009004,
    "Invalid identifier. The `shop_cipher` query parameter is invalid.",
)
NO_PATH = (404, 36009009, "Invalid path. The request path does not match any API.")
BAD_METHOD = (405, 36009010, "Invalid method. The HTTP method is not supported by this API.")
TOO_MANY = (429, 36009002, "Too many requests. Please retry later.")

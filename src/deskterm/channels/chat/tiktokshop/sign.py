"""TikTok Shop request signing (HMAC-SHA256), exactly as "Sign your API request" describes."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# Never signed: the signature itself and a token that may ride in the query.
UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def string_to_sign(
    app_secret: str,
    path: str,
    params: Mapping[str, str],
    body: bytes = b"",
    *,
    multipart: bool = False,
) -> str:
    """``secret + path + sorted key+value pairs + body + secret`` (body left out for multipart)."""
    pairs = "".join(f"{key}{params[key]}" for key in sorted(params) if key not in UNSIGNED_PARAMS)
    payload = "" if multipart else body.decode("utf-8")
    return f"{app_secret}{path}{pairs}{payload}{app_secret}"


def sign(
    app_secret: str,
    path: str,
    params: Mapping[str, str],
    body: bytes = b"",
    *,
    multipart: bool = False,
) -> str:
    """The ``sign`` query parameter: lower-case hex HMAC-SHA256 keyed with the app secret."""
    message = string_to_sign(app_secret, path, params, body, multipart=multipart)
    return hmac.new(app_secret.encode(), message.encode(), hashlib.sha256).hexdigest()

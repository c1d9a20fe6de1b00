"""Lazada Open Platform request signing (HMAC-SHA256), as "Signature algorithm" describes."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGN_METHOD = "sha256"


def string_to_sign(api_name: str, params: Mapping[str, str]) -> str:
    """The API name followed by every parameter but ``sign``, as ``key+value``, sorted by key.

    Sorting is by code point (the docs' "ASCII table"). Empty values are left out as the
    official Java and C# SDKs do; the adapter never sends one, so the Python sample (which
    keeps them) agrees.
    """
    pairs = "".join(
        f"{key}{params[key]}" for key in sorted(params) if key != "sign" and params[key] != ""
    )
    return f"{api_name}{pairs}"


def sign(app_secret: str, api_name: str, params: Mapping[str, str]) -> str:
    """The ``sign`` parameter: upper-case hex HMAC-SHA256 keyed with the app secret.

    ``api_name`` is the path after the gateway's ``/rest``, e.g. ``/im/session/list``; the
    parameters are all of them, system (app_key, timestamp, sign_method, access_token) and
    the API's own, whether they travel in the query or in a form body.
    """
    message = string_to_sign(api_name, params)
    return hmac.new(app_secret.encode(), message.encode(), hashlib.sha256).hexdigest().upper()

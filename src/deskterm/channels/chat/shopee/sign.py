"""Shopee Open Platform v2 request signing: the documented base string and HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac


def base_string(
    partner_id: int | str,
    path: str,
    timestamp: int,
    access_token: str = "",
    shop_id: int | str = "",
) -> str:
    """The sign base string in the documented order.

    Shop APIs: partner_id, path, timestamp, access_token, shop_id. Public APIs (token
    refresh) stop after the timestamp: leave ``access_token`` and ``shop_id`` empty.
    """
    return f"{partner_id}{path}{timestamp}{access_token}{shop_id}"


def signature(partner_key: str, base: str) -> str:
    """Lower-case hex HMAC-SHA256 of ``base``.

    The partner key is used as its UTF-8 text, not hex-decoded, as every demo in the docs does.
    """
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def shop_signature(
    partner_key: str,
    partner_id: int | str,
    path: str,
    timestamp: int,
    *,
    access_token: str,
    shop_id: int | str,
) -> str:
    """The ``sign`` query parameter of a Shop API call."""
    return signature(partner_key, base_string(partner_id, path, timestamp, access_token, shop_id))


def public_signature(partner_key: str, partner_id: int | str, path: str, timestamp: int) -> str:
    """The ``sign`` query parameter of a Public API call (e.g. refreshing the access token)."""
    return signature(partner_key, base_string(partner_id, path, timestamp))

"""Secrets are masked in error messages and log records: named fields and known values
(issue 9 finding 1)."""

from __future__ import annotations

import logging

import httpx
import pytest

from deskterm.domain.errors import ChannelError
from deskterm.domain.redact import MASK, redact, remember_secret

TOKEN = "5a6846686b4f58725a6a6d4c4d"
SIGN = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def test_channel_error_built_from_an_httpx_error_carries_no_token() -> None:
    """issue 9 finding 1: an httpx error's text holds the full request URL; an error message
    built from it (what `sync --once`, `doctor`, the status line and `show --json` print)
    must not carry the token or the signature in its query string."""
    request = httpx.Request(
        "GET",
        f"https://partner.shopeemobile.com/api/v2/sellerchat/get_conversation_list"
        f"?partner_id=1&timestamp=2&access_token={TOKEN}&shop_id=3&sign={SIGN}",
    )
    response = httpx.Response(401, request=request)
    with pytest.raises(httpx.HTTPStatusError) as caught:
        response.raise_for_status()
    error = ChannelError(f"shopee-id: {caught.value}")
    assert TOKEN not in str(error) and SIGN not in str(error)
    assert "shopee-id: Client error '401 Unauthorized'" in str(error)
    assert f"access_token={MASK}" in str(error) and "shop_id=3" in str(error)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"GET /x?access_token={TOKEN}&page=2", "page=2"),
        (f"POST body refresh_token={TOKEN}&shop_id=7", "shop_id=7"),
        (f'{{"refresh_token": "{TOKEN}", "shop_id": 7}}', '"shop_id": 7'),
        (f"{{'x-tts-access-token': '{TOKEN}', 'accept': 'json'}}", "'accept': 'json'"),
        (f"Authorization: Bearer {TOKEN}", "Authorization"),
        (f"headers X-Shopify-Access-Token: {TOKEN}", "headers"),
        (f"https://auth.example/token?code={TOKEN}&state=s", "state=s"),
        (f"app_secret={TOKEN} partner_key={TOKEN}", "app_secret="),
        (f"https://user:{TOKEN}@host/path", "@host/path"),
    ],
)
def test_named_secrets_are_masked(text: str, kept: str) -> None:
    """issue 9 finding 1: query, form, JSON, dict, header and URL-password secrets."""
    masked = redact(text)
    assert TOKEN not in masked and MASK in masked
    assert kept in masked


def test_error_codes_and_plain_words_are_kept() -> None:
    """issue 9 finding 1: masking must not eat the words that explain an error."""
    text = 'lazada-id: {"code": "IllegalAccessToken", "message": "token expired"}; exit code 2'
    assert redact(text) == text


def test_a_known_secret_value_is_masked_anywhere() -> None:
    """issue 9 finding 1: a resolved secret's value is masked whatever surrounds it."""
    value = "s3cr3t-password-value"
    remember_secret(value)
    assert redact(f"login failed for {value} and {value.upper()}") == (
        f"login failed for {MASK} and {value.upper()}"
    )


def test_log_records_are_masked_by_the_filter() -> None:
    """issue 9 finding 1: the filter every log handler carries masks the formatted record."""
    from deskterm.domain.logsetup import RedactingFilter

    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "HTTP Request: %s %s", ("GET", f"/x?sign={SIGN}"), None
    )
    assert RedactingFilter().filter(record)
    assert SIGN not in record.getMessage() and f"sign={MASK}" in record.getMessage()

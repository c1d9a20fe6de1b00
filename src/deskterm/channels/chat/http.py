"""JSON over HTTP for chat adapters: signing per attempt, Retry-After, back-off, plain errors."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from deskterm.channels.chat.types import (
    AmbiguousSendError,
    NotSentError,
    RateLimitedError,
    Sleep,
    TokenExpiredError,
)
from deskterm.domain.backoff import full_jitter, parse_retry_after
from deskterm.domain.errors import ChannelError, network_reason

ATTEMPTS = 4  # per call; the next poll tries again anyway


@dataclass
class Signed:
    """What a platform's signer adds to one attempt (a fresh timestamp every time)."""

    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


# (method, path, params, body bytes) -> query params and headers for THIS attempt.
Signer = Callable[[str, str, dict[str, str], bytes], Signed]
# Raises the platform's error (TokenExpiredError, RateLimitedError, ChannelError) from a
# decoded envelope; returns the payload's data on success.
Classifier = Callable[[httpx.Response, Any], Any]


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    params: dict[str, str]
    raw: bytes
    sign: Signer
    classify: Classifier
    idempotent: bool
    content_type: str = "application/json"


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome is not None else None
    if isinstance(error, RateLimitedError) and error.retry_after is not None:
        return error.retry_after
    return full_jitter(state.attempt_number)


def _retryable(error: BaseException) -> bool:
    return (
        isinstance(error, ChannelError)
        and error.transient
        and not isinstance(error, AmbiguousSendError)
        and not isinstance(error, TokenExpiredError)  # refreshed by the adapter, not here
    )


class JsonApi:
    """One platform's HTTP client: every call is signed per attempt and retried when safe."""

    def __init__(
        self,
        base_url: str,
        *,
        label: str,
        timeout: float = 20.0,
        attempts: int = ATTEMPTS,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.label = label  # the channel's name, first word of every error
        self.attempts = attempts
        self.sleep = sleep
        self.requests = 0  # every HTTP request sent (the idle-poll figure counts these)
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={"user-agent": "deskterm"},
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        sign: Signer,
        classify: Classifier,
        idempotent: bool = True,
        form: Mapping[str, str] | None = None,
    ) -> Any:
        """One API call. Reads are retried on 429/busy/network errors; sends never blindly.

        A send (``idempotent=False``) that may have reached the server raises
        AmbiguousSendError; one refused before it was sent is a plain, retryable error.
        ``form`` sends a form-encoded body instead of JSON (Lazada); the signer sees its bytes.
        """
        raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        content_type = "application/json"
        if form is not None:
            raw, content_type = urlencode(form).encode(), "application/x-www-form-urlencoded"

        request = _Request(
            method, path, dict(params or {}), raw, sign, classify, idempotent, content_type
        )

        def attempt() -> Any:
            return self._once(request)

        if not idempotent:
            return attempt()
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=_wait,
            retry=retry_if_exception(_retryable),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(attempt)

    def _once(self, request: _Request) -> Any:
        method, path, params, raw = request.method, request.path, request.params, request.raw
        idempotent, classify = request.idempotent, request.classify
        signed = request.sign(method, path, params, raw)
        headers = {**signed.headers}
        if raw:
            headers.setdefault("content-type", request.content_type)
        self.requests += 1
        try:
            response = self._client.request(
                method,
                path,
                params={**params, **signed.params},
                content=raw or None,
                headers=headers,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # Nothing reached the server: safe to retry, even a send.
            url = self._client.base_url
            where = url.host if url.port is None else f"{url.host}:{url.port}"
            raise NotSentError(
                f"{self.label}: cannot connect to {where} ({network_reason(exc)})"
            ) from exc
        except httpx.HTTPError as exc:
            if not idempotent:
                raise AmbiguousSendError(
                    f"{self.label}: no answer to the send ({exc.__class__.__name__}); "
                    "checking the conversation before sending again"
                ) from exc
            raise ChannelError(f"{self.label}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code == 429:
            raise RateLimitedError(
                f"{self.label}: rate limited (HTTP 429)",
                parse_retry_after(response.headers.get("retry-after")),
            )
        if response.status_code >= 500 and not idempotent:
            raise AmbiguousSendError(
                f"{self.label}: server error {response.status_code} on send; "
                "checking the conversation before sending again"
            )
        try:
            # Python ints are exact, so Shopee's ids above 2**53 survive; adapters keep ids as str.
            payload = json.loads(response.content) if response.content else None
        except ValueError:
            raise ChannelError(
                f"{self.label}: HTTP {response.status_code} with a body that is not JSON",
                transient=response.status_code >= 500,
            ) from None
        return classify(response, payload)

"""Shopify Admin GraphQL over HTTP: cost budgeting, bounded retries, errors as one plain line."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from deskterm.commerce.throttle import MAX_WAIT, CostBudget, throttled_wait
from deskterm.commerce.types import Clock, Sleep, ThrottledError
from deskterm.domain.backoff import full_jitter, parse_retry_after
from deskterm.domain.errors import ChannelAuthError, ChannelError, network_reason
from deskterm.domain.text import one_line

ATTEMPTS = 4  # per call; the next sync pass (or the next ticket shown) tries again anyway
TIMEOUT = 20.0


class _BudgetThrottled(ThrottledError):
    """THROTTLED with a throttleStatus: the budget has the figures, so the next attempt's
    own wait (``CostBudget.wait_before``) is the back-off; waiting here too would double it."""


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome is not None else None
    if isinstance(error, _BudgetThrottled):
        return 0.0
    if isinstance(error, ThrottledError) and error.wait is not None:
        return error.wait
    return full_jitter(state.attempt_number)


class GraphqlError(ChannelError):
    """Shopify answered the document with a GraphQL error of its own (not auth, budget or an
    internal error): for a mutation, a refusal that nothing was done. ``reason``: its words."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, transient=False)
        self.reason = reason


def _retryable(error: BaseException) -> bool:
    # A query (a read) may be retried after any transient failure.
    return isinstance(error, ChannelError) and error.transient


def _mutation_retryable(error: BaseException) -> bool:
    # A mutation is retried only when Shopify said it did not run it (THROTTLED, HTTP 429):
    # after a timeout, a 5xx or a dropped connection it may have happened, so the caller
    # reads the order back before anything is sent again.
    return isinstance(error, ThrottledError)


def _error_text(payload: Any) -> str:
    """Shopify's own words from an error body: ``errors`` as a string, list or mapping."""
    errors = payload.get("errors") if isinstance(payload, Mapping) else None
    if isinstance(errors, str):
        return one_line(errors, 200)
    if isinstance(errors, list) and errors:
        first = errors[0]
        message = first.get("message") if isinstance(first, Mapping) else first
        return one_line(str(message), 200)
    if isinstance(errors, Mapping):
        return one_line("; ".join(f"{k}: {v}" for k, v in errors.items()), 200)
    return ""


class GraphqlHttp:
    """Posts GraphQL documents to one shop's Admin API and returns their ``data``."""

    def __init__(
        self,
        shop_url: str,
        api_version: str,
        access_token: str,
        *,
        label: str,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        transport: httpx.BaseTransport | None = None,
        timeout: float = TIMEOUT,
        attempts: int = ATTEMPTS,
    ) -> None:
        self.label = label  # the [[stores]] name: first word of every error
        self.shop_url = shop_url.rstrip("/")
        self.api_version = api_version
        self.path = f"/admin/api/{api_version}/graphql.json"
        self.sleep = sleep
        self.attempts = attempts
        self.budget = CostBudget(clock)
        self.requests = 0  # HTTP requests sent, retries included
        self._client = httpx.Client(
            base_url=self.shop_url,
            timeout=timeout,
            transport=transport,
            # A shop's custom domain redirects to its myshopify.com address; following it
            # silently would hide a misconfiguration (and send the token on to another host).
            follow_redirects=False,
            headers={
                "x-shopify-access-token": access_token,
                "accept": "application/json",
                "user-agent": "deskterm",
            },
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def execute(
        self, query: str, variables: Mapping[str, Any], *, key: str, mutation: bool = False
    ) -> dict[str, Any]:
        """Run ``query``; ``key`` names the operation and its page sizes (one cost each).

        Waits first when the last known budget cannot pay for it; retries THROTTLED, 429,
        5xx and network errors a bounded number of times; other failures raise at once.
        A ``mutation`` is retried only after THROTTLED or 429 (Shopify did not run it).
        """
        body = {"query": query, "variables": dict(variables)}

        def attempt() -> dict[str, Any]:
            wait = self.budget.wait_before(key)
            if wait > 0:
                self.sleep(wait)
            return self._once(body, key)

        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=_wait,
            retry=retry_if_exception(_mutation_retryable if mutation else _retryable),
            sleep=self._pause,
            reraise=True,
        )
        return retrying(attempt)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def _once(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        self.requests += 1
        try:
            response = self._client.post(self.path, json=body)
        except httpx.HTTPError as exc:
            raise ChannelError(
                f"{self.label}: cannot reach Shopify at {self.shop_url} ({network_reason(exc)})"
            ) from exc
        status = response.status_code
        if status == 429:
            raise ThrottledError(
                f"{self.label}: Shopify rate limit (HTTP 429)",
                parse_retry_after(response.headers.get("retry-after"), cap=MAX_WAIT),
            )
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = None
        if status != 200:
            raise self._http_error(response, payload)
        if not isinstance(payload, dict):
            raise ChannelError(f"{self.label}: Shopify answered with a body that is not JSON")
        extensions = payload.get("extensions")
        self.budget.observe(key, extensions)
        if payload.get("errors"):
            raise self._graphql_error(payload["errors"], extensions)
        data = payload.get("data")
        if not isinstance(data, dict):
            raise ChannelError(f"{self.label}: Shopify answered without data")
        return data

    def _http_error(self, response: httpx.Response, payload: Any) -> ChannelError:
        status = response.status_code
        said = _error_text(payload)
        detail = f" ({said})" if said else ""
        if status == 401:
            return ChannelAuthError(
                f"{self.label}: Shopify refused the access token — check [[stores]] "
                "access_token; run `deskterm doctor`"
            )
        if status == 403:
            return ChannelAuthError(
                f"{self.label}: Shopify refused access{detail} — the app needs the read_orders "
                "and read_customers scopes; run `deskterm doctor`"
            )
        if 300 <= status < 400:
            where = one_line(response.headers.get("location", ""), 120)
            return ChannelError(
                f"{self.label}: {self.shop_url} redirects to {where or 'another address'} — set "
                "[[stores]] shop_url to the shop's https://NAME.myshopify.com address",
                transient=False,
            )
        if status == 404:
            return ChannelError(
                f"{self.label}: no Shopify Admin API at {self.shop_url}{self.path} — check "
                "[[stores]] shop_url and api_version",
                transient=False,
            )
        if status == 402:
            return ChannelError(
                f"{self.label}: Shopify says the shop is frozen (HTTP 402 Payment Required)",
                transient=False,
            )
        if status == 423:
            return ChannelError(
                f"{self.label}: Shopify says the shop is locked (HTTP 423)", transient=False
            )
        return ChannelError(
            f"{self.label}: Shopify answered HTTP {status}{detail}", transient=status >= 500
        )

    def _graphql_error(self, errors: Any, extensions: Any) -> ChannelError:
        first = errors[0] if isinstance(errors, list) and errors else errors
        message = first.get("message") if isinstance(first, Mapping) else first
        details = first.get("extensions") if isinstance(first, Mapping) else None
        code = details.get("code") if isinstance(details, Mapping) else None
        text = one_line(str(message or "unknown error"), 200)
        if code == "THROTTLED" or text == "Throttled":
            wait = throttled_wait(extensions)
            kind = ThrottledError if wait is None else _BudgetThrottled
            return kind(f"{self.label}: Shopify query budget exhausted (THROTTLED)", wait)
        if code == "ACCESS_DENIED":
            return ChannelAuthError(
                f"{self.label}: Shopify denied access: {text} — grant the app that scope; "
                "run `deskterm doctor`"
            )
        if code == "INTERNAL_SERVER_ERROR":
            return ChannelError(f"{self.label}: Shopify internal error: {text}")
        return GraphqlError(f"{self.label}: Shopify GraphQL error: {text}", text)

"""The optional LLM backend: a local OpenAI-compatible server asked about unsure messages only.

The built-in model labels every message first; only customer messages whose intent it is
not sure of (below its strict threshold) go to the server. Whatever goes wrong there —
timeout, HTTP error, an answer off the schema — the built-in labels stay, with one warning
line, and a dead server is left alone for a while so sync does not wait on it per message.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from deskterm.automation.classify.inputs import ClassifyInput
from deskterm.automation.classify.labeller import Labeller
from deskterm.automation.classify.llm_prompt import (
    BadAnswer,
    LlmAnswer,
    parse_completion,
    response_format,
    system_prompt,
)
from deskterm.automation.classify.prepare import classifiable_text
from deskterm.config.classify_section import LlmConfig
from deskterm.domain.health import CheckResult, ok, warn
from deskterm.domain.labels import MessageLabels
from deskterm.domain.text import one_line

log = logging.getLogger(__name__)

CONFIDENT = 0.8  # the model's own stated confidence from which rules may act on its intent
BREAKER_FAILURES = 3  # consecutive failures that mean "the server is down or broken"
BREAKER_PAUSE = 60.0  # seconds without asking it, then one message tries again


class CircuitBreaker:
    """Opens after ``failures`` failures in a row; stays open ``pause`` seconds (thread-safe)."""

    def __init__(
        self,
        failures: int = BREAKER_FAILURES,
        pause: float = BREAKER_PAUSE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.pause = pause
        self._clock = clock
        self._failed = 0
        self._open_until: float | None = None
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """Whether to ask the server now."""
        with self._lock:
            if self._open_until is None:
                return True
            if self._clock() < self._open_until:
                return False
            # Half-open: the next answer decides; one more failure opens it again at once.
            self._open_until = None
            self._failed = self.failures - 1
            return True

    def succeeded(self) -> None:
        """A good answer: the count starts over."""
        with self._lock:
            self._failed = 0
            self._open_until = None

    def failed(self) -> bool:
        """Count a failure; True when this one opened the breaker."""
        with self._lock:
            self._failed += 1
            if self._failed >= self.failures and self._open_until is None:
                self._open_until = self._clock() + self.pause
                return True
            return False


class LlmLabeller:
    """The built-in labels, with the server's intent and sentiments where the model is unsure."""

    def __init__(
        self,
        builtin: Labeller,
        settings: LlmConfig,
        *,
        api_key: str | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._builtin = builtin
        self._settings = settings
        self._breaker = breaker or CircuitBreaker()
        headers = {"user-agent": "deskterm"}
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        # One client for every message: a kept-alive connection to a local server.
        self._client = httpx.Client(
            base_url=str(settings.url).rstrip("/"),
            timeout=settings.timeout_seconds,
            headers=headers,
        )
        self.requests = 0  # sent to the server (tests and the benchmark count them)

    @property
    def version(self) -> str:
        """The built-in model's: what backfill compares (rows the LLM helped carry a suffix)."""
        return self._builtin.version

    @property
    def model_tag(self) -> str:
        """Appended to a message's ``labelled_by`` when the server's answer was used."""
        return f"+llm:{self._settings.model}"

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def label(self, items: Sequence[ClassifyInput]) -> list[MessageLabels | None]:
        """The built-in labels, each unsure customer message's replaced by a valid answer."""
        out = self._builtin.label(items)
        for index, (item, labels) in enumerate(zip(items, out, strict=True)):
            if labels is None or not item.customer or labels.intent_confident:
                continue
            answer = self._ask(item)
            if answer is not None:
                out[index] = self._merge(labels, answer)
        return out

    def _merge(self, labels: MessageLabels, answer: LlmAnswer) -> MessageLabels:
        # The language stays the built-in one: CLD2 and the chat head know it better.
        return dataclasses.replace(
            labels,
            intent=answer.intent,
            intent_confidence=answer.confidence,
            intent_confident=answer.intent is not None and answer.confidence >= CONFIDENT,
            sentiments=answer.sentiments,
            model=labels.model + self.model_tag,
        )

    def _ask(self, item: ClassifyInput) -> LlmAnswer | None:
        try:
            text = classifiable_text(item.text, item.subject)
        except Exception:  # the built-in model read it already; its labels stand
            return None
        if not text.strip() or not self._breaker.allow():
            return None
        try:
            answer = self._request(text)
        except Exception as exc:  # a label is never worth a traceback, let alone a message
            opened = self._breaker.failed()
            pause = f"; not asked again for {self._breaker.pause:g} s" if opened else ""
            log.warning(
                "classify llm %s: %s; the built-in labels are kept%s",
                safe_base(str(self._settings.url)),
                _reason(exc, self._settings.timeout_seconds),
                pause,
            )
            return None
        self._breaker.succeeded()
        return answer

    def _request(self, text: str) -> LlmAnswer:
        self.requests += 1
        response = self._client.post("/chat/completions", json=self._body(text))
        response.raise_for_status()
        return parse_completion(response.json())

    def _body(self, text: str) -> dict[str, Any]:
        return {
            "model": self._settings.model,
            "messages": [
                {"role": "system", "content": system_prompt()},
                {"role": "user", "content": text},
            ],
            "temperature": 0,
            "stream": False,
            "response_format": response_format(),
        }


def safe_base(url: str) -> str:
    """``url`` without user:password@ (a log line names the server, never a credential)."""
    split = httpx.URL(url)
    return str(split.copy_with(username=None, password=None)) if split.userinfo else url


def _reason(exc: BaseException, timeout: float) -> str:
    """What went wrong, in a few words (never the message's text)."""
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, BadAnswer):
        return f"unusable answer ({exc})"
    if isinstance(exc, ValueError):  # response.json() on a body that is not JSON
        return "unusable answer (the response is not JSON)"
    if isinstance(exc, httpx.HTTPError):
        return one_line(f"{type(exc).__name__}: {exc}", 160)
    return one_line(f"unexpected {type(exc).__name__}: {exc}", 160)


def check_server(settings: LlmConfig, api_key: str | None) -> CheckResult:
    """``deskterm doctor``: the server answers GET /models and lists the configured model.

    Only ever a warning: without the server the built-in labels are used.
    """
    what = "classify: llm"
    base = safe_base(str(settings.url))
    headers = {"user-agent": "deskterm"}
    if api_key:
        headers["authorization"] = f"Bearer {api_key}"
    try:
        with httpx.Client(timeout=settings.timeout_seconds, headers=headers) as client:
            response = client.get(str(settings.url).rstrip("/") + "/models")
            response.raise_for_status()
            body = response.json()
            entries = body.get("data") if isinstance(body, dict) else None
            if not isinstance(entries, list):
                raise BadAnswer("no data list in the /models response")
            listed = [str(entry.get("id")) for entry in entries if isinstance(entry, dict)]
    except Exception as exc:  # one line whatever happened; labelling falls back anyway
        reason = _reason(exc, settings.timeout_seconds)
        return warn(what, f"{base}: {reason}; the built-in labels are used meanwhile")
    model = settings.model
    if model in listed:
        return ok(what, f"{base} serves {model!r}")
    known = one_line(", ".join(listed[:5]), 120) or "none"
    return warn(what, f"{base} answers but does not list {model!r} (it lists: {known})")

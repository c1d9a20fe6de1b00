"""The LLM labelling backend against a fake OpenAI-compatible server on loopback (real HTTP)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from deskterm.automation.classify.inputs import ClassifyInput
from deskterm.automation.classify.labeller import BuiltinLabeller, make_labeller
from deskterm.automation.classify.llm import CircuitBreaker, LlmLabeller, check_server
from deskterm.automation.classify.llm_prompt import INTENT_MEANINGS, SENTIMENT_MEANINGS
from deskterm.config.classify_section import ClassifyConfig, LlmConfig
from deskterm.demo.fakes.http_fake import FakeRequest, FakeResponse
from deskterm.domain.health import Status
from deskterm.domain.labels import INTENTS, SENTIMENTS, MessageLabels
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.pipeline import ingest_message
from deskterm.services.labels import count_unlabelled
from deskterm.store.engine import Store
from tests.conftest import ingest, msg
from tests.servers.imap_servers import free_port
from tests.servers.openai_fake import GOOD, MODEL, OpenAiFake, Reply, completion


class StubBuiltin:
    """The built-in model's part, predictable: a text starting with "?" (or blank) is unsure."""

    version = "v1"

    def label(self, items: Sequence[ClassifyInput]) -> list[MessageLabels | None]:
        """Unsure other/question or confident order/cancel; language only for the shop's."""
        return [builtin_labels(item) for item in items]


def builtin_labels(item: ClassifyInput) -> MessageLabels:
    if not item.customer:
        return MessageLabels("en", 0.9, model="v1")
    unsure = item.text.startswith("?") or not item.text.strip()
    return MessageLabels(
        "en",
        0.9,
        intent="other/question" if unsure else "order/cancel",
        intent_confidence=0.4 if unsure else 0.97,
        intent_confident=not unsure,
        sentiments=("positive",),
        sentiment_scores={"positive": 0.9},
        model="v1",
    )


@pytest.fixture
def fake() -> Iterator[OpenAiFake]:
    server = OpenAiFake()
    with server.serve():
        yield server
        server.release.set()


def settings_for(fake: OpenAiFake, timeout: float = 5.0) -> LlmConfig:
    return LlmConfig(url=f"{fake.base_url}/v1", model=MODEL, timeout_seconds=timeout)


@pytest.fixture
def labeller(fake: OpenAiFake) -> Iterator[LlmLabeller]:
    made = LlmLabeller(StubBuiltin(), settings_for(fake))
    yield made
    made.close()


UNSURE = ClassifyInput("?my parcel came but I want money back\n\nOn Mon, Bob wrote:\n> old words")
SURE = ClassifyInput("please cancel my order")


# --- a valid answer -------------------------------------------------------------------


def test_only_unsure_customer_messages_are_asked_and_a_valid_answer_replaces_labels(
    fake: OpenAiFake, labeller: LlmLabeller
) -> None:
    shop_words = ClassifyInput("?thanks for your order", customer=False)
    results = labeller.label([SURE, UNSURE, shop_words, ClassifyInput("  \n")])
    assert len(fake.completions()) == 1  # the sure, the shop's and the empty one: not asked
    assert results[0] == builtin_labels(SURE)
    assert results[2] == builtin_labels(shop_words)
    assert results[3] == builtin_labels(ClassifyInput("  \n"))
    helped = results[1]
    assert helped is not None
    assert helped.intent == "refund/request"
    assert helped.intent_confidence == pytest.approx(0.92)
    assert helped.intent_confident
    assert helped.sentiments == ("negative", "urgent")  # schema order, as stored
    assert helped.language == "en" and helped.language_confidence == 0.9  # built-in's
    assert helped.model == f"v1+llm:{MODEL}"
    assert labeller.version == "v1"  # backfill compares the built-in model's version


def test_the_request_carries_the_intents_and_a_strict_schema(
    fake: OpenAiFake, labeller: LlmLabeller
) -> None:
    labeller.label([UNSURE])
    (request,) = fake.completions()
    body = request.json()
    assert body["model"] == MODEL
    assert body["temperature"] == 0
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    for name in (*INTENTS, *SENTIMENTS):
        assert f"- {name}: " in system["content"]
    # The customer's new words only: quoted history is removed first.
    assert "money back" in user["content"] and "old words" not in user["content"]
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    schema_box = response_format["json_schema"]
    assert schema_box["strict"] is True and schema_box["name"]
    schema = schema_box["schema"]
    assert schema["required"] == ["intent", "sentiments", "confidence"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["intent"]["enum"] == [*INTENTS, None]
    assert len(INTENTS) == 21
    assert schema["properties"]["sentiments"]["items"]["enum"] == list(SENTIMENTS)
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers


def test_every_intent_and_sentiment_has_a_meaning() -> None:
    assert list(INTENT_MEANINGS) == list(INTENTS)
    assert list(SENTIMENT_MEANINGS) == list(SENTIMENTS)


# (stated intent, stated confidence) -> (stored confidence, confident)
CONFIDENCES: list[tuple[str | None, float, float, bool]] = [
    ("shipping/status", 0.5, 0.5, False),
    ("shipping/status", 1.7, 1.0, True),
    ("feedback", -2, 0.0, False),
    (None, 0.95, 0.95, False),  # "none of these", however sure, is nothing to act on
]


@pytest.mark.parametrize("case", CONFIDENCES)
def test_the_stated_confidence_is_clipped_and_sets_confident(
    fake: OpenAiFake, labeller: LlmLabeller, case: tuple[str | None, float, float, bool]
) -> None:
    intent, stated, confidence, confident = case
    answer: dict[str, object] = {"intent": intent, "sentiments": [], "confidence": stated}
    fake.reply = lambda _request: completion(json.dumps(answer))
    (result,) = labeller.label([UNSURE])
    assert result is not None
    assert result.intent == intent
    assert result.intent_confidence == pytest.approx(confidence)
    assert result.intent_confident is confident
    assert result.sentiments == ()


# --- bad answers fall back ------------------------------------------------------------


BAD_REPLIES: dict[str, tuple[Reply, str]] = {
    "garbage-json": (lambda _r: completion('{"intent": "refund/req'), "the answer is not JSON"),
    "intent-outside-list": (
        lambda _r: completion(json.dumps({**GOOD, "intent": "order/lost"})),
        "'order/lost' is not one of the known intents",
    ),
    "unknown-sentiment": (
        lambda _r: completion(json.dumps({**GOOD, "sentiments": ["sad"]})),
        "sentiments is not a list of known sentiments",
    ),
    "extra-key": (
        lambda _r: completion(json.dumps({**GOOD, "reason": "x"})),
        "not an object with intent, sentiments and confidence",
    ),
    "confidence-text": (
        lambda _r: completion(json.dumps({**GOOD, "confidence": "high"})),
        "confidence is not a number",
    ),
    "no-choices": (lambda _r: FakeResponse(200, {"choices": []}), "no choices[0]"),
    "body-not-json": (lambda _r: FakeResponse(200, b"<html>busy</html>"), "response is not JSON"),
    "http-500": (lambda _r: FakeResponse(500, {"error": "model crashed"}), "HTTP 500"),
    "http-404": (lambda _r: FakeResponse(404, {"error": "model not found"}), "HTTP 404"),
}


@pytest.mark.parametrize("case", list(BAD_REPLIES))
def test_a_bad_answer_keeps_the_builtin_labels_with_one_warning_line(
    fake: OpenAiFake, labeller: LlmLabeller, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply, reason = BAD_REPLIES[case]
    fake.reply = reply
    with caplog.at_level(logging.WARNING, logger="deskterm.automation.classify.llm"):
        results = labeller.label([UNSURE, SURE])
    assert results == [builtin_labels(UNSURE), builtin_labels(SURE)]
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    line = record.getMessage()
    assert "\n" not in line
    assert reason in line, line
    assert "the built-in labels are kept" in line
    assert "money back" not in line  # never the customer's words


def test_an_unreachable_server_falls_back() -> None:
    closed = LlmConfig(url=f"http://127.0.0.1:{free_port()}/v1", model=MODEL, timeout_seconds=1)
    with_dead = LlmLabeller(StubBuiltin(), closed)
    try:
        assert with_dead.label([UNSURE]) == [builtin_labels(UNSURE)]
    finally:
        with_dead.close()


# --- timeouts and the circuit breaker -------------------------------------------------


def test_timeouts_fall_back_and_the_breaker_stops_asking_after_three(
    fake: OpenAiFake, caplog: pytest.LogCaptureFixture
) -> None:
    def never(_request: FakeRequest) -> FakeResponse:
        fake.release.wait(10)
        return completion(json.dumps(GOOD))

    fake.reply = never
    slow = LlmLabeller(StubBuiltin(), settings_for(fake, timeout=0.3))
    items = [ClassifyInput(f"?question number {n}") for n in range(20)]
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="deskterm.automation.classify.llm"):
        results = slow.label(items)
    elapsed = time.monotonic() - started
    slow.close()
    fake.release.set()
    assert results == [builtin_labels(item) for item in items]
    assert slow.requests == 3  # then the breaker: 17 messages not asked
    assert elapsed < 3.0, elapsed  # 20 timeouts would be 6 s
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 3
    assert all("no answer within 0.3 s" in line for line in lines)
    assert "not asked again for 60 s" in lines[-1]


def test_the_breaker_opens_after_three_failures_and_tries_again_after_the_pause() -> None:
    now = [100.0]
    breaker = CircuitBreaker(failures=3, pause=60, clock=lambda: now[0])
    assert breaker.allow()
    assert not breaker.failed() and not breaker.failed()
    breaker.succeeded()  # the count is of failures in a row
    assert not breaker.failed() and not breaker.failed()
    assert breaker.failed()  # the third in a row opens it
    assert not breaker.allow()
    now[0] += 59.9
    assert not breaker.allow()
    now[0] += 0.2
    assert breaker.allow()  # one try
    assert breaker.failed()  # which fails: open again at once
    assert not breaker.allow()
    now[0] += 61
    assert breaker.allow()
    breaker.succeeded()
    assert not breaker.failed()  # closed: counting from zero again
    assert breaker.allow()


def test_the_breaker_closes_again_once_the_server_answers(fake: OpenAiFake) -> None:
    now = [0.0]
    breaker = CircuitBreaker(clock=lambda: now[0])
    labeller = LlmLabeller(StubBuiltin(), settings_for(fake), breaker=breaker)
    fake.reply = lambda _r: FakeResponse(500, {"error": "loading model"})
    assert labeller.label([UNSURE] * 5) == [builtin_labels(UNSURE)] * 5
    assert labeller.requests == 3
    fake.reply = lambda _r: completion(json.dumps(GOOD))
    now[0] += 61
    results = labeller.label([UNSURE] * 2)
    assert labeller.requests == 5
    assert all(r is not None and r.intent == "refund/request" for r in results)
    labeller.close()


# --- make_labeller, secrets -----------------------------------------------------------


def test_make_labeller_builds_the_configured_backend(
    fake: OpenAiFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(make_labeller(ClassifyConfig(), None), BuiltinLabeller)
    monkeypatch.setenv("DESKTERM_TEST_LLM_KEY", "s3cret-token")
    llm = LlmConfig.model_validate(
        {
            "url": f"{fake.base_url}/v1",
            "model": MODEL,
            "api_key": {"env": "DESKTERM_TEST_LLM_KEY"},
        }
    )
    labeller = make_labeller(ClassifyConfig(backend="llm", llm=llm), None)
    assert isinstance(labeller, LlmLabeller)
    # The real built-in model: a bare "hmm" is below its strict threshold, so it is asked.
    (result,) = labeller.label([ClassifyInput("hmm")])
    assert result is not None and result.intent == "refund/request"
    assert result.model.endswith(f"+llm:{MODEL}")
    (request,) = fake.completions()
    assert request.headers["authorization"] == "Bearer s3cret-token"
    labeller.close()


def test_an_unreadable_api_key_leaves_the_builtin_model_alone(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DESKTERM_TEST_NO_KEY", raising=False)
    llm = LlmConfig.model_validate(
        {"url": "http://localhost:1/v1", "model": MODEL, "api_key": {"env": "DESKTERM_TEST_NO_KEY"}}
    )
    with caplog.at_level(logging.WARNING):
        labeller = make_labeller(ClassifyConfig(backend="llm", llm=llm), None)
    assert isinstance(labeller, BuiltinLabeller)
    (line,) = [r.getMessage() for r in caplog.records]
    assert "classify.llm.api_key" in line and "built-in model only" in line


# --- doctor ---------------------------------------------------------------------------


def test_doctor_check_names_the_server_and_model(fake: OpenAiFake) -> None:
    result = check_server(settings_for(fake), None)
    assert result.status is Status.OK, result.line
    assert MODEL in result.line and fake.base_url in result.line
    other = LlmConfig(url=f"{fake.base_url}/v1", model="llama3:70b")
    result = check_server(other, None)
    assert result.status is Status.WARN
    assert "does not list 'llama3:70b'" in result.line and MODEL in result.line
    fake.reply = lambda _r: completion("{}")
    broken = LlmConfig(url=f"{fake.base_url}/nothing-here", model=MODEL)
    result = check_server(broken, None)
    assert result.status is Status.WARN and "HTTP 404" in result.line
    assert "\n" not in result.line


def test_doctor_check_of_a_dead_server_is_one_warning() -> None:
    dead = LlmConfig(url=f"http://127.0.0.1:{free_port()}/v1", model=MODEL, timeout_seconds=1)
    result = check_server(dead, None)
    assert result.status is Status.WARN
    assert str(dead.url) in result.line and "built-in labels" in result.line
    assert "\n" not in result.line


# --- backfill ---------------------------------------------------------------------------


def test_rows_the_llm_helped_label_count_as_labelled_by_the_builtin_model(
    store: Store, channel: ChannelContext
) -> None:
    helped = MessageLabels("en", 0.9, "refund/request", 0.9, True, model="v1_x+llm:m")
    with store.write() as session:
        ingest_message(
            session,
            channel,
            msg("<a@x>"),
            blob_root=store.attachments_dir(),
            actor="t",
            labels=helped,
        )
    assert count_unlabelled(store, "v1_x") == 0
    assert count_unlabelled(store, "v1") == 1  # "v1_x" is not a "v1" row
    assert count_unlabelled(store, "v2") == 1


def test_config_lists_the_llm_api_key_among_secrets(tmp_path: Path) -> None:
    from deskterm.config import load_config_text

    text = (
        '[classify]\nbackend = "llm"\n[classify.llm]\nurl = "http://localhost:11434/v1"\n'
        'model = "qwen2.5:7b-instruct"\napi_key = { env = "LLM_API_KEY" }\n'
    )
    config = load_config_text(text, tmp_path / "c.toml")
    assert dict(config.secrets())["classify.llm.api_key"].model_dump() == {"env": "LLM_API_KEY"}


def test_backfill_with_the_llm_backend_labels_once_and_resumes(
    fake: OpenAiFake, store: Store, channel: ChannelContext, tmp_path: Path
) -> None:
    from deskterm.services.labels import backfill
    from deskterm.sync import labelling

    ingest(store, channel, msg("<a@x>", subject="", body="hmm"))
    ingest(store, channel, msg("<b@x>", subject="Cancel", body="Please cancel my order #1001"))
    labelling.use_settings(ClassifyConfig(backend="llm", llm=settings_for(fake)))
    try:
        labeller = labelling.labeller_for(tmp_path)
        assert isinstance(labeller, LlmLabeller)
        totals = backfill(store, labeller)
        assert (totals.labelled, totals.remaining) == (2, 0)
        assert len(fake.completions()) == 1  # the sure cancellation is not asked
        # A second run finds nothing to do: "+llm" rows count as the built-in model's.
        assert backfill(store, labeller).labelled == 0
        labeller.close()
    finally:
        labelling.use_settings(ClassifyConfig())
    with store.read() as session:
        rows = (
            session.connection()
            .exec_driver_sql("SELECT body_text, intent, labelled_by FROM message ORDER BY id")
            .all()
        )
    assert rows[0][1:] == ("refund/request", f"{labeller.version}+llm:{MODEL}")
    assert rows[1][1:] == ("order/cancel", labeller.version)

"""A fake OpenAI-compatible server (Ollama's /v1 API) on loopback, for the LLM labeller."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from deskterm.demo.fakes.http_fake import FakeRequest, FakeResponse, HttpFake

MODEL = "test-model"
GOOD = {"intent": "refund/request", "sentiments": ["urgent", "negative"], "confidence": 0.92}
Reply = Callable[[FakeRequest], FakeResponse]


def completion(content: str) -> FakeResponse:
    """A /chat/completions body whose answer is ``content``."""
    message = {"role": "assistant", "content": content}
    return FakeResponse(200, {"object": "chat.completion", "choices": [{"message": message}]})


class OpenAiFake(HttpFake):
    """/v1/models and /v1/chat/completions; each test sets ``reply``."""

    def __init__(self) -> None:
        super().__init__()
        self.reply: Reply = lambda _request: completion(json.dumps(GOOD))
        self.release = threading.Event()  # ends the "timeout" replies' wait at teardown

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer as Ollama's OpenAI-compatible API does."""
        if request.method == "GET" and request.path == "/v1/models":
            return FakeResponse(200, {"object": "list", "data": [{"id": MODEL}]})
        if request.method == "POST" and request.path == "/v1/chat/completions":
            return self.reply(request)
        return FakeResponse(404, {"error": "not found"})

    def completions(self) -> list[FakeRequest]:
        """The completion requests seen."""
        with self.lock:
            return [r for r in self.requests if r.path == "/v1/chat/completions"]

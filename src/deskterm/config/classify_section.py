"""The ``[classify]`` section: labelling customer messages (language, intent, sentiments)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from deskterm.config.checks import BaseUrl, ConfigModel, NonEmpty
from deskterm.secrets import SecretRef


class LlmConfig(ConfigModel):
    """``[classify.llm]``: a local OpenAI-compatible server (Ollama, llama.cpp) asked about
    the messages the built-in model is unsure of."""

    url: BaseUrl
    """Base URL of the OpenAI-compatible API, e.g. "http://localhost:11434/v1"."""

    model: NonEmpty
    """Model name as the server knows it, e.g. "qwen2.5:7b-instruct"."""

    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    """Per request; a slower or wrong answer falls back to the built-in labels."""

    api_key: SecretRef | None = None
    """Bearer token, when the server wants one (a local Ollama does not)."""


class ClassifyConfig(ConfigModel):
    """``[classify]``: how customer messages are labelled on ingest."""

    enabled: bool = True
    """Label every new message (language; intent and sentiments on customer messages)."""

    backend: Literal["builtin", "llm"] = "builtin"
    """"builtin": the model shipped with deskterm (offline, no set-up). "llm": the built-in
    model first, then the [classify.llm] server for the messages it is unsure about."""

    llm: LlmConfig | None = None
    """The local LLM server, needed when backend = "llm"."""

    @model_validator(mode="after")
    def _llm_needs_server(self) -> Self:
        if self.backend == "llm" and self.llm is None:
            raise PydanticCustomError(
                "llm_missing", 'backend = "llm" needs a [classify.llm] table with url and model'
            )
        return self

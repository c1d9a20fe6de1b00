"""The labeller ingest calls: the configured backend behind one small interface."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from deskterm.automation.classify.inputs import ClassifyInput
from deskterm.config.classify_section import ClassifyConfig
from deskterm.domain.labels import MessageLabels

log = logging.getLogger(__name__)


class Labeller(Protocol):
    """Labels a batch of messages, in order; never raises for a message's content."""

    @property
    def version(self) -> str:
        """Stored with each labelled message."""
        ...

    def label(self, items: Sequence[ClassifyInput]) -> list[MessageLabels | None]:
        """One result per item; None where labelling failed (the message is stored anyway)."""
        ...


class BuiltinLabeller:
    """The model shipped with deskterm (or the shop's retrained one)."""

    def __init__(self, data_dir: Path | None = None) -> None:
        # numpy and the model load here, in the worker that labels, never at start-up.
        from deskterm.automation.classify.classifier import load_classifier

        self._data_dir = data_dir
        self._load = load_classifier
        self._classifier = load_classifier(data_dir)

    @property
    def version(self) -> str:
        """The model's version (of the model on disk now: it may have been retrained)."""
        self._current()
        return self._classifier.version

    def _current(self) -> None:
        # A model retrained by another process (`classify --retrain`) is picked up: the
        # loader looks at the file's modification time and caches what it loaded.
        self._classifier = self._load(self._data_dir)

    def label(self, items: Sequence[ClassifyInput]) -> list[MessageLabels | None]:
        """Labels per item; a message that breaks the classifier is left unlabelled."""
        self._current()
        out: list[MessageLabels | None] = []
        for item in items:
            try:
                out.append(self._classifier.classify(item))
            except Exception:  # a label is never worth losing or delaying a message
                log.exception("classifying a message failed; it is stored unlabelled")
                out.append(None)
        return out


def make_labeller(settings: ClassifyConfig, data_dir: Path | None) -> Labeller:
    """The labeller ``settings`` ask for ([classify] backend).

    The LLM backend is never required: when its API key cannot be read, the built-in
    model labels alone (one warning) rather than no labels at all.
    """
    builtin = BuiltinLabeller(data_dir)
    if settings.backend != "llm" or settings.llm is None:
        return builtin
    from deskterm.automation.classify.llm import LlmLabeller  # httpx only when configured
    from deskterm.domain.errors import DesktermError
    from deskterm.secrets import resolve_secret

    api_key = None
    if settings.llm.api_key is not None:
        try:
            api_key = resolve_secret(settings.llm.api_key, what=LLM_API_KEY)
        except DesktermError as exc:
            log.warning("%s; labelling with the built-in model only", exc)
            return builtin
    return LlmLabeller(builtin, settings.llm, api_key=api_key)


LLM_API_KEY = "classify.llm.api_key"  # the config key, as messages name it

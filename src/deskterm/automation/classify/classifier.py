"""The classifier: a message in, its language, intent and sentiments out (each with a score)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from deskterm.automation.classify.features import fold, subject_counts, term_counts, words
from deskterm.automation.classify.inputs import ClassifyInput
from deskterm.automation.classify.language import detect_language
from deskterm.automation.classify.model import FloatArray, Model
from deskterm.automation.classify.prepare import (
    is_reply_subject,
    new_words,
    topic_of,
    with_subject,
)
from deskterm.domain.labels import MessageLabels

log = logging.getLogger(__name__)

# The model built from automation/classify/data by `python -m deskterm.automation.classify.build`.
SHIPPED_MODEL = Path(__file__).with_name("model.npz")
SHOP_MODEL_NAME = "classifier.npz"  # a shop's retrained model, in its data folder


class Classifier:
    """Labels messages with a loaded model (thread-safe: the model is read-only)."""

    def __init__(self, model: Model) -> None:
        self.model = model

    @property
    def version(self) -> str:
        """Which model labelled a message (stored with it: backfill relabels older ones)."""
        return self.model.version

    def classify(self, item: ClassifyInput) -> MessageLabels:
        """The labels of one message."""
        body = new_words(item.text) if item.customer else item.text
        body_counts = term_counts(body)
        topic = topic_of(item.subject) if item.customer else ""
        # The model reads "subject, then body" (prepare.with_subject); the body's features
        # are counted once and the subject's added, as if the two were one text.
        counts = body_counts + subject_counts(topic, body) if topic else body_counts
        index, values = self.model.vector_of(counts)
        # The language is the body's: a reply under the shop's English subject ("Re: Your
        # order has shipped") is still in the customer's language.
        said = body if body.strip() or not topic else topic
        vector = (
            (index, values)
            if counts is body_counts
            else self.model.vector_of(body_counts if body.strip() else term_counts(topic))
        )
        language, language_confidence = self._language(said, *vector)
        text = with_subject(body, item.subject) if topic else body
        if not item.customer or not len(index):
            # The shop's words, or nothing the model knows (a card, a sticker): no guess.
            return MessageLabels(language, language_confidence, model=self.version)
        limits = self.model.thresholds
        intent_scores = self.model.intent.scores(index, values)
        best = int(intent_scores.argmax())
        confidence = float(intent_scores[best])
        intent = self.model.intent.labels[best] if confidence >= limits.intent_abstain else None
        if not self._knows_a_word(text):
            intent = None  # only letter shapes matched (gibberish, an unknown language)
        # A reply's subject repeats the thread's first message ("Re: Broken mug"): the
        # intent may lean on it, but how the customer feels now is in the new words alone.
        felt = vector if topic and body.strip() and is_reply_subject(item.subject) else None
        sentiment_scores = {
            label: float(score)
            for label, score in zip(
                self.model.sentiment.labels,
                self.model.sentiment.scores(*(felt or (index, values))),
                strict=True,
            )
        }
        sentiments = tuple(
            label
            for label, score in sentiment_scores.items()
            if score >= limits.sentiments.get(label, 0.5)
        )
        return MessageLabels(
            language=language,
            language_confidence=language_confidence,
            intent=intent,
            intent_confidence=confidence,
            intent_confident=intent is not None and confidence >= limits.intent_confident,
            sentiments=sentiments,
            sentiment_scores=sentiment_scores,
            model=self.version,
        )

    def _language(
        self, text: str, index: npt.NDArray[np.int64], values: FloatArray
    ) -> tuple[str | None, float]:
        scores = self.model.language.scores(index, values)
        head = {
            label: float(score)
            for label, score in zip(self.model.language.labels, scores, strict=True)
        }
        return detect_language(text, head)

    def _knows_a_word(self, text: str) -> bool:
        vocabulary = self.model.vocabulary
        return any(
            "w" + token in vocabulary or "w" + fold(token) in vocabulary
            for token in words(text)
            if not token.isdigit()
        )

    def classify_many(self, items: Iterable[ClassifyInput]) -> list[MessageLabels]:
        """The labels of several messages, in order."""
        return [self.classify(item) for item in items]


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Classifier:
    return Classifier(Model.load(path))


def load_classifier(data_dir: Path | None = None) -> Classifier:
    """The shop's retrained model when it is current, else the shipped one (loaded once).

    A shop model trained on an older shipped model is ignored (the shipped examples it was
    trained on have changed): ``deskterm classify --retrain`` makes a new one.
    """
    with _lock:
        shipped = _load(SHIPPED_MODEL, SHIPPED_MODEL.stat().st_mtime)
        if data_dir is None:
            return shipped
        shop = data_dir / SHOP_MODEL_NAME
        try:
            mtime = shop.stat().st_mtime
        except OSError:
            return shipped
        try:
            candidate = _load(shop, mtime)
        except Exception as exc:  # a damaged file must not stop sync: the shipped model works
            log.warning("%s: not a usable classifier model (%s); using the shipped one", shop, exc)
            return shipped
        if candidate.model.metadata.get("base") != shipped.version:
            log.info("%s was trained on an older model; using the shipped one", shop)
            return shipped
        return candidate

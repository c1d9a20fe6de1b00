"""Training the linear model with numpy alone (run at build time and by a shop's retraining)."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from deskterm.automation.classify.features import term_counts, weighted
from deskterm.automation.classify.model import FloatArray, Head, Model, Thresholds, build_vocabulary
from deskterm.automation.classify.prepare import classifiable_text
from deskterm.domain.labels import INTENTS, SENTIMENTS

# Part of the model version: bump it when prepare.py, features.py or the training change
# what a model learns from the same examples (2: typed sign-offs are no longer read).
TRAINER_VERSION = "2"


@dataclass(frozen=True)
class Example:
    """One labelled customer message."""

    text: str
    intent: str
    language: str
    sentiments: tuple[str, ...] = ()
    subject: str = ""
    channel: str = "chat"
    weight: float = 1.0  # a shop's own corrections count more than the shipped examples

    @property
    def prepared(self) -> str:
        """What the classifier reads of it."""
        return classifiable_text(self.text, self.subject)


@dataclass(frozen=True)
class Settings:
    """Hyper-parameters, chosen by cross-validation on the shipped training set."""

    epochs: int = 30
    batch: int = 128
    rate: float = 0.05
    decay: float = 1e-5  # L2 penalty per step
    min_df: int = 2
    seed: int = 7


def read_examples(paths: Iterable[Path]) -> list[Example]:
    """Examples from JSON-lines files (the format of ``automation/classify/data``)."""
    examples: list[Example] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            examples.append(
                Example(
                    text=row["text"],
                    intent=row["intent"],
                    language=row["language"],
                    sentiments=tuple(row.get("sentiments", ())),
                    subject=row.get("subject", "") or "",
                    channel=row.get("channel", "chat"),
                )
            )
    return examples


def data_digest(examples: Sequence[Example]) -> str:
    """A fingerprint of the training data: a model built from other data is stale."""
    digest = hashlib.sha256(TRAINER_VERSION.encode())
    for example in examples:
        record = [example.text, example.subject, example.intent, example.language]
        digest.update(json.dumps([*record, list(example.sentiments), example.weight]).encode())
    return digest.hexdigest()[:16]


@dataclass
class _Matrix:
    """A CSR matrix of TF-IDF rows, read a mini-batch of entries at a time."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    values: FloatArray
    width: int

    def entries(
        self, rows: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], FloatArray, npt.NDArray[np.int64]]:
        """The non-zero entries of ``rows``: feature index, value, and the batch row each
        belongs to (0 for the first of ``rows``), in row order."""
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        counts = ends - starts
        owner = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
        # Each entry's position in indices/values: its row's start plus its rank in the row.
        offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(counts) - counts, counts
        )
        at = np.repeat(starts, counts) + offsets
        return self.indices[at], self.values[at], owner


def _matrix(
    documents: Sequence[dict[str, float]], vocabulary: dict[str, int], idf: FloatArray
) -> _Matrix:
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for document in documents:
        row_index = [vocabulary[t] for t in document if t in vocabulary]
        row_values = np.asarray([document[t] for t in document if t in vocabulary], np.float32)
        if row_index:
            row_values *= idf[row_index]
            row_values /= max(float(np.linalg.norm(row_values)), 1e-12)
        indices += row_index
        values += row_values.tolist()
        indptr.append(len(indices))
    return _Matrix(
        np.asarray(indptr, np.int64),
        np.asarray(indices, np.int64),
        np.asarray(values, np.float32),
        len(vocabulary),
    )


@dataclass
class _Adam:
    """Adam updates for one parameter array (deterministic, no framework)."""

    param: FloatArray
    rate: float
    first: FloatArray | None = None
    second: FloatArray | None = None
    steps: int = 0

    def step(self, grad: FloatArray) -> None:
        if self.first is None or self.second is None:
            self.first = np.zeros_like(self.param)
            self.second = np.zeros_like(self.param)
        self.steps += 1
        # In place, in the order the formula reads: the same float32 results as
        # `0.9 * m + 0.1 * g` etc. without a dozen temporaries the size of the model.
        self.first *= 0.9
        self.first += 0.1 * grad
        squared = 0.001 * grad
        squared *= grad
        self.second *= 0.999
        self.second += squared
        denominator = self.second / (1 - 0.999**self.steps)
        np.sqrt(denominator, out=denominator)
        denominator += 1e-8
        update = self.first / (1 - 0.9**self.steps)
        update *= self.rate
        update /= denominator
        self.param -= update.astype(np.float32, copy=False)


def _softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    probabilities: FloatArray = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return probabilities


def _sigmoid(logits: FloatArray) -> FloatArray:
    return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)


def _targets(examples: Sequence[Example], languages: Sequence[str]) -> dict[str, FloatArray]:
    count = len(examples)
    intent = np.zeros((count, len(INTENTS)), np.float32)
    sentiment = np.zeros((count, len(SENTIMENTS)), np.float32)
    language = np.zeros((count, len(languages)), np.float32)
    for row, example in enumerate(examples):
        intent[row, INTENTS.index(example.intent)] = 1
        for name in example.sentiments:
            sentiment[row, SENTIMENTS.index(name)] = 1
        language[row, languages.index(example.language)] = 1
    return {"intent": intent, "sentiment": sentiment, "language": language}


def fit(
    examples: Sequence[Example],
    *,
    settings: Settings = Settings(),
    thresholds: Thresholds | None = None,
    version: str = "",
) -> Model:
    """Train every head on ``examples``; thresholds default to permissive placeholders."""
    documents = [weighted(term_counts(example.prepared)) for example in examples]
    vocabulary = build_vocabulary(documents, settings.min_df)
    df = np.zeros(len(vocabulary), np.float32)
    for document in documents:
        for term in document:
            at = vocabulary.get(term)
            if at is not None:
                df[at] += 1
    idf = (np.log((1 + len(documents)) / (1 + df)) + 1).astype(np.float32)
    matrix = _matrix(documents, vocabulary, idf)
    languages = sorted({example.language for example in examples})
    targets = _targets(examples, languages)
    weights = np.asarray([example.weight for example in examples], np.float32)
    heads = {
        "intent": (INTENTS, "softmax"),
        "sentiment": (SENTIMENTS, "sigmoid"),
        "language": (tuple(languages), "softmax"),
    }
    widths = [len(labels) for labels, _kind in heads.values()]
    edges = np.cumsum([0, *widths])
    # One weight matrix for the three heads: one product and one update per mini-batch.
    w = np.zeros((len(vocabulary), int(edges[-1])), np.float32)
    b = np.zeros(int(edges[-1]), np.float32)
    adam_w, adam_b = _Adam(w, settings.rate), _Adam(b, settings.rate)
    goal = np.concatenate([targets[name] for name in heads], axis=1)
    rng = np.random.default_rng(settings.seed)
    order = np.arange(len(examples))
    for _epoch in range(settings.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), settings.batch):
            rows = order[start : start + settings.batch]
            # x @ w and x.T @ error over the features the batch uses only: a batch touches
            # a few thousand of the ~28k, so the products over every feature were mostly
            # multiplications by zero (the same sums, in another order; 4x faster).
            index, value, owner = matrix.entries(rows)
            used, column = np.unique(index, return_inverse=True)
            x = np.zeros((len(rows), len(used)), np.float32)
            x[owner, column] = value
            logits = x @ w[used] + b
            sample = weights[rows][:, None] / float(weights[rows].sum())
            error = np.empty_like(logits)
            for (_labels, kind), low, high in zip(heads.values(), edges, edges[1:], strict=False):
                part = logits[:, low:high]
                error[:, low:high] = _softmax(part) if kind == "softmax" else _sigmoid(part)
            error = ((error - goal[rows]) * sample).astype(np.float32)
            grad = (settings.decay * w).astype(np.float32)
            grad[used] += x.T @ error
            adam_w.step(grad)
            adam_b.step(error.sum(axis=0).astype(np.float32))
    params = {
        name: (np.ascontiguousarray(w[:, low:high]), b[low:high].copy())
        for name, low, high in zip(heads, edges, edges[1:], strict=False)
    }
    return Model(
        version=version or data_digest(examples),
        vocabulary=vocabulary,
        idf=idf,
        intent=Head(INTENTS, *params["intent"], "softmax"),
        sentiment=Head(SENTIMENTS, *params["sentiment"], "sigmoid"),
        language=Head(tuple(languages), *params["language"], "softmax"),
        thresholds=thresholds or Thresholds(0.0, 0.5, dict.fromkeys(SENTIMENTS, 0.5)),
        metadata={"examples": len(examples), "trainer": TRAINER_VERSION},
    )


@dataclass(frozen=True)
class Prediction:
    """Out-of-fold probabilities for one example."""

    intent: FloatArray
    sentiment: FloatArray


def cross_validate(
    examples: Sequence[Example], *, folds: int = 5, settings: Settings = Settings()
) -> list[Prediction]:
    """Each example predicted by a model that never saw it (for thresholds and estimates)."""
    fold_of = [
        int(hashlib.sha256(example.text.encode()).hexdigest(), 16) % folds for example in examples
    ]
    out: list[Prediction | None] = [None] * len(examples)
    for fold in range(folds):
        train = [e for e, f in zip(examples, fold_of, strict=True) if f != fold]
        model = fit(train, settings=settings)
        for at, (example, f) in enumerate(zip(examples, fold_of, strict=True)):
            if f == fold:
                index, values = model.vector(example.prepared)
                out[at] = Prediction(
                    model.intent.scores(index, values), model.sentiment.scores(index, values)
                )
    return [p for p in out if p is not None]


def predict(model: Model, examples: Sequence[Example]) -> list[Prediction]:
    """The model's probabilities for each example."""
    out: list[Prediction] = []
    for example in examples:
        index, values = model.vector(example.prepared)
        out.append(
            Prediction(model.intent.scores(index, values), model.sentiment.scores(index, values))
        )
    return out


CONFIDENT_PRECISION = 0.96  # one point of margin over the 95% that rules rely on


def choose_thresholds(examples: Sequence[Example], predictions: Sequence[Prediction]) -> Thresholds:
    """Thresholds from predictions on a calibration set the model was not trained on.

    Confident: the lowest top probability above which intents are right at least 96% of
    the time. Abstain: the highest below which fewer than a third of guesses are right, so
    an empty label is more honest than one of them. Sentiments: the probability that gives
    each its best F1 (0.5 when the set has too few examples of it to say).
    """
    truth = np.asarray([INTENTS.index(e.intent) for e in examples])
    top = np.asarray([float(p.intent.max()) for p in predictions])
    right = np.asarray([int(p.intent.argmax()) for p in predictions]) == truth
    confident = 0.99
    for limit in np.arange(0.20, 0.99, 0.01):
        chosen = top >= limit
        if chosen.sum() >= 20 and right[chosen].mean() >= CONFIDENT_PRECISION:
            confident = float(round(limit, 2))
            break
    abstain = 0.08
    for limit in np.arange(0.08, 0.30, 0.01):
        below = top < limit
        if below.sum() >= 8 and right[below].mean() < 1 / 3:
            abstain = float(round(limit, 2))
    sentiments: dict[str, float] = {}
    for column, name in enumerate(SENTIMENTS):
        actual = np.asarray([name in e.sentiments for e in examples])
        scores = np.asarray([float(p.sentiment[column]) for p in predictions])
        best, best_f1 = 0.5, -1.0
        if actual.sum() >= 8:
            for limit in np.arange(0.25, 0.701, 0.025):
                said = scores >= limit
                tp = float((said & actual).sum())
                f1 = 2 * tp / max(float(said.sum() + actual.sum()), 1.0)
                if f1 > best_f1 + 1e-9:
                    best, best_f1 = float(round(limit, 3)), f1
        sentiments[name] = best
    return Thresholds(abstain, confident, sentiments)


def train_model(
    examples: Sequence[Example],
    calibration: Sequence[Example],
    *,
    settings: Settings = Settings(),
    metadata: dict[str, object] | None = None,
) -> Model:
    """Fit on ``examples``, then choose thresholds on ``calibration``."""
    model = fit(examples, settings=settings)
    thresholds = choose_thresholds(calibration, predict(model, calibration))
    return replace(
        model,
        thresholds=thresholds,
        metadata={**model.metadata, **(metadata or {}), "calibration": len(calibration)},
    )


def accuracy(values: Iterable[bool]) -> float:
    """Share of True in ``values`` (NaN when empty)."""
    items = list(values)
    return sum(items) / len(items) if items else math.nan

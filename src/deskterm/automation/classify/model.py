"""The trained model: vocabulary, IDF and linear weights for intents, sentiments, languages."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from deskterm.automation.classify.features import term_counts, weighted

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Thresholds:
    """Where the model's confidence stops being worth a label (chosen by cross-validation)."""

    intent_abstain: float  # below: the intent is left empty
    intent_confident: float  # at or above: precise enough for rules to act on
    sentiments: Mapping[str, float]  # per sentiment: its probability must reach this


@dataclass(frozen=True)
class Head:
    """One linear layer over the shared features: ``softmax`` (one of) or ``sigmoid`` (any of)."""

    labels: tuple[str, ...]
    weights: FloatArray  # (features, labels)
    bias: FloatArray  # (labels,)
    kind: str  # "softmax" | "sigmoid"

    def scores(self, index: npt.NDArray[np.int64], values: FloatArray) -> FloatArray:
        """Probabilities per label for one sparse feature vector."""
        logits = values @ self.weights[index] + self.bias if len(index) else self.bias.copy()
        if self.kind == "softmax":
            logits = logits - logits.max()
            exp = np.exp(logits)
            probabilities: FloatArray = (exp / exp.sum()).astype(np.float32)
            return probabilities
        squashed: FloatArray = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return squashed


@dataclass(frozen=True)
class Model:
    """Everything the classifier needs at run time; saved as one ``.npz`` file."""

    version: str
    vocabulary: Mapping[str, int]
    idf: FloatArray
    intent: Head
    sentiment: Head
    language: Head
    thresholds: Thresholds
    metadata: Mapping[str, Any]

    def vector(self, text: str) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """The L2-normalised TF-IDF vector of ``text`` as (feature indexes, values)."""
        return self.vector_of(term_counts(text))

    def vector_of(self, counts: Counter[str]) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """The L2-normalised TF-IDF vector of raw feature ``counts``."""
        index: list[int] = []
        values: list[float] = []
        vocabulary = self.vocabulary
        for term, tf in weighted(counts).items():
            at = vocabulary.get(term)
            if at is not None:
                index.append(at)
                values.append(tf)
        array = np.asarray(values, dtype=np.float32)
        at_array = np.asarray(index, dtype=np.int64)
        if len(array):
            array *= self.idf[at_array]
            norm = math.sqrt(float(array @ array))
            if norm:
                array /= norm
        return at_array, array

    def save(self, path: Path) -> None:
        """Write the model (float16 weights: half the size, the same decisions)."""
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        header = {
            "version": self.version,
            "heads": {
                name: {"labels": list(head.labels), "kind": head.kind}
                for name, head in self._heads().items()
            },
            "thresholds": {
                "intent_abstain": self.thresholds.intent_abstain,
                "intent_confident": self.thresholds.intent_confident,
                "sentiments": dict(self.thresholds.sentiments),
            },
            "metadata": dict(self.metadata),
        }
        arrays: dict[str, Any] = {
            "header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            "terms": np.frombuffer("\n".join(terms).encode(), dtype=np.uint8),
            "idf": self.idf.astype(np.float16),
        }
        for name, head in self._heads().items():
            arrays[f"{name}_w"] = head.weights.astype(np.float16)
            arrays[f"{name}_b"] = head.bias.astype(np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        with partial.open("wb") as out:
            np.savez_compressed(out, **arrays)
        partial.replace(path)

    def _heads(self) -> dict[str, Head]:
        return {"intent": self.intent, "sentiment": self.sentiment, "language": self.language}

    @classmethod
    def load(cls, path: Path) -> Model:
        """Read a model written by ``save``."""
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode())
            terms = bytes(data["terms"]).decode().split("\n")
            heads = {
                name: Head(
                    tuple(spec["labels"]),
                    data[f"{name}_w"].astype(np.float32),
                    data[f"{name}_b"].astype(np.float32),
                    spec["kind"],
                )
                for name, spec in header["heads"].items()
            }
            idf = data["idf"].astype(np.float32)
        limits = header["thresholds"]
        return cls(
            version=header["version"],
            vocabulary={term: at for at, term in enumerate(terms)},
            idf=idf,
            intent=heads["intent"],
            sentiment=heads["sentiment"],
            language=heads["language"],
            thresholds=Thresholds(
                limits["intent_abstain"], limits["intent_confident"], limits["sentiments"]
            ),
            metadata=header.get("metadata", {}),
        )


def build_vocabulary(documents: Sequence[Mapping[str, float]], min_df: int) -> dict[str, int]:
    """Terms seen in at least ``min_df`` documents, in a stable (sorted) order."""
    df: dict[str, int] = {}
    for document in documents:
        for term in document:
            df[term] = df.get(term, 0) + 1
    kept = sorted(term for term, count in df.items() if count >= min_df)
    return {term: at for at, term in enumerate(kept)}

"""A shop's own model: the shipped examples plus its agents' intent corrections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from deskterm.automation.classify.build import calibration_examples, training_examples
from deskterm.automation.classify.classifier import SHIPPED_MODEL, Classifier
from deskterm.automation.classify.inputs import ClassifyInput
from deskterm.automation.classify.model import Model
from deskterm.automation.classify.train import Example, data_digest, fit

# A correction is this shop's own customer in this shop's own words: worth more than one
# of the shipped examples, which were written to cover every shop.
CORRECTION_WEIGHT = 3.0


@dataclass(frozen=True)
class RetrainResult:
    """What ``retrain`` wrote."""

    path: Path
    version: str
    examples: int
    corrections_right: int  # how many corrections the new model now gets right


def retrain(corrections: Sequence[tuple[str, str, str | None]], out: Path) -> RetrainResult:
    """Train on the shipped examples plus ``corrections`` ((text, intent, language)) and
    write the model to ``out``; the shipped model's thresholds are kept."""
    shipped = Model.load(SHIPPED_MODEL)
    extra = [
        Example(text=text, intent=intent, language=language or "en", weight=CORRECTION_WEIGHT)
        for text, intent, language in corrections
    ]
    examples = training_examples() + extra
    model = fit(examples)
    version = "shop-" + data_digest(examples + calibration_examples())
    model = replace(
        model,
        version=version,
        thresholds=shipped.thresholds,
        metadata={**model.metadata, "base": shipped.version, "corrections": len(extra)},
    )
    model.save(out)
    classifier = Classifier(model)
    right = sum(
        classifier.classify(ClassifyInput(text)).intent == intent
        for text, intent, _language in corrections
    )
    return RetrainResult(out, version, len(examples), right)

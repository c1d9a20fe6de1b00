"""Build the shipped model from ``data/``: ``python -m deskterm.automation.classify.build``.

``--check`` (CI) exits 1 when ``model.npz`` was built from other examples than the ones
in ``data/`` (someone edited the examples and forgot to rebuild).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from deskterm.automation.classify.classifier import SHIPPED_MODEL
from deskterm.automation.classify.model import Model
from deskterm.automation.classify.train import Example, data_digest, read_examples, train_model

DATA = Path(__file__).with_name("data")


def training_examples() -> list[Example]:
    """The shipped training examples (every ``data/train*.jsonl``)."""
    return read_examples(sorted(DATA.glob("train*.jsonl")))


def calibration_examples() -> list[Example]:
    """The examples thresholds are chosen on (never trained on)."""
    return read_examples([DATA / "calibration.jsonl"])


def digest() -> str:
    """The version a model built from today's examples gets."""
    return data_digest(training_examples() + calibration_examples())


def build(out: Path = SHIPPED_MODEL) -> Model:
    """Train on the shipped examples and write the model to ``out``."""
    model = train_model(
        training_examples(), calibration_examples(), metadata={"base": "", "source": "shipped"}
    )
    model = replace(model, version=digest())
    model.save(out)
    return model


def main(argv: list[str] | None = None) -> int:
    """Build (or, with --check, verify) the shipped model."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="verify model.npz is current")
    parser.add_argument("--out", type=Path, default=SHIPPED_MODEL)
    args = parser.parse_args(argv)
    if args.check:
        built = Model.load(args.out).version
        wanted = digest()
        if built != wanted:
            print(
                f"{args.out}: built from other examples ({built}, data is {wanted}); "
                "run python -m deskterm.automation.classify.build",
                file=sys.stderr,
            )
            return 1
        print(f"{args.out}: current ({built})")
        return 0
    started = time.perf_counter()
    model = build(args.out)
    seconds = time.perf_counter() - started
    print(
        f"{args.out}: {len(model.vocabulary)} features, {model.metadata.get('examples')} "
        f"examples, thresholds {model.thresholds}, {seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

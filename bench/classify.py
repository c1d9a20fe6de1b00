"""Classifier quality and speed (issue 12): the held-out set, throughput, a 100k backfill.

Quality is measured on bench/data/classify_heldout.jsonl, written apart from the training
and calibration examples (src/deskterm/automation/classify/data). The anchors are the
issue's targets; the last line is the ratio of the measured throughput to 300 messages/s.

    .venv/bin/python bench/classify.py                 # held-out quality + throughput
    .venv/bin/python bench/classify.py --backfill      # + label the 100k bench store
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from benchlib import BENCH, DESKTERM, default_n, deskterm_config, deskterm_db, machine

from deskterm.automation.classify.classifier import ClassifyInput, load_classifier
from deskterm.automation.classify.prepare import classifiable_text
from deskterm.automation.classify.train import Example, read_examples
from deskterm.domain.labels import INTENTS

HELDOUT = BENCH / "data" / "classify_heldout.jsonl"
MAIN_LANGUAGES = ("en", "id", "pt", "es", "vi")
TARGET_RATE = 300.0  # messages/s on 2 cores (issue 12)


def quality(examples: list[Example]) -> dict[str, object]:
    """Every quality figure the issue names, on ``examples``."""
    classifier = load_classifier()
    labels = [classifier.classify(ClassifyInput(e.text, e.subject, e.channel)) for e in examples]
    per_language: dict[str, list[bool]] = collections.defaultdict(list)
    labelled_language: dict[str, list[bool]] = collections.defaultdict(list)
    labelled_right: list[bool] = []
    confident: list[bool] = []
    sentiment_exact: list[bool] = []
    language_right: list[bool] = []
    tp = fp = fn = 0
    confusion: dict[tuple[str, str], int] = collections.Counter()
    model = classifier.model
    for example, result in zip(examples, labels, strict=True):
        index, values = model.vector(classifiable_text(example.text, example.subject))
        top1 = model.intent.labels[int(model.intent.scores(index, values).argmax())]
        per_language[example.language].append(top1 == example.intent)
        labelled_right.append(result.intent == example.intent)
        labelled_language[example.language].append(result.intent == example.intent)
        confusion[(example.intent, top1)] += 1
        if result.intent_confident:
            confident.append(result.intent == example.intent)
        sentiment_exact.append(set(result.sentiments) == set(example.sentiments))
        language_right.append(result.language == example.language)
        said, true = "negative" in result.sentiments, "negative" in example.sentiments
        tp += said and true
        fp += said and not true
        fn += true and not said
    every = [x for rows in per_language.values() for x in rows]
    return {
        "messages": len(examples),
        "intent_top1": sum(every) / len(every),
        "intent_labelled": sum(labelled_right) / len(labelled_right),
        "abstained": sum(r.intent is None for r in labels),
        "per_language": {
            k: (sum(v) / len(v), sum(labelled_language[k]) / len(v), len(v))
            for k, v in sorted(per_language.items())
        },
        "confident_coverage": len(confident) / len(examples),
        "confident_precision": sum(confident) / len(confident) if confident else float("nan"),
        "sentiment_exact": sum(sentiment_exact) / len(sentiment_exact),
        "negative_f1": 2 * tp / max(2 * tp + fp + fn, 1),
        "language": sum(language_right) / len(language_right),
        "confusion": confusion,
        "wrong_languages": [
            (e.language, r.language, e.text[:50])
            for e, r in zip(examples, labels, strict=True)
            if r.language != e.language
        ],
    }


def _worker(texts: list[tuple[str, str, str]]) -> int:
    classifier = load_classifier()
    for text, subject, channel in texts:
        classifier.classify(ClassifyInput(text, subject, channel))
    return len(texts)


def throughput(examples: list[Example], processes: int = 2, rounds: int = 4) -> float:
    """Messages per second over ``processes`` worker processes (model load excluded)."""
    texts = [(e.text, e.subject, e.channel) for e in examples] * rounds
    chunks = [texts[i::processes] for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.map(_worker, [texts[:4]] * processes)  # load the model in each worker first
        started = time.perf_counter()
        done = sum(pool.map(_worker, chunks))
        seconds = time.perf_counter() - started
    return done / seconds


def backfill(n: int) -> dict[str, object]:
    """Label every message of the n-message bench store with `deskterm classify --backfill`."""
    db = deskterm_db(n)
    if not db.exists():
        sys.exit(f"{db}: no bench store; run bench/bench_import.py --n {n} first")
    copy = db.with_name("classify-bench.db")
    for suffix in ("", "-wal", "-shm"):  # no stale WAL of an earlier copy may stay
        Path(str(copy) + suffix).unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(db) + suffix)
        if source.exists():
            shutil.copyfile(source, Path(str(copy) + suffix))
    with sqlite3.connect(copy) as conn:  # as if imported before labelling existed
        conn.execute("UPDATE message SET labelled_by = NULL")
    # The copy is labelled even when the store was imported with labelling off.
    config = deskterm_config(n).read_text().replace(str(db), str(copy))
    config = config.replace("enabled = false", "enabled = true")
    config_path = copy.with_suffix(".toml")
    config_path.write_text(config)
    started = time.perf_counter()
    subprocess.run(
        [str(DESKTERM), "--config", str(config_path), "classify", "--backfill", "--json"],
        check=True,
    )
    seconds = time.perf_counter() - started
    with sqlite3.connect(copy) as conn:
        total, labelled = conn.execute(
            "SELECT count(*), count(labelled_by) FROM message"
        ).fetchone()
        intents = conn.execute(
            "SELECT coalesce(intent, '(none)'), count(*) FROM message WHERE direction = 'in' "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 8"
        ).fetchall()
    return {"seconds": seconds, "messages": total, "labelled": labelled, "top_intents": intents}


def main() -> int:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backfill", action="store_true", help="also label the 100k store")
    parser.add_argument("--n", type=int, default=default_n())
    args = parser.parse_args()
    examples = read_examples([HELDOUT])
    print(f"machine: {machine()}")
    q = quality(examples)
    print(f"held-out messages: {q['messages']}")
    print(f"intent top-1 accuracy: {q['intent_top1']:.3f}")
    print(f"intent label accuracy (empty when unsure counts wrong): {q['intent_labelled']:.3f}")
    print(f"intent left empty (below threshold): {q['abstained']}")
    print("  per language: top-1 / label (empty counts wrong) / messages")
    for language, (share, labelled, count) in q["per_language"].items():  # type: ignore[attr-defined]
        print(f"  {language}: {share:.3f} / {labelled:.3f} ({count})")
    print(
        f"confident: {q['confident_coverage']:.3f} of messages, "
        f"precision {q['confident_precision']:.3f}"
    )
    print(f"sentiment tag-set exact match: {q['sentiment_exact']:.3f}")
    print(f"negative F1: {q['negative_f1']:.3f}")
    print(f"language accuracy: {q['language']:.3f}")
    for wrong in q["wrong_languages"]:  # type: ignore[attr-defined]
        print(f"  language {wrong[0]} read as {wrong[1]}: {wrong[2]!r}")
    confusion = q["confusion"]
    print("confusions (true -> predicted: count), most frequent:")
    mistakes = [(k, v) for k, v in confusion.items() if k[0] != k[1]]  # type: ignore[attr-defined]
    for (true, said), count in sorted(mistakes, key=lambda kv: -kv[1])[:15]:
        print(f"  {true} -> {said}: {count}")
    print("confusion matrix (rows: true, columns: predicted, in INTENTS order):")
    for true in INTENTS:
        row = " ".join(f"{confusion.get((true, said), 0):2d}" for said in INTENTS)  # type: ignore[attr-defined]
        print(f"  {true:24s} {row}")
    if args.backfill:
        result = backfill(args.n)
        print(f"backfill: {json.dumps(result)}")
    rate = throughput(examples)
    print(f"throughput: {rate:.0f} messages/s on 2 processes")
    print(f"ratio throughput / target 300 msg/s: {rate / TARGET_RATE:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

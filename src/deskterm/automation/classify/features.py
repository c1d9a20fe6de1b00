"""Text to sparse features: word uni/bigrams and character n-grams, accent-folded."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

# Hand-written rather than scikit-learn's TfidfVectorizer: the run-time path (ingest, the
# `classify` command, a shop's own retraining) needs no scikit-learn/scipy, only numpy, and
# the exact same features must come out at training and at run time.
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"\w+", re.UNICODE)
_REPEAT = re.compile(r"(.)\1{2,}")  # "pleaseeee", "kakkk" -> two of a kind
_LATIN_LIMIT = 0x250  # accents are folded on Latin letters only: Thai marks carry meaning
_MAX_WORD = 24  # char n-grams of longer runs (Thai sentences, URLs) are capped
CHAR_SIZES = (2, 3, 4)
LEXICON_FILE = Path(__file__).with_name("data") / "lexicon.json"
_LONGEST_PHRASE = 3


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """``word`` without the accents of Latin letters ("hàng" -> "hang", "đơn" -> "don")."""
    if word.isascii():
        return word
    out: list[str] = []
    for char in unicodedata.normalize("NFD", word.replace("đ", "d")):
        if unicodedata.category(char) == "Mn" and out and ord(out[-1]) < _LATIN_LIMIT:
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def normalise(text: str) -> str:
    """Lower-cased text with links, addresses and numbers reduced to placeholders."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _URL.sub(" xurl ", text)
    text = _EMAIL.sub(" xmail ", text)
    text = _DIGITS.sub("0", text)
    return _REPEAT.sub(r"\1\1", text)


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return _WORD.findall(normalise(text))


def term_counts(text: str) -> Counter[str]:
    """Raw counts of every feature of ``text``."""
    tokens = words(text)
    counts: Counter[str] = Counter()
    folded = [fold(token) for token in tokens]
    for token, plain in zip(tokens, folded, strict=True):
        counts["w" + token] += 1
        if plain != token:
            counts["w" + plain] += 1
        padded = f" {plain[:_MAX_WORD]} "
        for size in CHAR_SIZES:
            for start in range(len(padded) - size + 1):
                counts["c" + padded[start : start + size]] += 1
    for first, second in pairwise(folded):
        counts["b" + first + " " + second] += 1
    _lexicon_hits(folded, counts)
    return counts


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[str, ...]]:
    """Folded word or phrase -> the sentiments it signals (data/lexicon.json).

    The words a few hundred examples cannot all contain ("péssima", "lừa đảo", "zonk"):
    each hit adds an "L<sentiment>" feature, so a signal learnt from one word carries over
    to the others of its list, in every language.
    """
    found: dict[str, set[str]] = {}
    for sentiment, entries in json.loads(LEXICON_FILE.read_text(encoding="utf-8")).items():
        for entry in entries:
            key = " ".join(fold(word) for word in words(entry))
            if key:
                found.setdefault(key, set()).add(sentiment)
    return {key: tuple(sorted(values)) for key, values in found.items()}


def _lexicon_hits(folded: list[str], counts: Counter[str]) -> None:
    known = lexicon()
    for start in range(len(folded)):
        for size in range(1, _LONGEST_PHRASE + 1):
            if start + size > len(folded):
                break
            for sentiment in known.get(" ".join(folded[start : start + size]), ()):
                counts["L" + sentiment] += 1


def weighted(counts: Counter[str]) -> dict[str, float]:
    """Sub-linear term frequencies (1 + log tf): a repeated word is not ten times the evidence."""
    return {term: 1.0 + math.log(count) for term, count in counts.items()}

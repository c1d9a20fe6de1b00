"""Text to sparse features: word uni/bigrams and character n-grams, accent-folded."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import pairwise

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
    return counts


def weighted(counts: Counter[str]) -> dict[str, float]:
    """Sub-linear term frequencies (1 + log tf): a repeated word is not ten times the evidence."""
    return {term: 1.0 + math.log(count) for term, count in counts.items()}

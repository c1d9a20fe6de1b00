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


@lru_cache(maxsize=200_000)
def _word_features(token: str) -> tuple[str, tuple[str, ...]]:
    """(folded word, the word's own features): words repeat (Zipf), so each is cut into
    its character n-grams once per process, not once per occurrence."""
    plain = fold(token)
    own = ["w" + token]
    if plain != token:
        own.append("w" + plain)
    padded = f" {plain[:_MAX_WORD]} "
    for size in CHAR_SIZES:
        own.extend("c" + padded[start : start + size] for start in range(len(padded) - size + 1))
    return plain, tuple(own)


def term_counts(text: str) -> Counter[str]:
    """Raw counts of every feature of ``text``."""
    counts: Counter[str] = Counter()
    folded: list[str] = []
    for token in words(text):
        plain, own = _word_features(token)
        folded.append(plain)
        counts.update(own)
    counts.update("b" + first + " " + second for first, second in pairwise(folded))
    _lexicon_hits(folded, counts)
    return counts


def subject_counts(topic: str, body: str) -> Counter[str]:
    """What ``topic`` adds to ``body``'s counts when the two are read as "topic\nbody":
    its own features and the word pair across the line break."""
    counts = term_counts(topic)
    last, first = words(topic)[-1:], words(body)[:1]
    if last and first:
        counts["b" + _word_features(last[0])[0] + " " + _word_features(first[0])[0]] += 1
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


@lru_cache(maxsize=1)
def _phrase_starts() -> frozenset[str]:
    """First words of the lexicon's phrases: only there is a longer match worth trying."""
    return frozenset(key.split(" ")[0] for key in lexicon() if " " in key)


def _lexicon_hits(folded: list[str], counts: Counter[str]) -> None:
    known, starts = lexicon(), _phrase_starts()
    for start, word in enumerate(folded):
        for sentiment in known.get(word, ()):
            counts["L" + sentiment] += 1
        if word not in starts:
            continue
        for size in range(2, _LONGEST_PHRASE + 1):
            if start + size > len(folded):
                break
            for sentiment in known.get(" ".join(folded[start : start + size]), ()):
                counts["L" + sentiment] += 1


def weighted(counts: Counter[str]) -> dict[str, float]:
    """Sub-linear term frequencies (1 + log tf): a repeated word is not ten times the evidence."""
    return {term: 1.0 + math.log(count) for term, count in counts.items()}

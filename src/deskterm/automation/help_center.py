"""The help center: a folder of Markdown articles, indexed locally and searched by a
customer's message, so the composer can link the best ones (Gorgias's article recommendation).

One article per file (``*.md``, ``*.markdown``, subfolders included), any language. An
optional front matter gives ``title``, ``url``, ``language`` and ``tags``, as TOML between
``+++`` lines or as YAML-style ``key: value`` lines between ``---`` lines; without a title
the first ``# heading`` is one, else the file's name. A file that cannot be read, is not
UTF-8 text or is too big is skipped with a warning in the log: one bad file never hides the
others, and nothing here raises for what a folder holds.

Ranking is Okapi BM25, written out here (forty lines) rather than taken from a library:
the tokens are our own (automation/tokens.py: accents folded, Thai as bigrams, Indonesian
clitics off), the corpus is a few hundred articles at most, and the one PyPI package for
it (rank-bm25) is unmaintained and brings numpy for arithmetic this small.
The index is kept per folder and built again only when a file's mtime or size changes
(or one comes or goes), so opening the picker again costs one ``stat`` per article.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from deskterm.automation.tokens import fold, tokens

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".markdown")
MAX_ARTICLE_BYTES = 1 << 20  # an article is kilobytes; a huge file is a mistake, not help
MAX_ARTICLES = 5000  # a folder pointed at $HOME by mistake must not index forever
EXCERPT_CHARS = 240
K1, B = 1.5, 0.75  # BM25's usual constants
TITLE_WEIGHT = 3  # a word in the title (or tags) says more about the article than the body

_TOML_FENCE = re.compile(r"\A\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_YAML_FENCE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|[-*+][ \t]+|>[ \t]?|\d+\.[ \t]+)|[*_`]{1,3}", re.M)


@dataclass(frozen=True)
class Article:
    """One help article as read from its file."""

    slug: str  # the path in the folder without its suffix, "/"-separated: "shipping/times"
    title: str
    body: str  # the Markdown after the front matter
    url: str | None = None  # from the front matter, else base_url + slug, else None
    language: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    """An article that matches a query, with a short excerpt around the best passage."""

    article: Article
    score: float
    excerpt: str


@dataclass
class HelpCenter:
    """The articles of one folder and their BM25 index."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per file left out
    _terms: list[Counter[str]] = field(default_factory=list, repr=False)
    _lengths: list[int] = field(default_factory=list, repr=False)
    _df: Counter[str] = field(default_factory=Counter, repr=False)

    def __post_init__(self) -> None:
        for article in self.articles:
            heading = " ".join([article.title, *article.tags])
            terms = Counter(tokens(heading) * TITLE_WEIGHT + tokens(article.body))
            self._terms.append(terms)
            self._lengths.append(sum(terms.values()))
            self._df.update(terms.keys())

    def _idf(self, term: str) -> float:
        n, df = len(self.articles), self._df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, *, limit: int = 8, language: str | None = None) -> list[Hit]:
        """The articles matching ``query`` best first (at most ``limit``); none when no
        word of it is in any article. ``language``: on a near tie, that language first."""
        wanted = set(tokens(query))
        if not wanted or not self.articles:
            return []
        average = sum(self._lengths) / len(self._lengths) or 1.0
        scored: list[tuple[float, int]] = []
        for index, terms in enumerate(self._terms):
            norm = K1 * (1 - B + B * self._lengths[index] / average)
            score = sum(
                self._idf(t) * terms[t] * (K1 + 1) / (terms[t] + norm) for t in wanted if terms[t]
            )
            if score > 0:
                if language and self.articles[index].language == language:
                    score *= 1.1
                scored.append((score, index))
        scored.sort(key=lambda s: (-s[0], self.articles[s[1]].title.casefold()))
        return [
            Hit(self.articles[i], score, excerpt(self.articles[i].body, wanted, self._idf))
            for score, i in scored[:limit]
        ]

    def browse(self, text: str = "") -> list[Hit]:
        """Every article whose title holds ``text`` (all of them for ""), by title."""
        needle = fold(text.strip())
        return [
            Hit(a, 0.0, excerpt(a.body, set(), self._idf))
            for a in sorted(self.articles, key=lambda a: a.title.casefold())
            if needle in fold(a.title)
        ]


def plain(markdown: str) -> str:
    """Markdown as the words a reader sees: link texts, no #, *, _, ` or list marks."""
    return _MARKUP.sub("", _LINK.sub(r"\1", markdown))


def excerpt(body: str, wanted: set[str], idf: Any = None, chars: int = EXCERPT_CHARS) -> str:
    """The paragraph of ``body`` that holds the most (and rarest) of ``wanted``, as plain
    text, cut to about ``chars`` around its first matching word; the first paragraph when
    none matches."""
    paragraphs = [
        " ".join(plain(p).split())
        for p in re.split(r"\n[ \t]*\n", body)
        if p.strip() and not _HEADING.fullmatch(p.strip())
    ]
    if not paragraphs:
        return ""
    weigh = idf or (lambda _term: 1.0)
    best, best_score = paragraphs[0], 0.0
    for paragraph in paragraphs:
        score = sum(weigh(t) for t in wanted & set(tokens(paragraph)))
        if score > best_score:
            best, best_score = paragraph, score
    if len(best) <= chars:
        return best
    start = 0
    if best_score:
        folded = fold(best)  # folding keeps the length for the scripts we split into words
        hits = [folded.find(w) for w in wanted if w in folded]
        first = min((h for h in hits if h >= 0), default=0)
        start = max(0, first - chars // 4)
        if start:
            space = best.rfind(" ", 0, start)
            start = space + 1 if space > 0 else start
    cut = best[start : start + chars]
    if start + chars < len(best):
        space = cut.rfind(" ")
        cut = (cut[:space] if space > chars // 2 else cut) + "…"
    return ("…" if start else "") + cut


# --- reading the folder ----------------------------------------------------------------


def front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The front matter of an article (``{}`` when it has none or it is broken) and the
    text after it."""
    found = _TOML_FENCE.match(text)
    if found:
        try:
            return tomllib.loads(found.group(1)), text[found.end() :]
        except tomllib.TOMLDecodeError as exc:
            log.warning("help center: front matter is not TOML (%s); read as text", exc)
            return {}, text
    found = _YAML_FENCE.match(text)
    if found:
        return _yamlish(found.group(1)), text[found.end() :]
    return {}, text


def _yamlish(block: str) -> dict[str, Any]:
    """``key: value`` lines; a value in [brackets] or a run of ``- item`` lines is a list.
    Enough for the four keys we read, without a YAML parser's surprises ("no" as False)."""
    data: dict[str, Any] = {}
    key: str | None = None
    for line in block.splitlines():
        item = re.match(r"^[ \t]*-[ \t]+(.*)$", line)
        if item and key is not None:
            current = data.get(key)
            data[key] = [*(current if isinstance(current, list) else []), _unquote(item[1])]
            continue
        pair = re.match(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*)$", line)
        if not pair:
            continue
        key, value = pair[1].lower(), pair[2].strip()
        if value.startswith("[") and value.endswith("]"):
            data[key] = [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
        else:
            data[key] = _unquote(value) if value else []
    return data


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return ()
    return tuple(str(tag).strip() for tag in value if str(tag).strip())


def article_link(slug: str, base_url: str | None) -> str | None:
    """``base_url`` + the article's slug (each path part URL-quoted), or None without one."""
    if not base_url:
        return None
    return base_url.rstrip("/") + "/" + quote(slug)


def parse_article(text: str, slug: str, base_url: str | None = None) -> Article:
    """An article from its file's text; ``slug`` names it in the folder."""
    meta, body = front_matter(text.lstrip("\ufeff"))
    title = _text(meta.get("title"))
    if title is None:
        heading = _HEADING.search(body)
        title = heading[1].strip() if heading else _title_from_name(slug)
    return Article(
        slug=slug,
        title=title,
        body=body,
        url=_text(meta.get("url")) or article_link(slug, base_url),
        language=(_text(meta.get("language")) or "").lower() or None,
        tags=_tags(meta.get("tags")),
    )


def _title_from_name(slug: str) -> str:
    words = slug.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else slug


def _article_files(folder: Path) -> list[Path]:
    """The article files under ``folder``, sorted; hidden files and folders (.git, editor
    swap files) left out. A subfolder that cannot be listed is skipped with a warning, and
    symlinked folders are not followed (a link to ``/`` or a loop must not index forever)."""

    def unlisted(error: OSError) -> None:
        log.warning("help center: skipped %s (%s)", error.filename, error.strerror or error)

    found: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=unlisted):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(root) / name
            if name.startswith(".") or path.suffix.lower() not in SUFFIXES:
                continue
            if path.is_file():
                found.append(path)
            if len(found) >= MAX_ARTICLES:
                log.warning("help center %s: only the first %d articles", folder, MAX_ARTICLES)
                return found
    return found


def _read(path: Path, folder: Path, base_url: str | None) -> Article | str:
    """The article, or one line saying why it was skipped."""
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            return f"{path}: skipped, {size:,} bytes (an article is at most {MAX_ARTICLE_BYTES:,})"
        data = path.read_bytes()[:MAX_ARTICLE_BYTES]
    except OSError as exc:
        return f"{path}: skipped, cannot read it ({exc.strerror or exc})"
    if b"\0" in data:
        return f"{path}: skipped, a binary file"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return f"{path}:{line}: skipped, not UTF-8 text"
    slug = path.relative_to(folder).with_suffix("").as_posix()
    return parse_article(text, slug, base_url)


def _signature(files: list[Path]) -> tuple[tuple[str, int, int], ...]:
    stamps = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            stamps.append((str(path), -1, -1))
        else:
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


def build(folder: Path, base_url: str | None = None, files: list[Path] | None = None) -> HelpCenter:
    """Read every article of ``folder`` (or ``files`` of it, already listed), no cache;
    skipped files are logged and listed."""
    articles: list[Article] = []
    skipped: list[str] = []
    for path in _article_files(folder) if files is None else files:
        read = _read(path, folder, base_url)
        if isinstance(read, Article):
            articles.append(read)
        else:
            log.warning("help center: %s", read)
            skipped.append(read)
    return HelpCenter(articles, skipped)


_CACHE: dict[tuple[Path, str | None], tuple[tuple[tuple[str, int, int], ...], HelpCenter]] = {}
_CACHE_LOCK = threading.Lock()


def load(folder: Path, base_url: str | None = None) -> HelpCenter:
    """The help center in ``folder``, indexed once and again only after a file changed.

    Raises FileNotFoundError / NotADirectoryError when ``folder`` is not a folder; the
    caller says so in one line (the config names it).
    """
    if not folder.is_dir():
        if folder.exists():
            raise NotADirectoryError(f"{folder} is not a folder")
        raise FileNotFoundError(f"{folder} does not exist")
    files = _article_files(folder)
    signature = _signature(files)
    key = (folder.resolve(), base_url)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
        centre = build(folder, base_url, files)
        _CACHE[key] = (signature, centre)
        return centre

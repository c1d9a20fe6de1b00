"""HTML mail bodies to plain text, offline: links kept as text, no remote images, no controls."""

from __future__ import annotations

import html as htmllib
import re

import html2text

from deskterm.domain.text import clean_stored_text

MAX_HTML_CHARS = 2_000_000
# html2text indents every line by its list/quote depth, so output grows with depth x lines:
# 20,000 nested <ul> took over two minutes. Deeper levels are flattened into this one.
MAX_NESTING = 8
MAX_ALT_CHARS = 100

_DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
# Browsers ignore ASCII whitespace and controls inside a scheme (`java\tscript:`).
_SCHEME_NOISE_RE = re.compile(r"[\x00-\x20\x7f]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TRAILING_SPACE_RE = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUN_RE = re.compile(r"\n{3,}")
_NESTING_FAMILY = {"ul": "list", "ol": "list", "dl": "list", "blockquote": "quote"}
_INVISIBLE_ELEMENT_RE = re.compile(
    r"<(script|style|head)\b.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL
)
_TAG_RE = re.compile(r"<[^>]*>?")
_FILE_NAME_RE = re.compile(r"^[\w.-]+\.(?:png|jpe?g|gif|bmp|webp|svg)$", re.IGNORECASE)


def html_to_text(html: str, *, max_chars: int = MAX_HTML_CHARS) -> str:
    """Convert an HTML body to readable text without touching the network.

    Links read ``[text](target)`` (or ``<target>`` when the text is the target);
    ``javascript:``, ``vbscript:`` and ``data:`` links keep their text but lose the target;
    images are dropped (tracking pixels) unless their alt text says something, which
    shows as ``[image: alt]``. Input beyond ``max_chars`` is cut off, and the text says so.
    """
    cut = max(len(html) - max_chars, 0)
    source = html[:max_chars] if cut else html
    try:
        text = _tidy(_Converter().handle(source))
    except Exception:  # html2text is not written for hostile input; never lose the text
        text = _tidy(_crude_text(source))
    if cut:
        text += f"\n\n[HTML truncated: {cut} characters not shown]"
    return text


def _crude_text(html: str) -> str:
    """Tags and invisible elements removed, entities decoded: the fallback conversion."""
    html = _INVISIBLE_ELEMENT_RE.sub(" ", html)
    return htmllib.unescape(_TAG_RE.sub(" ", html))


def _tidy(text: str) -> str:
    # html2text turns `&#x1b;` into a real ESC; nothing that moves a terminal may survive.
    text = _CONTROL_RE.sub("", clean_stored_text(text)).replace("\xa0", " ")
    text = _TRAILING_SPACE_RE.sub("", text)
    return _BLANK_RUN_RE.sub("\n\n", text).strip()


def _is_dangerous_href(href: str) -> bool:
    return _SCHEME_NOISE_RE.sub("", href).lower().startswith(_DANGEROUS_SCHEMES)


def _meaningful_alt(attrs: dict[str, str | None]) -> str:
    """The alt text worth showing, or "" for spacers, tracking pixels and file names."""
    if any(
        (attrs.get(side) or "").strip() in ("0", "1", "1px", "0px") for side in ("width", "height")
    ):
        return ""
    alt = " ".join((attrs.get("alt") or "").split())
    if not any(ch.isalnum() for ch in alt) or _FILE_NAME_RE.match(alt) or "://" in alt:
        return ""
    if len(alt) > MAX_ALT_CHARS:
        alt = alt[: MAX_ALT_CHARS - 1] + "…"
    return alt


class _Converter(html2text.HTML2Text):
    """html2text configured for plain-text reading of untrusted mail."""

    def __init__(self) -> None:
        super().__init__(bodywidth=0)
        self.ignore_images = True  # images are handled in handle_tag, never fetched or linked
        self.ignore_emphasis = True
        self.inline_links = True
        self.protect_links = False
        self.wrap_links = False
        self.unicode_snob = True  # keep real characters rather than ASCII look-alikes
        self.single_line_break = False
        self._depth: dict[str, int] = {"list": 0, "quote": 0}

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        # entity_char=True skips Markdown escaping, which would show `1\. item` to the reader.
        super().handle_data(data, entity_char=True)

    def handle_tag(self, tag: str, attrs: dict[str, str | None], start: bool) -> None:
        if tag == "img":
            if start:
                self._image(attrs)
            return
        if tag == "a" and start and _is_dangerous_href(attrs.get("href") or ""):
            attrs.pop("href", None)  # the anchor text stays, the target goes
        if tag in _NESTING_FAMILY and self._flattened(_NESTING_FAMILY[tag], start):
            return
        super().handle_tag(tag, attrs, start)

    def _flattened(self, family: str, start: bool) -> bool:
        """Count nesting; True when this open/close tag is beyond MAX_NESTING and is skipped."""
        depth = self._depth[family]
        if start:
            self._depth[family] = depth + 1
            return depth >= MAX_NESTING
        if depth == 0:
            return False
        self._depth[family] = depth - 1
        return depth > MAX_NESTING

    def _image(self, attrs: dict[str, str | None]) -> None:
        alt = _meaningful_alt(attrs)
        if not alt:
            return
        if self.maybe_automatic_link is not None:
            # Mirror html2text: an image opening a link starts the link's [text] part.
            self.o("[")
            self.maybe_automatic_link = None
            self.empty_link = False
        self.o(f"[image: {alt}]")

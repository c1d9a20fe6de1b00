"""Attachment file names made safe to show and to save: no traversal, dotfiles or controls.

Pure (no I/O) so that both ingest-side adapters (channels) and the save-to-folder service
(services) use one definition.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

MAX_CHARS = 150
# ext4, APFS and NTFS cap a name at 255 bytes/units; stay well under for UTF-8 names.
MAX_UTF8_BYTES = 240
MAX_EXTENSION = 16

# Bidi embeddings, overrides, isolates and marks: they make `invoice\u202efdp.exe` look like a
# PDF (reliability.md item 3). Other format characters (zero-width ones) hide text too.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE_RE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u200b-\u200d\u2060\ufeff\ud800-\udfff]")
# Characters Windows forbids in names (and ':' would address an NTFS stream).
_WINDOWS_FORBIDDEN_RE = re.compile(r'[<>:"|?*]')
_EXTENSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+-]*$")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"COM{n}" for n in "123456789¹²³"}
    | {f"LPT{n}" for n in "123456789¹²³"}
)


def safe_filename(name: str, *, fallback: str = "attachment") -> str:
    """Return a single, harmless path component derived from an untrusted attachment name.

    The result never contains a path separator, control or bidi character, never starts
    with a dot or a dash, is never a Windows device name and is at most ``MAX_CHARS``
    characters.
    """
    base = _basename(_percent_decoded(name))
    base = _INVISIBLE_RE.sub("", unicodedata.normalize("NFC", base))
    base = _WINDOWS_FORBIDDEN_RE.sub("_", base)
    # Windows silently drops trailing dots and spaces, so `CON.` would still be the device.
    base = base.strip().rstrip(". ")
    stem, ext = _split_extension(base)
    # A leading dash makes `rm -rf.pdf`-style names parse as options in the user's shell.
    stem = stem.lstrip(".- ").strip()
    if not stem:
        stem = fallback
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    return _cap_length(stem, ext, fallback)


def _percent_decoded(name: str) -> str:
    # `..%2F..%2F.ssh%2Fauthorized_keys` arrives this way when a sender percent-encodes
    # without RFC 2231; decode (twice at most, for double encoding) before taking the basename.
    for _ in range(2):
        if "%" not in name:
            break
        name = unquote(name, errors="replace")
    return name


def _basename(name: str) -> str:
    parts = [p for p in re.split(r"[/\\]", name) if p.strip() not in ("", ".", "..")]
    return parts[-1] if parts else ""


def _split_extension(base: str) -> tuple[str, str]:
    """Split ``report.pdf`` into ``("report", "pdf")``; ``.bashrc`` gives ``("", "bashrc")``."""
    stem, dot, ext = base.rpartition(".")
    if not dot or not _EXTENSION_RE.match(ext) or len(ext) > MAX_EXTENSION:
        return base, ""
    return stem, ext


def _cap_length(stem: str, ext: str, fallback: str) -> str:
    suffix = f".{ext}" if ext else ""
    room = MAX_CHARS - len(suffix)
    stem = stem[:room]
    while stem and len((stem + suffix).encode("utf-8")) > MAX_UTF8_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip(". ") or fallback[:room]
    return stem + suffix


def numbered_filename(name: str, number: int) -> str:
    """``report (2).pdf`` for ``report.pdf``: the name a save uses when ``name`` is taken.

    The number goes before the extension (``archive (1).tar.gz`` keeps ``.tar.gz``) so the
    file still opens with the right program.
    """
    if number <= 0:
        return name
    stem, ext = _split_extension(name)
    inner, dot, inner_ext = stem.rpartition(".")
    if ext and dot and inner and inner_ext.lower() == "tar":
        stem, ext = inner, f"{inner_ext}.{ext}"
    if not stem:  # ".bashrc"-like: no stem to number (safe_filename never returns these)
        stem, ext = name, ""
    return f"{stem} ({number})" + (f".{ext}" if ext else "")

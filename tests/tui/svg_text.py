"""The text of a Textual SVG screenshot, line by line, as the terminal shows it."""

from __future__ import annotations

import html
import re

_TEXT = re.compile(
    r'<text class="terminal-[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+"'
    r' clip-path="url\(#terminal-(?:\d+-)?line-(\d+)\)">(.*?)</text>',
    re.S,
)
CELL = 12.2  # the exporter's cell width in SVG units


def svg_lines(svg: str) -> list[str]:
    """Each screen line's characters (styles and colours dropped), placed by column."""
    pieces: dict[int, list[tuple[float, str]]] = {}
    for match in _TEXT.finditer(svg):
        text = html.unescape(match.group(3)).replace("\xa0", " ").rstrip("\n")
        pieces.setdefault(int(match.group(2)), []).append((float(match.group(1)), text))
    lines = []
    for row in range(max(pieces, default=-1) + 1):
        line = ""
        for x, text in sorted(pieces.get(row, [])):
            line = line.ljust(round(x / CELL)) + text
        lines.append(line.rstrip())
    return lines

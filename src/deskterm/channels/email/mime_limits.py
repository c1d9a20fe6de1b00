"""Parse caps (depth, part count, time) and the problem notes of one MIME parse."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

MAX_ERROR_CHARS = 1000


class _CapExceeded(Exception):
    """A depth, part-count or time cap was hit; what was parsed so far is kept."""


def parse_clock() -> float:
    """The clock of the parse's time limit: the parsing thread's own CPU seconds, so that
    a busy machine (a sync beside an import, a loaded server) does not turn a message
    that parses in a second into a partial one; only the message's own cost counts."""
    return time.thread_time()


@dataclass(slots=True)
class _Budget:
    """The caps of one parse, checked while the tree is built and while it is walked."""

    max_depth: int
    max_parts: int
    deadline: float  # on parse_clock()
    parts: int = 0

    def check_time(self) -> None:
        if parse_clock() > self.deadline:
            raise _CapExceeded("time limit exceeded")

    def count_part(self) -> None:
        self.parts += 1
        if self.parts > self.max_parts:
            raise _CapExceeded(f"more than {self.max_parts} MIME parts")
        if self.parts > 1:  # the root always gets its headers read, however late it is
            self.check_time()

    def check_depth(self, depth: int) -> None:
        if depth > self.max_depth:
            raise _CapExceeded(f"MIME nesting deeper than {self.max_depth}")


@dataclass(slots=True)
class _Notes:
    """Problems met while parsing; any note makes the result PARTIAL."""

    items: list[str] = field(default_factory=list)

    def add(self, note: str) -> None:
        if note not in self.items:
            self.items.append(note)

    def text(self) -> str:
        joined = "; ".join(self.items)
        return joined if len(joined) <= MAX_ERROR_CHARS else joined[: MAX_ERROR_CHARS - 1] + "…"

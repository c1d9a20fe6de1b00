"""Per-channel results of a sync pass, as printed by ``deskterm sync --once``."""

from __future__ import annotations

from dataclasses import dataclass, field

from deskterm.domain.redact import redact
from deskterm.sync.batch import BatchTotals


@dataclass
class ChannelSummary(BatchTotals):
    """What one pass did for one channel; ``problems`` are plain-words failures."""

    channel: str = ""
    sent: int = 0
    send_failed: int = 0
    skipped: str = ""  # why this channel was not synced at all (not a failure)
    note: str = ""  # what a non-message source did (a shop's order refresh), one line
    problems: list[str] = field(default_factory=list)
    blocked: str = ""  # why queued replies cannot be sent at all (also among ``problems``)

    @property
    def ok(self) -> bool:
        """True when nothing failed on this channel."""
        return not self.problems and not self.failed

    def line(self) -> str:
        """One human line for the summary (secrets masked: it is printed and logged)."""
        return redact(self._line())

    def _line(self) -> str:
        if self.skipped:
            return f"{self.channel}: skipped — {self.skipped}"
        if self.note:
            return "\n  error: ".join([f"{self.channel}: {self.note}", *self.problems])
        text = (
            f"{self.channel}: {self.imported} new messages, {self.tickets_created} tickets created,"
            f" {self.tickets_updated} updated, {self.sent} replies sent"
        )
        if self.unparsed:
            text += f", {self.unparsed} stored raw with parse problems"
        if self.stored_raw:
            text += f" ({self.stored_raw} stored raw after failing twice)"
        if self.send_failed:
            text += f", {self.send_failed} replies failed"
        if self.failed:
            text += f", {self.failed} messages could not be stored"
        for problem in self.problems:
            text += f"\n  error: {problem}"
        return text

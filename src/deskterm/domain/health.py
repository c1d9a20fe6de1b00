"""One ``doctor`` check's outcome: a status, what was checked, and one line of detail."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """How a check went; only FAIL counts as a problem (and sets exit code 1)."""

    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"
    SKIP = "skip"


@dataclass(frozen=True)
class CheckResult:
    """``what`` names the thing checked (``support: imap``); ``detail`` says how it went."""

    status: Status
    what: str
    detail: str = ""

    def __post_init__(self) -> None:
        # Errors from lower layers start with the name of what failed ("support: ...",
        # 'channels[0] "support".password: ...'); shown after ``what`` that name would
        # appear twice.
        for prefix in (self.what, self.what.split(": ", 1)[0]):
            if prefix and self.detail.startswith(prefix + ": "):
                object.__setattr__(self, "detail", self.detail[len(prefix) + 2 :])
                break

    @property
    def line(self) -> str:
        """The report line: ``FAIL  support: imap: 127.0.0.1:1143: connection refused``."""
        return f"{self.status.value:<4}  {self.what}" + (f": {self.detail}" if self.detail else "")


def ok(what: str, detail: str = "") -> CheckResult:
    """A check that passed."""
    return CheckResult(Status.OK, what, detail)


def warn(what: str, detail: str) -> CheckResult:
    """Something worth fixing that does not stop deskterm working."""
    return CheckResult(Status.WARN, what, detail)


def fail(what: str, detail: str) -> CheckResult:
    """A problem: deskterm will not work as configured until it is fixed."""
    return CheckResult(Status.FAIL, what, detail)


def skip(what: str, detail: str) -> CheckResult:
    """A check that could not run because an earlier one failed (counted there)."""
    return CheckResult(Status.SKIP, what, detail)

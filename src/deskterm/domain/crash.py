"""Crash points for the kill-at-every-step tests; inert unless ``DESKTERM_CRASH_AT`` names one.

Here, below every layer, so that services (the rule runner) and sync share one switch;
``deskterm.sync.faults`` lists the points and re-exports these names.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "DESKTERM_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here, without any cleanup, when the environment asks for it."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)

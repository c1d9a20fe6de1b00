"""Who an assign prompt means: ``me``, ``none``, an email, or a known agent's name."""

from __future__ import annotations

import re
from collections.abc import Sequence

from deskterm.domain.errors import UsageError

NOBODY = frozenset({"none", "nobody", "unassigned", "-"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SHOWN_AGENTS = 5  # an error lists at most this many agents by name


def resolve_assignee(
    text: str, *, me_email: str, me_name: str = "", agents: Sequence[tuple[str, str]] = ()
) -> tuple[str | None, str]:
    """``(email, name to show)`` of the agent ``text`` names; ``(None, "nobody")`` to
    unassign. ``agents`` are the known ``(name, email)`` pairs: a name (or the part of an
    email before the @) picks one of them; an unknown email is a new agent, made on first
    use. UsageError in one line for anything else."""
    word = text.strip()
    low = word.casefold()
    if not word:
        raise UsageError("give an email, me or none")
    if low == "me":
        return me_email.lower(), me_name or me_email.partition("@")[0]
    if low in NOBODY:
        return None, "nobody"
    names = {email.lower(): name for name, email in agents}
    if "@" in word:
        if not _EMAIL.match(word):
            raise UsageError(f"not an email address: {word!r}")
        return low, names.get(low) or low
    found = {
        email.lower(): name
        for name, email in agents
        if name.casefold() == low or email.partition("@")[0].casefold() == low
    }
    if len(found) == 1:
        email, name = next(iter(found.items()))
        return email, name or email
    if found:
        raise UsageError(f"{word!r} could be {', '.join(sorted(found))}: give the email")
    known = sorted({name or email for name, email in agents}, key=str.casefold)
    listed = ", ".join(known[:_SHOWN_AGENTS]) + (", …" if len(known) > _SHOWN_AGENTS else "")
    also = f" (agents: {listed})" if known else ""
    raise UsageError(f"no agent called {word!r}: give an email, me or none{also}")

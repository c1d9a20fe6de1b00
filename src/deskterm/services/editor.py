"""Composing in the agent's own editor ($VISUAL/$EDITOR): the text above a marker comes back."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from deskterm.domain.errors import UsageError
from deskterm.domain.text import terminal_safe

EDITOR_MARKER = "-- write your reply above this line; everything below is ignored --"


def editor_command() -> str:
    """The agent's editor: $VISUAL, then $EDITOR, then vi (what mutt and git do)."""
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"


def quote_last_inbound(ticket: dict[str, Any]) -> str:
    """The customer's last message as ``> `` lines, for context below the marker."""
    inbound = [m for m in ticket["messages"] if m["direction"] == "in"]
    if not inbound:
        return ""
    last = inbound[-1]
    lines = terminal_safe(last["body_text"]).splitlines()
    return f"{last['author'] or last['author_handle']} wrote:\n" + "\n".join(
        f"> {line}" for line in lines
    )


def edit_text(text: str, *, context: str = "", name: str = "reply.txt") -> str:
    """Open ``text`` (with ``context`` below the marker) in the editor; return what is above it.

    Raises UsageError in one line when the editor cannot run or exits non-zero, so the
    caller keeps the text it had (nothing is lost).
    """
    editor = editor_command()
    with tempfile.TemporaryDirectory(prefix="deskterm-") as tmp:
        path = Path(tmp) / name
        path.write_text(f"{text}\n\n{EDITOR_MARKER}\n{context}\n", encoding="utf-8")
        try:
            status = subprocess.run([*shlex.split(editor), str(path)], check=False).returncode
        except OSError as exc:
            raise UsageError(f"cannot run editor {editor!r}: {exc.strerror or exc}") from exc
        if status != 0:
            raise UsageError(
                f"editor {editor!r} exited with status {status}; nothing taken from it"
            )
        edited = path.read_text(encoding="utf-8").split(EDITOR_MARKER, 1)[0]
    return edited.strip("\n") + "\n" if edited.strip() else ""

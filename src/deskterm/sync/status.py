"""Per-channel sync state in a small JSON file beside the store, for every TUI to show."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deskterm.domain.redact import redact
from deskterm.paths import SYNC_STATUS_FILE_NAME, ensure_dir

STATUS_FILE = SYNC_STATUS_FILE_NAME


def status_path(data_dir: Path) -> Path:
    """Where the syncing process writes its channels' states."""
    return data_dir / STATUS_FILE


def write_status(data_dir: Path, channels: dict[str, dict[str, Any]]) -> None:
    """Replace the file atomically (a reader never sees half of it); 0600 like the store.

    Error texts are masked once more: they may quote any exception, and every TUI on the
    store shows them.
    """
    safe = {name: _masked(state) for name, state in channels.items()}
    data = {"pid": os.getpid(), "updated_at": datetime.now(UTC).isoformat(), "channels": safe}
    ensure_dir(data_dir)
    # mkstemp creates the file 0600 whatever the umask; os.replace keeps that mode.
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".sync-status-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, status_path(data_dir))
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def _masked(state: dict[str, Any]) -> dict[str, Any]:
    return {key: redact(value) if isinstance(value, str) else value for key, value in state.items()}


def read_status(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The channels' last states ({} when no sync ever ran or the file is unreadable)."""
    try:
        data = json.loads(status_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    channels = data.get("channels") if isinstance(data, dict) else None
    return channels if isinstance(channels, dict) else {}


def status_line(channels: dict[str, dict[str, Any]], now: datetime | None = None) -> str:
    """One short line: ``support ✓ 2m ago · shopee ✗ access token rejected``."""
    from deskterm.domain.timefmt import compact_age

    parts = []
    for name, state in sorted(channels.items()):
        if state.get("ok"):
            parts.append(f"{name} ✓ {compact_age(state.get('at'), now)}")
        else:
            parts.append(f"{name} ✗ {state.get('error') or 'not synced'}")
    return " · ".join(parts)

"""Read-only commands import only what they need (issue 18 item 3): measured with
``python -X importtime`` on the real command line, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tui.conftest import sample_config, sample_template  # noqa: F401  (fixtures)

READ_COMMANDS = [
    ["tickets", "--json"],
    ["tickets", "--view", "All"],
    ["search", "grinder", "--json"],
    ["show", "1", "--json"],
    ["show", "1"],
    ["views", "--json"],
    ["stats", "--json"],
    ["stats", "--by", "day"],
]
NEVER = ("sqlalchemy", "sqlmodel", "httpx", "textual", "rich", "numpy", "babel")
"""What no read command may import on a SQLite store: the store's ORM, the network
clients, the TUI, the classifier's arrays, Babel's locale data."""


def imported(config: Path, argv: list[str]) -> set[str]:
    """The top-level packages ``deskterm --config CONFIG ARGV`` imported (and it ran)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "deskterm", "--config", str(config), *argv],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("argv", READ_COMMANDS, ids=" ".join)
def test_a_read_command_imports_no_orm_network_or_tui(
    sample_config: Path,  # noqa: F811
    argv: list[str],
) -> None:
    cold = imported(sample_config, argv)  # the first run after the config was written
    warm = imported(sample_config, argv)
    for names in (cold, warm):
        assert sorted(roots(names) & set(NEVER)) == []
    # From the second run on, the config's values come from the cache: no pydantic model
    # is built, nor is the config package's validation loaded.
    assert "pydantic" not in roots(warm), sorted(n for n in warm if n.startswith("deskterm"))
    assert "deskterm.config.model" not in warm
    assert "pydantic" in roots(cold)  # (the first run validated the whole file)


def test_a_command_that_writes_still_validates_the_whole_config(
    sample_config: Path,  # noqa: F811
) -> None:
    imported(sample_config, ["tickets"])  # warm the cache
    names = imported(sample_config, ["tag", "1", "checked"])
    assert "deskterm.config.model" in names

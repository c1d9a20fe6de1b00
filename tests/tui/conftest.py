"""TUI fixtures: a store filled from the sample mailbox, and the app on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deskterm.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sample_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The sample config with the sample mailbox imported into a temp store."""
    config = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    assert (
        main(["--config", str(config), "import", "mbox", str(REPO / "samples" / "support.mbox")])
        == 0
    )
    capsys.readouterr()
    return config


def store_url(config: Path) -> str:
    """The SQLite URL of a sample config's store."""
    return f"sqlite:///{config.parent / '.sample-store' / 'deskterm.db'}"


def import_macros(config: Path) -> None:
    """The sample macros into a config's store."""
    args = ["--config", str(config), "macros", "import", str(REPO / "samples" / "macros.toml")]
    assert main(args) == 0

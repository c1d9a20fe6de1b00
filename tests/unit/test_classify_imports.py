"""The classifier stays out of the TUI's cold start and the CLI's read commands (issue 12)."""

from __future__ import annotations

import subprocess
import sys


def _imported(code: str) -> set[str]:
    """Module names a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    return set(out.split())


def test_tui_and_sync_modules_do_not_load_the_model_libraries() -> None:
    loaded = _imported("import deskterm.tui.app, deskterm.sync.runner, deskterm.sync.batch")
    assert "numpy" not in loaded
    assert "pycld2" not in loaded
    assert "deskterm.automation.classify.model" not in loaded


def test_the_cli_parser_does_not_load_the_model_libraries() -> None:
    loaded = _imported("import deskterm.cli; deskterm.cli.build_parser()")
    assert "numpy" not in loaded and "pycld2" not in loaded

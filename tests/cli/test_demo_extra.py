"""`deskterm demo` without the demo extra: one line naming what to install, nothing started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
# Installed at interpreter start (sitecustomize): makes one module look uninstalled.
BLOCKER = """\
import sys

class _Uninstalled:
    def find_spec(self, name, path=None, target=None):
        if name == {name!r} or name.startswith({name!r} + "."):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, _Uninstalled())
"""


@pytest.mark.parametrize("missing", ["graphql", "aiosmtpd", "pymap"])
def test_demo_without_the_extra_names_it_in_one_line(tmp_path: Path, missing: str) -> None:
    """issue 9 finding 17: without the demo extra, `deskterm demo` ended in a traceback
    (`ModuleNotFoundError: graphql`); now one line says what to install, exit 2, and no
    server or data folder is created."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(BLOCKER.format(name=missing))
    data = tmp_path / "demo"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(hook), str(SRC)]),
        "DESKTERM_CONFIG_DIR": str(tmp_path / "config"),
        "DESKTERM_DATA_DIR": str(tmp_path / "data"),
        "DESKTERM_LOG_DIR": str(tmp_path / "log"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "deskterm", "demo", "--no-tui", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.stderr == (
        f"deskterm: deskterm demo needs the demo extra ({missing} is not installed):"
        " pip install 'deskterm[demo]'\n"
    )
    assert proc.returncode == 2
    assert not data.exists()

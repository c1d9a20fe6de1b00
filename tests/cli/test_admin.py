"""doctor, config check and secret set, run as a user would (subprocess, real exit codes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def deskterm(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        check=False,
        timeout=60,
    )


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port on loopback that accepts connections (stands in for IMAP/SMTP)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def write_config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[store]
path = "store/deskterm.db"

[[channels]]
name = "support"
type = "email"
address = "support@shop.test"
imap = {{ host = "127.0.0.1", port = {port}, security = "none", username = "support@shop.test" }}
smtp = {{ host = "127.0.0.1", port = {port}, security = "none", username = "support@shop.test" }}
password = {{ env = "DESKTERM_TEST_PASSWORD" }}
"""
    )
    return path


def test_doctor_passes_when_everything_resolves(tmp_path: Path, listener: int) -> None:
    config = write_config(tmp_path, listener)
    env = dict(os.environ, DESKTERM_TEST_PASSWORD="hunter2-secret")
    proc = deskterm("--config", str(config), "doctor", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all checks passed" in proc.stdout
    assert "env:DESKTERM_TEST_PASSWORD" in proc.stdout
    assert "hunter2-secret" not in proc.stdout + proc.stderr


def test_doctor_reports_each_failure_and_exits_1(tmp_path: Path, listener: int) -> None:
    config = write_config(tmp_path, listener)
    env = {k: v for k, v in os.environ.items() if k != "DESKTERM_TEST_PASSWORD"}
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
    config.write_text(
        config.read_text().replace(
            f"port = {listener}, security", f"port = {dead_port}, security", 1
        )
    )
    proc = deskterm("--config", str(config), "doctor", env=env)
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "DESKTERM_TEST_PASSWORD" in proc.stdout
    assert f"cannot connect to 127.0.0.1:{dead_port}" in proc.stdout
    assert "2 problem(s) found" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_config_check(tmp_path: Path, listener: int) -> None:
    config = write_config(tmp_path, listener)
    proc = deskterm("--config", str(config), "config", "check")
    assert proc.returncode == 0 and "1 channel(s)" in proc.stdout and str(config) in proc.stdout
    config.write_text("[store\n")
    proc = deskterm("--config", str(config), "config", "check")
    assert proc.returncode == 2 and f"{config}:1:" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_secret_set_then_used_by_a_channel(tmp_path: Path, listener: int) -> None:
    env = dict(
        os.environ,
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
    )
    proc = deskterm("secret", "set", "support", env=env, stdin="s3cret-value\n")
    assert proc.returncode == 0, proc.stderr
    assert "s3cret-value" not in proc.stdout + proc.stderr
    config = write_config(tmp_path, listener)
    config.write_text(
        config.read_text().replace('{ env = "DESKTERM_TEST_PASSWORD" }', '{ keyring = "support" }')
    )
    proc = deskterm("--config", str(config), "doctor", env=env)
    assert proc.returncode == 0, proc.stdout
    assert "keyring:support" in proc.stdout


def test_secret_set_without_backend_says_what_to_do(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    proc = deskterm("secret", "set", "support", env=env, stdin="x\n")
    assert proc.returncode == 2
    assert "no keyring backend" in proc.stderr and "Traceback" not in proc.stderr

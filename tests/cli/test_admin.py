"""doctor, config check and secret set, run as a user would (subprocess, real exit codes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.imap_servers import PASSWORD, USERNAME, PymapServer
from tests.servers.smtp_servers import SmtpServer


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


def write_config(tmp_path: Path, port: int, smtp_port: int | None = None) -> Path:
    path = tmp_path / "config.toml"
    smtp_port = smtp_port or port
    path.write_text(
        f"""
[store]
path = "store/deskterm.db"

[[channels]]
name = "support"
type = "email"
address = "{USERNAME}"
imap = {{ host = "127.0.0.1", port = {port}, security = "none", username = "{USERNAME}" }}
smtp = {{ host = "127.0.0.1", port = {smtp_port}, security = "none", username = "{USERNAME}" }}
password = {{ env = "DESKTERM_TEST_PASSWORD" }}
"""
    )
    return path


# A silent TCP listener used to stand in for both servers here, and doctor passed: it only
# connected. doctor now logs in (issue 9 finding 15), so these tests meet real servers.


def test_doctor_passes_when_everything_resolves(
    tmp_path: Path, imap: PymapServer, smtp: SmtpServer
) -> None:
    config = write_config(tmp_path, imap.port, smtp.port)
    env = dict(os.environ, DESKTERM_TEST_PASSWORD=PASSWORD)
    proc = deskterm("--config", str(config), "doctor", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all checks passed" in proc.stdout
    assert "env:DESKTERM_TEST_PASSWORD" in proc.stdout
    assert PASSWORD not in proc.stdout + proc.stderr


def test_doctor_reports_each_failure_and_exits_1(
    tmp_path: Path, imap: PymapServer, smtp: SmtpServer
) -> None:
    config = write_config(tmp_path, imap.port, smtp.port)
    env = {k: v for k, v in os.environ.items() if k != "DESKTERM_TEST_PASSWORD"}
    env["DESKTERM_TEST_SALES_PASSWORD"] = PASSWORD
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
    # A second channel whose secret resolves but whose IMAP server is down.
    sales = config.read_text().split("[[channels]]")[1]
    sales = sales.replace('"support"', '"sales"', 1).replace(
        "DESKTERM_TEST_PASSWORD", "DESKTERM_TEST_SALES_PASSWORD"
    )
    sales = sales.replace(f"port = {imap.port}, security", f"port = {dead_port}, security", 1)
    config.write_text(config.read_text() + "[[channels]]" + sales)
    proc = deskterm("--config", str(config), "doctor", env=env)
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "DESKTERM_TEST_PASSWORD" in proc.stdout
    assert f"127.0.0.1:{dead_port}: connection refused" in proc.stdout
    assert "ok    sales: smtp" in proc.stdout
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


def test_secret_set_then_used_by_a_channel(
    tmp_path: Path, imap: PymapServer, smtp: SmtpServer
) -> None:
    env = dict(
        os.environ,
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
    )
    proc = deskterm("secret", "set", "support", env=env, stdin=PASSWORD + "\n")
    assert proc.returncode == 0, proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr
    config = write_config(tmp_path, imap.port, smtp.port)
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

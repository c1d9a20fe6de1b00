"""``deskterm doctor`` against real servers: it logs in, fails fast, never says ok for nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from deskterm.cli import main
from tests.servers.imap_servers import PASSWORD, USERNAME, PymapServer, free_port
from tests.servers.openai_fake import MODEL, OpenAiFake
from tests.servers.smtp_servers import SmtpServer

PASSWORD_ENV = "DESKTERM_TEST_DOCTOR_PASSWORD"
HANG_GUARD = 5.0  # seconds: catches retries with back-off (21 s before the fix), not a benchmark


def email_channel(
    imap_port: int, smtp_port: int, *, host: str = "127.0.0.1", folders: str = '["INBOX"]'
) -> str:
    return f"""
[[channels]]
name = "support"
type = "email"
address = "{USERNAME}"
password = {{ env = "{PASSWORD_ENV}" }}
[channels.imap]
host = "{host}"
port = {imap_port}
security = "none"
username = "{USERNAME}"
folders = {folders}
sent_folder = "Sent"
[channels.smtp]
host = "{host}"
port = {smtp_port}
security = "none"
username = "{USERNAME}"
"""


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[store]\npath = "store/deskterm.db"\n' + body)
    return path


def doctor(
    config: Path | None, password: str | None, *, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in (PASSWORD_ENV, "DESKTERM_CONFIG")}
    if password is not None:
        environ[PASSWORD_ENV] = password
    environ.update(env or {})
    args = ["--config", str(config)] if config is not None else []
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args, "doctor"],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
        timeout=120,
    )


def line_of(output: str, start: str) -> str:
    found = [line for line in output.splitlines() if line.startswith(start)]
    assert len(found) == 1, output
    return found[0]


def test_wrong_password_fails_both_logins_naming_the_channel(
    tmp_path: Path, imap: PymapServer, smtp: SmtpServer
) -> None:
    """issue 9 finding 15: doctor only opened a TCP connection, so a wrong password passed."""
    config = write_config(tmp_path, email_channel(imap.port, smtp.port))
    proc = doctor(config, "not-the-password")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    imap_line = line_of(proc.stdout, "FAIL  support: imap")
    assert "login failed" in imap_line and USERNAME in imap_line
    smtp_line = line_of(proc.stdout, "FAIL  support: smtp")
    assert "login rejected" in smtp_line and "535" in smtp_line
    assert "not-the-password" not in proc.stdout + proc.stderr
    assert "2 problem(s) found" in proc.stdout
    assert smtp.messages == []  # a check never sends mail


def test_right_password_logs_in_and_opens_the_folders(
    tmp_path: Path, imap: PymapServer, smtp: SmtpServer
) -> None:
    """issue 9 finding 15: ok only after a real IMAP LOGIN + EXAMINE and SMTP AUTH."""
    config = write_config(tmp_path, email_channel(imap.port, smtp.port))
    proc = doctor(config, PASSWORD)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    imap_line = line_of(proc.stdout, "ok    support: imap")
    assert f"logged in to 127.0.0.1:{imap.port} as {USERNAME}" in imap_line
    assert "INBOX (0 messages), Sent" in imap_line
    assert "ok    support: smtp" in proc.stdout
    assert proc.stdout.rstrip().endswith("all checks passed")
    assert PASSWORD not in proc.stdout + proc.stderr
    assert smtp.messages == []


def test_a_folder_the_server_lacks_fails(
    tmp_path: Path, imap: PymapServer, smtp: SmtpServer
) -> None:
    """issue 9 finding 15: a configured folder sync cannot open is a failure, named."""
    body = email_channel(imap.port, smtp.port, folders='["INBOX", "Support Queue"]')
    proc = doctor(write_config(tmp_path, body), PASSWORD)
    assert proc.returncode == 1
    assert "Support Queue" in line_of(proc.stdout, "FAIL  support: imap")


def chat_and_shop(port: int) -> str:
    url = f"http://127.0.0.1:{port}"
    return f"""
[[channels]]
name = "tokopedia"
type = "tiktokshop"
base_url = "{url}"
auth_url = "{url}"
app_key = "key"
app_secret = {{ env = "{PASSWORD_ENV}" }}
access_token = {{ env = "{PASSWORD_ENV}" }}
shop_cipher = "cipher"

[[channels]]
name = "shopee-id"
type = "shopee"
base_url = "{url}"
partner_id = 1
partner_key = {{ env = "{PASSWORD_ENV}" }}
shop_id = 2
access_token = {{ env = "{PASSWORD_ENV}" }}
refresh_token = {{ env = "{PASSWORD_ENV}" }}

[[channels]]
name = "lazada-id"
type = "lazada"
base_url = "{url}"
auth_url = "{url}"
app_key = "key"
app_secret = {{ env = "{PASSWORD_ENV}" }}
access_token = {{ env = "{PASSWORD_ENV}" }}

[[stores]]
name = "main"
shop_url = "{url}"
access_token = {{ env = "{PASSWORD_ENV}" }}
"""


def test_closed_ports_on_loopback_fail_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 15: "connection refused" on loopback took 21 s (retries with back-off)."""
    dead = free_port()
    body = email_channel(dead, dead, host="localhost") + chat_and_shop(dead)
    config = write_config(tmp_path, body)
    monkeypatch.setenv(PASSWORD_ENV, "secret")
    started = time.monotonic()
    code = main(["--config", str(config), "doctor"])
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 1
    assert elapsed < HANG_GUARD, f"doctor took {elapsed:.1f} s:\n{out}"
    assert f"localhost:{dead}: connection refused" in line_of(out, "FAIL  support: imap")
    assert "connection refused" in line_of(out, "FAIL  support: smtp").lower()
    for name in ("tokopedia", "shopee-id", "lazada-id", "main"):
        assert "connection refused" in line_of(out, f"FAIL  {name}: ").lower()
    assert "6 problem(s) found" in out


class _Unavailable(BaseHTTPRequestHandler):
    """Answers every request with 503, as a platform in maintenance does; counts them."""

    seen: ClassVar[Counter[int]] = Counter()
    lock: ClassVar[threading.Lock] = threading.Lock()

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        with self.lock:
            self.seen[self.server.server_address[1]] += 1  # type: ignore[index]
        self.send_response(503)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


def test_each_api_check_is_one_request_without_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 9 finding 15: doctor retried each failing call with back-off (the 21 s wait)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        config = write_config(tmp_path, chat_and_shop(port))
        monkeypatch.setenv(PASSWORD_ENV, "secret")
        assert main(["--config", str(config), "doctor"]) == 1
    finally:
        server.shutdown()
        server.server_close()
    out = capsys.readouterr().out
    assert _Unavailable.seen[port] == 4, out  # one request per channel and shop
    for name in ("tokopedia", "shopee-id", "lazada-id", "main"):
        assert "503" in line_of(out, f"FAIL  {name}: ")


def test_no_config_file_is_not_a_pass(tmp_path: Path) -> None:
    """issue 9 finding 15: with no config at all doctor said "all checks passed"."""
    env = {"DESKTERM_CONFIG_DIR": str(tmp_path / "nothing-here")}
    proc = doctor(None, None, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    config_line = line_of(proc.stdout, "FAIL  config")
    assert "no config file" in config_line and "nothing-here" in config_line
    assert "all checks passed" not in proc.stdout


def test_each_message_names_its_key_once(tmp_path: Path) -> None:
    """issue 9 finding 15: 'channels[0] "support".password: channels[0] "support".password: …'."""
    dead = free_port()
    config = write_config(tmp_path, email_channel(dead, dead) + chat_and_shop(dead))
    proc = doctor(config, None)
    assert proc.returncode == 1
    key = 'channels[0] "support".password'
    assert key in line_of(proc.stdout, f"FAIL  {key}")
    for line in proc.stdout.splitlines()[:-1]:
        segments = line.split(": ")
        name = segments[0].split(maxsplit=1)[1]
        assert name not in segments[1:], line
    # Without the secrets there is nothing to log in with: skipped, not counted again.
    assert "password not available" in line_of(proc.stdout, "skip  support: imap")
    assert "9 problem(s) found" in proc.stdout


LLM_KEY_ENV = "DESKTERM_TEST_DOCTOR_LLM_KEY"


def classify_llm(url: str, model: str = MODEL) -> str:
    return f"""
[classify]
backend = "llm"
[classify.llm]
url = "{url}"
model = "{model}"
timeout_seconds = 2
api_key = {{ env = "{LLM_KEY_ENV}" }}
"""


@pytest.mark.slow
def test_the_llm_backend_server_is_checked(tmp_path: Path) -> None:
    """issue 12 item 4: one line saying whether the configured LLM server answers."""
    fake = OpenAiFake()
    with fake.serve() as base:
        config = write_config(tmp_path, classify_llm(f"{base}/v1"))
        proc = doctor(config, None, env={LLM_KEY_ENV: "tok-123"})
        assert "ok    classify.llm.api_key" in proc.stdout, proc.stdout
        line = line_of(proc.stdout, "ok    classify: llm")
        assert MODEL in line and base in line
        assert fake.calls["/v1/models"] == 1
        assert fake.requests[-1].headers["authorization"] == "Bearer tok-123"
        # Not the model asked for: worth fixing, not a problem (labels fall back).
        config = write_config(tmp_path, classify_llm(f"{base}/v1", "other:7b"))
        proc = doctor(config, None, env={LLM_KEY_ENV: "tok-123"})
        assert "does not list 'other:7b'" in line_of(proc.stdout, "warn  classify: llm")
    dead = free_port()
    config = write_config(tmp_path, classify_llm(f"http://127.0.0.1:{dead}/v1"))
    proc = doctor(config, None, env={LLM_KEY_ENV: "tok-123"})
    assert "built-in labels" in line_of(proc.stdout, "warn  classify: llm")
    assert "tok-123" not in proc.stdout + proc.stderr
    # Its key missing: counted once above, the server check skipped.
    proc = doctor(config, None)
    assert "FAIL  classify.llm.api_key" in proc.stdout
    assert "not available" in line_of(proc.stdout, "skip  classify: llm")

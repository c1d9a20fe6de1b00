"""Tests for deskterm.secrets: resolution, timeouts, missing backends, and no leaks."""

from __future__ import annotations

import os
import pickle
import shlex
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyrings.alt.file import PlaintextKeyring
from pydantic import BaseModel, TypeAdapter, ValidationError

from deskterm.domain.errors import SecretError
from deskterm.secrets import (
    CommandSecret,
    EnvSecret,
    KeyringSecret,
    Redacted,
    SecretRef,
    delete_keyring_secret,
    describe,
    resolve_secret,
    set_keyring_secret,
)

SRC = Path(__file__).resolve().parents[2] / "src"
WHAT = 'channels[0] "support".password'
SECRET = "s3cret-value-never-shown"
PY = shlex.quote(sys.executable)
# Python source that evaluates to SECRET without containing it, so that finding
# SECRET in an error proves the command's OUTPUT leaked, not its command line.
SECRET_EXPR = "'s3cret-value-' + 'never-shown'"


def py_command(code: str) -> CommandSecret:
    """A command secret that runs ``code`` with this interpreter (portable, no shell)."""
    return CommandSecret(command=f"{PY} -c {shlex.quote(code)}")


def exception_texts(exc: BaseException) -> str:
    """Everything an exception (and its chain) would show in a message or traceback."""
    texts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        texts.append(str(seen))
        texts.extend(repr(arg) for arg in seen.args)
        texts.extend(repr(value) for value in vars(seen).values())
        seen = seen.__cause__ or seen.__context__
    return "\n".join(texts)


# --- the reference models ---------------------------------------------------------------

REF = TypeAdapter(SecretRef)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"keyring": "support"}, KeyringSecret(keyring="support")),
        ({"command": "pass show x"}, CommandSecret(command="pass show x")),
        ({"env": "SUPPORT_PASSWORD"}, EnvSecret(env="SUPPORT_PASSWORD")),
    ],
)
def test_secret_ref_accepts_each_kind(data: dict[str, str], expected: BaseModel) -> None:
    assert REF.validate_python(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        {"keyring": "x", "env": "y"},
        {},
        {"file": "x"},
        {"keyring": ""},
        {"keyring": 5},
        SECRET,
        ["keyring", "x"],
    ],
)
def test_secret_ref_rejects_bad_shapes_without_echo(data: Any) -> None:
    with pytest.raises(ValidationError) as info:
        REF.validate_python(data)
    assert SECRET not in str(info.value.errors(include_input=False))
    assert "a secret is one of" in str(info.value) or "non-empty string" in str(info.value)


def test_models_forbid_extra_keys() -> None:
    with pytest.raises(ValidationError):
        KeyringSecret.model_validate({"keyring": "x", "env": "y"})
    with pytest.raises(ValidationError):
        EnvSecret.model_validate({"env": "x", "command": "y"})


def test_describe_is_safe() -> None:
    assert describe(KeyringSecret(keyring="support")) == "keyring:support"
    assert describe(EnvSecret(env="SUPPORT_PASSWORD")) == "env:SUPPORT_PASSWORD"
    assert describe(CommandSecret(command="pass show mail/support")) == "command:pass"
    assert describe(CommandSecret(command="/usr/bin/gpg -d --passphrase x f")) == "command:gpg"


def test_redacted_never_shows_value() -> None:
    held = Redacted(SECRET)
    assert SECRET not in repr(held)
    assert SECRET not in str(held)
    assert SECRET not in f"{held} {[held]}"
    assert held.reveal() == SECRET
    with pytest.raises(TypeError):
        pickle.dumps(held)


# --- env ---------------------------------------------------------------------------------


def test_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKTERM_TEST_PW", SECRET)
    assert resolve_secret(EnvSecret(env="DESKTERM_TEST_PW"), what=WHAT) == SECRET


def test_env_secret_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESKTERM_TEST_PW", raising=False)
    with pytest.raises(SecretError) as info:
        resolve_secret(EnvSecret(env="DESKTERM_TEST_PW"), what=WHAT)
    assert str(info.value) == f"{WHAT}: environment variable DESKTERM_TEST_PW is not set"


def test_env_secret_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKTERM_TEST_PW", "")
    with pytest.raises(SecretError) as info:
        resolve_secret(EnvSecret(env="DESKTERM_TEST_PW"), what=WHAT)
    assert str(info.value) == f"{WHAT}: environment variable DESKTERM_TEST_PW is empty"


# --- command -----------------------------------------------------------------------------


def test_command_secret_first_line_only() -> None:
    ref = py_command(f"print({SECRET_EXPR}); print('second line')")
    assert resolve_secret(ref, what=WHAT) == SECRET


def test_command_secret_keeps_spaces_strips_crlf() -> None:
    ref = py_command("import sys; sys.stdout.buffer.write(b' pa ss \\r\\nmore')")
    assert resolve_secret(ref, what=WHAT) == " pa ss "


def test_command_secret_runs_without_shell() -> None:
    ref = CommandSecret(
        command=f"{PY} -c 'import sys; print(sys.argv[1])' '$HOME;echo'",
    )
    assert resolve_secret(ref, what=WHAT) == "$HOME;echo"


def test_command_failure_shows_exit_code_and_stderr_not_stdout() -> None:
    ref = py_command(
        f"import sys; print({SECRET_EXPR}); "
        "print('gpg: decryption failed: No secret key', file=sys.stderr); "
        "print('second stderr line', file=sys.stderr); sys.exit(3)"
    )
    with pytest.raises(SecretError) as info:
        resolve_secret(ref, what=WHAT)
    program = Path(sys.executable).name
    assert str(info.value) == (
        f"{WHAT}: command `{program}` failed with exit code 3: "
        "gpg: decryption failed: No secret key"
    )
    assert SECRET not in exception_texts(info.value)


def test_command_failure_masks_stdout_echoed_on_stderr() -> None:
    ref = py_command(
        f"import sys; print({SECRET_EXPR}); "
        f"print('bad: ' + {SECRET_EXPR}, file=sys.stderr); sys.exit(1)"
    )
    with pytest.raises(SecretError) as info:
        resolve_secret(ref, what=WHAT)
    assert "bad: ********" in str(info.value)
    assert SECRET not in exception_texts(info.value)


def test_command_failure_without_stderr() -> None:
    ref = py_command("import sys; sys.exit(2)")
    with pytest.raises(SecretError) as info:
        resolve_secret(ref, what=WHAT)
    assert str(info.value).endswith("failed with exit code 2")


def test_command_timeout() -> None:
    ref = py_command(f"import time; print({SECRET_EXPR}, flush=True); time.sleep(30)")
    started = time.monotonic()
    with pytest.raises(SecretError) as info:
        resolve_secret(ref, what=WHAT, timeout=0.5)
    assert time.monotonic() - started < 5
    assert "did not finish within 0.5 s" in str(info.value)
    assert SECRET not in exception_texts(info.value)


def test_command_not_found() -> None:
    ref = CommandSecret(command="deskterm-no-such-program --flag")
    with pytest.raises(SecretError) as info:
        resolve_secret(ref, what=WHAT)
    assert str(info.value) == f"{WHAT}: command not found: deskterm-no-such-program"


def test_command_printing_nothing() -> None:
    with pytest.raises(SecretError, match="printed nothing"):
        resolve_secret(py_command("pass"), what=WHAT)


def test_command_unparsable() -> None:
    with pytest.raises(SecretError, match="cannot parse the command"):
        resolve_secret(CommandSecret(command="pass show 'unclosed"), what=WHAT)


def test_command_stdin_is_closed() -> None:
    # A command that wants to prompt must fail at once, not wait for a keypress.
    ref = py_command("import sys; line = sys.stdin.readline(); print(line or 'eof')")
    assert resolve_secret(ref, what=WHAT, timeout=5) == "eof"


# --- keyring -----------------------------------------------------------------------------


class HangingKeyring(KeyringBackend):
    """A backend that never answers, like a locked Secret Service waiting for a prompt."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)  # "sleeps 30 s", but the test can end it early
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(30)

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait(30)


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


@pytest.fixture
def file_keyring(tmp_path: Path, restore_keyring: None) -> PlaintextKeyring:
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def hanging_keyring(restore_keyring: None) -> Iterator[HangingKeyring]:
    backend = HangingKeyring()
    keyring.set_keyring(backend)
    yield backend
    backend.release.set()


def test_keyring_roundtrip_with_file_backend(file_keyring: PlaintextKeyring) -> None:
    used = set_keyring_secret("support", SECRET)
    assert "PlaintextKeyring" in used
    assert file_keyring.file_path in used
    mode = stat.S_IMODE(os.stat(file_keyring.file_path).st_mode)
    assert mode == 0o600
    assert resolve_secret(KeyringSecret(keyring="support"), what=WHAT) == SECRET
    assert keyring.get_password("deskterm", "support") == SECRET


def test_keyring_secret_file_is_made_private(file_keyring: PlaintextKeyring) -> None:
    set_keyring_secret("a", "one")
    os.chmod(file_keyring.file_path, 0o644)
    set_keyring_secret("b", "two")
    assert stat.S_IMODE(os.stat(file_keyring.file_path).st_mode) == 0o600


def test_keyring_missing_entry(file_keyring: PlaintextKeyring) -> None:
    with pytest.raises(SecretError) as info:
        resolve_secret(KeyringSecret(keyring="support"), what=WHAT)
    assert str(info.value) == (
        f'{WHAT}: no secret named "support" in the keyring; run `deskterm secret set support`'
    )


def test_keyring_delete(file_keyring: PlaintextKeyring) -> None:
    set_keyring_secret("support", SECRET)
    assert delete_keyring_secret("support") is True
    assert delete_keyring_secret("support") is False
    with pytest.raises(SecretError, match="no secret named"):
        resolve_secret(KeyringSecret(keyring="support"), what=WHAT)


def test_set_keyring_secret_rejects_empty(file_keyring: PlaintextKeyring) -> None:
    with pytest.raises(SecretError):
        set_keyring_secret("support", "")
    with pytest.raises(SecretError):
        set_keyring_secret(" ", SECRET)


def fail_backend() -> KeyringBackend:
    return fail.Keyring()  # type: ignore[no-untyped-call]


NO_BACKEND = (
    f"{WHAT}: no keyring backend on this machine; use "
    'password = { command = "..." } or { env = "..." }, '
    "or run `deskterm secret set support` after installing keyrings.alt"
)


def test_no_backend_gives_advice(restore_keyring: None) -> None:
    keyring.set_keyring(fail_backend())
    with pytest.raises(SecretError) as info:
        resolve_secret(KeyringSecret(keyring="support"), what=WHAT)
    assert str(info.value) == NO_BACKEND


def test_no_backend_advice_names_the_key(restore_keyring: None) -> None:
    keyring.set_keyring(fail_backend())
    with pytest.raises(SecretError) as info:
        resolve_secret(KeyringSecret(keyring="tts token"), what='channels[1] "t".access_token')
    message = str(info.value)
    assert 'use access_token = { command = "..." }' in message
    assert "`deskterm secret set 'tts token'`" in message


def test_no_backend_on_set(restore_keyring: None) -> None:
    keyring.set_keyring(fail_backend())
    with pytest.raises(SecretError) as info:
        set_keyring_secret("support", SECRET)
    assert "no keyring backend on this machine" in str(info.value)
    assert SECRET not in exception_texts(info.value)


def test_hanging_keyring_times_out(hanging_keyring: HangingKeyring) -> None:
    started = time.monotonic()
    with pytest.raises(SecretError) as info:
        resolve_secret(KeyringSecret(keyring="support"), what=WHAT, timeout=1.0)
    assert time.monotonic() - started < 5
    assert str(info.value).startswith(f"{WHAT}: the keyring did not answer within 1 s")
    assert '{ env = "..." }' in str(info.value)


def test_hanging_keyring_times_out_on_set(hanging_keyring: HangingKeyring) -> None:
    started = time.monotonic()
    with pytest.raises(SecretError, match="did not answer within 1 s"):
        set_keyring_secret("support", SECRET, timeout=1.0)
    assert time.monotonic() - started < 5


class ExplodingKeyring(KeyringBackend):
    """A backend whose every call fails, one of them echoing what it was given."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("collection is locked\nsecond line")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot store {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError("nope")


def test_keyring_errors_become_secret_errors(restore_keyring: None) -> None:
    keyring.set_keyring(ExplodingKeyring())
    with pytest.raises(SecretError) as info:
        resolve_secret(KeyringSecret(keyring="support"), what=WHAT)
    assert str(info.value) == (f"{WHAT}: the keyring failed (RuntimeError: collection is locked)")


def test_backend_echoing_the_value_is_masked(restore_keyring: None) -> None:
    keyring.set_keyring(ExplodingKeyring())
    with pytest.raises(SecretError) as info:
        set_keyring_secret("support", SECRET)
    assert "cannot store ********" in str(info.value)
    assert SECRET not in str(info.value)


# --- keyring in a fresh process (what a user on a server gets) -------------------------

RESOLVE_SCRIPT = """
import sys
from deskterm.domain.errors import SecretError
from deskterm.secrets import KeyringSecret, resolve_secret
try:
    value = resolve_secret(KeyringSecret(keyring="support"), what="password", timeout=3.0)
except SecretError as exc:
    print("ERROR", exc)
else:
    print("VALUE", len(value))
"""


def headless_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "DISPLAY")
        and not key.startswith("XDG_")
    }
    # A fresh HOME: no keyringrc.cfg, no plaintext keyring file of the real user.
    env |= {"HOME": str(tmp_path), "PYTHONPATH": str(SRC)}
    env |= extra
    return env


def run_resolve(env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", RESOLVE_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return proc, time.monotonic() - started


def test_headless_machine_neither_hangs_nor_crashes(tmp_path: Path) -> None:
    proc, elapsed = run_resolve(headless_env(tmp_path))
    assert elapsed < 5
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(("VALUE ", "ERROR password: "))


def test_fail_backend_from_environment(tmp_path: Path) -> None:
    env = headless_env(tmp_path, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    proc, elapsed = run_resolve(env)
    assert elapsed < 5
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ERROR password: no keyring backend on this machine; use ")
    assert "`deskterm secret set support` after installing keyrings.alt" in proc.stdout

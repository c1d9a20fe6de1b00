"""Secret references (keyring, command, env) and their bounded, leak-free resolution."""

from __future__ import annotations

import contextlib
import os
import selectors
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from deskterm.domain.errors import SecretError
from deskterm.domain.redact import remember_secret
from deskterm.domain.text import one_line

KEYRING_SERVICE = "deskterm"
"""Service name under which every deskterm secret lives in the system keyring."""

DEFAULT_TIMEOUT = 5.0
"""Seconds a keyring call or a password command may take before we give up."""

_SECRET_KINDS = ("keyring", "command", "env")
_SHAPE_HINT = 'a secret is one of { keyring = "NAME" }, { command = "..." } or { env = "VAR" }'

_T = TypeVar("_T")


class Redacted:
    """Holds a secret value so that ``repr``/``str`` (tracebacks, logs, debuggers) never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself; call this only where the value is actually used."""
        return self._value

    def __repr__(self) -> str:
        return "Redacted('********')"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # Pickling would write the value somewhere we do not control.
        raise TypeError("a Redacted secret cannot be pickled")


class _SecretModel(BaseModel):
    # frozen: references are hashable, so callers can cache resolved values by reference.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class KeyringSecret(_SecretModel):
    """``{ keyring = "NAME" }``: the entry NAME under service "deskterm" in the system keyring."""

    keyring: str
    """Entry name; store it with `deskterm secret set NAME`."""


class CommandSecret(_SecretModel):
    """``{ command = "pass show mail/support" }``: the first line a command prints."""

    command: str
    """Command line split like a shell would (no shell runs); its stdout's first line is used."""


class EnvSecret(_SecretModel):
    """``{ env = "VAR" }``: the value of an environment variable."""

    env: str
    """Name of the environment variable holding the secret."""


def _check_secret_shape(value: Any) -> Any:
    """Reject anything but exactly one known key with a non-empty string.

    Runs before the union so that the user gets one sentence instead of three
    per-member errors, and so that a secret written inline (``password = "..."``)
    is refused with advice; no message here ever contains the input value.
    """
    if isinstance(value, KeyringSecret | CommandSecret | EnvSecret):
        return value
    if isinstance(value, str):
        raise PydanticCustomError(
            "secret_ref",
            f"secrets are never written in the config file; {_SHAPE_HINT}",
        )
    if not isinstance(value, dict):
        raise PydanticCustomError("secret_ref", f"expected a table; {_SHAPE_HINT}")
    keys = [str(key) for key in value]
    if len(keys) != 1 or keys[0] not in _SECRET_KINDS:
        got = ", ".join(one_line(key, 40) for key in keys) or "none"
        raise PydanticCustomError("secret_ref", f"{_SHAPE_HINT} (got keys: {got})")
    inner = value[keys[0]]
    if not isinstance(inner, str) or not inner.strip():
        raise PydanticCustomError("secret_ref", f"{keys[0]} must be a non-empty string")
    return value


SecretRef = Annotated[
    KeyringSecret | CommandSecret | EnvSecret, BeforeValidator(_check_secret_shape)
]
"""How the config names a secret: ``{keyring = NAME}``, ``{command = "..."}`` or ``{env = VAR}``."""


def describe(ref: KeyringSecret | CommandSecret | EnvSecret) -> str:
    """A description safe to print (``doctor``): ``keyring:NAME``, ``command:PROGRAM``, ``env:VAR``.

    For commands only the program's base name is shown: arguments may carry
    things the user would rather not see echoed (paths, ids, even a passphrase).
    """
    if isinstance(ref, KeyringSecret):
        return f"keyring:{one_line(ref.keyring)}"
    if isinstance(ref, EnvSecret):
        return f"env:{one_line(ref.env)}"
    return f"command:{_program_name(ref.command)}"


def resolve_secret(
    ref: KeyringSecret | CommandSecret | EnvSecret,
    *,
    what: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """Return the secret ``ref`` points at, or raise :class:`SecretError`.

    ``what`` names the config key for messages, e.g. ``channels[0] "support".password``.
    Keyring lookups and commands are bounded by ``timeout`` seconds. No message
    ever contains the secret.
    """
    if isinstance(ref, KeyringSecret):
        held = _keyring_get(ref.keyring, what=what, timeout=timeout)
    elif isinstance(ref, CommandSecret):
        held = _run_command(ref.command, what=what, timeout=timeout)
    else:
        held = _env_get(ref.env, what=what)
    # From now on a log line or error quoting this value verbatim shows it masked.
    remember_secret(held.reveal())
    return held.reveal()


def set_keyring_secret(name: str, value: str, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Store ``value`` as keyring entry ``name`` (service "deskterm"); return the backend used.

    The returned description is the backend's import path (what
    ``PYTHON_KEYRING_BACKEND`` accepts) plus the file for file-based backends,
    so the user knows where the secret now lives.
    """
    what = f"keyring secret {_quote(name)}"
    if not name.strip():
        raise SecretError("a keyring secret needs a non-empty name")
    if not value:
        raise SecretError(f"{what}: refusing to store an empty secret")
    held = Redacted(value)

    def store() -> str:
        backend = _usable_backend()
        backend.set_password(KEYRING_SERVICE, name, held.reveal())
        file_path = getattr(backend, "file_path", None)
        if isinstance(file_path, str) and os.path.isfile(file_path):
            # keyrings.alt creates its file 0600 but never repairs an existing one;
            # a plaintext store readable by others would defeat the point.
            os.chmod(file_path, 0o600)
            return f"{_backend_name(backend)} at {file_path}"
        return _backend_name(backend)

    try:
        return _keyring_call(store, timeout=timeout, what=what, name=name, key=None)
    except SecretError as exc:
        # A backend could echo what it was given; make sure it never reaches the user.
        if value in exc.message:
            raise SecretError(exc.message.replace(value, "********")) from None
        raise


def delete_keyring_secret(name: str, *, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Remove keyring entry ``name``; return False if there was no such entry."""
    what = f"keyring secret {_quote(name)}"

    def delete() -> bool:
        import keyring.errors  # lazy, see _usable_backend

        backend = _usable_backend()
        try:
            backend.delete_password(KEYRING_SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            return False
        return True

    return _keyring_call(delete, timeout=timeout, what=what, name=name, key=None)


# --- keyring -------------------------------------------------------------------------


class _NoBackendError(Exception):
    """Raised inside the keyring thread when this machine has no usable backend."""


def _usable_backend() -> Any:
    # keyring is imported lazily: it costs ~80 ms and scans entry points, which
    # every CLI start would pay although most commands never touch a secret.
    # It is also imported inside the worker thread, so even a backend whose
    # initialisation blocks (probing D-Bus) is covered by the timeout.
    import keyring
    from keyring.backends import chainer, fail, null

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring | null.Keyring):
        raise _NoBackendError
    # A chainer with nothing to chain behaves like the null backend: every
    # lookup answers "not found", which would send the user hunting for a typo.
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        raise _NoBackendError
    return backend


def _backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _keyring_get(name: str, *, what: str, timeout: float) -> Redacted:
    def get() -> Redacted | None:
        found = _usable_backend().get_password(KEYRING_SERVICE, name)
        return None if found is None else Redacted(str(found))

    key = _key_name(what)
    result = _keyring_call(get, timeout=timeout, what=what, name=name, key=key)
    if result is None or not result.reveal():
        raise SecretError(
            f"{what}: no secret named {_quote(name)} in the keyring; "
            f"run `deskterm secret set {shlex.quote(name)}`"
        )
    return result


def _keyring_call(
    fn: Callable[[], _T], *, timeout: float, what: str, name: str, key: str | None
) -> _T:
    """Run a keyring operation in a daemon thread and turn every failure into SecretError.

    ``key`` is the config key the advice names (``password = { command = ... }``);
    None when no config key is involved (``deskterm secret set``).
    """
    if key is None:
        alternative = '{ command = "..." } or { env = "..." } secrets in the config'
    else:
        alternative = f'{key} = {{ command = "..." }} or {{ env = "..." }}'

    def guarded() -> _T:
        import keyring.errors  # lazy, see _usable_backend

        try:
            return fn()
        except keyring.errors.NoKeyringError:
            raise _NoBackendError from None

    try:
        return _bounded(guarded, timeout)
    except _TimeoutError:
        raise SecretError(
            f"{what}: the keyring did not answer within {timeout:g} s "
            "(a locked or absent Secret Service?); unlock the keyring and retry, or use "
            f"{alternative} instead"
        ) from None
    except (_NoBackendError, ImportError):
        raise SecretError(
            f"{what}: no keyring backend on this machine; use {alternative}, "
            f"or run `deskterm secret set {shlex.quote(name)}` after installing keyrings.alt"
        ) from None
    except Exception as exc:
        detail = one_line(str(exc).split("\n", 1)[0], 200)
        reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        raise SecretError(f"{what}: the keyring failed ({reason})") from None


class _TimeoutError(Exception):
    """The worker thread did not finish in time."""


def _bounded(fn: Callable[[], _T], timeout: float) -> _T:
    """Call ``fn`` in a daemon thread; raise _TimeoutError if it has not returned in time.

    A hung call (locked Secret Service waiting for a prompt nobody sees) cannot be
    cancelled, so the daemon thread is abandoned: it dies with the process and
    never blocks exit.
    """
    outcome: list[tuple[bool, object]] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, fn()))
        except BaseException as exc:  # re-raised in the caller's thread below
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=run, name="deskterm-keyring", daemon=True).start()
    if not done.wait(timeout):
        raise _TimeoutError
    ok, result = outcome[0]
    if not ok:
        raise cast(BaseException, result)
    return cast(_T, result)


# --- command and environment ---------------------------------------------------------


def _run_command(command: str, *, what: str, timeout: float) -> Redacted:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SecretError(f"{what}: cannot parse the command ({exc})") from None
    if not argv:
        raise SecretError(f"{what}: the command is empty")
    program = _program_name(command)
    failure: str | None = None
    try:
        # No shell: the command comes from the config and is split like a shell
        # would, but nothing in it is expanded. stdin is closed so a command that
        # wants to prompt fails fast instead of fighting the TUI for the terminal.
        # Its own session (process group): on a timeout the whole group is killed,
        # not only the command, whose children would otherwise run on.
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        failure = f"command not found: {program}"
    except PermissionError:
        failure = f"command is not executable: {program}"
    except OSError as exc:
        failure = f"cannot run `{program}`: {exc.strerror}"
    if failure is not None:
        # Raised outside the except block so that no exception context (holding
        # the full command line) is chained to the error.
        raise SecretError(f"{what}: {failure}")

    out, err = bytearray(), bytearray()
    try:
        ended = _collect(proc, out, err, timeout)
    finally:
        if proc.returncode is None:
            _kill_group(proc)
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    if ended != "exited":
        out[:] = bytes(len(out))  # the partial output may hold the secret: not kept around
        if ended == "timeout":
            raise SecretError(f"{what}: command `{program}` did not finish within {timeout:g} s")
        raise SecretError(
            f"{what}: command `{program}` printed more than {COMMAND_OUTPUT_LIMIT // 1024} KB;"
            " a secret command prints the secret on its first line"
        )

    returncode = proc.returncode
    stdout = Redacted(_first_line(bytes(out), errors="surrogateescape"))
    stderr = _first_line(bytes(err), errors="replace")
    # The buffers hold the raw stdout; keep it out of any traceback's locals. Decoding
    # with surrogateescape and checking afterwards (below) likewise avoids a
    # UnicodeDecodeError, which would carry the raw bytes along with it.
    out[:] = bytes(len(out))
    del out, proc

    if returncode != 0:
        if stdout.reveal() and stdout.reveal() in stderr:
            stderr = stderr.replace(stdout.reveal(), "********")
        if returncode < 0:
            message = f"{what}: command `{program}` was killed by signal {-returncode}"
        else:
            message = f"{what}: command `{program}` failed with exit code {returncode}"
        detail = one_line(stderr, 200)
        raise SecretError(f"{message}: {detail}" if detail else message)
    if not stdout.reveal():
        raise SecretError(f"{what}: command `{program}` printed nothing on its first line")
    try:
        stdout.reveal().encode("utf-8")
    except UnicodeEncodeError:
        raise SecretError(f"{what}: command `{program}` printed text that is not UTF-8") from None
    return stdout


COMMAND_OUTPUT_LIMIT = 64 * 1024
"""Bytes of stdout (and of stderr) read from a password command; a secret is one line."""


def _collect(proc: subprocess.Popen[bytes], out: bytearray, err: bytearray, timeout: float) -> str:
    """Read the command's stdout and stderr (each up to the limit) until it exits.

    Returns "exited", "timeout" or "too long". Once the command has exited, only what
    it already wrote is read: a child it left behind (an agent) may hold the pipes open
    for good, and that must not turn a finished command into a timeout.
    """
    assert proc.stdout is not None and proc.stderr is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, out)
        selector.register(proc.stderr, selectors.EVENT_READ, err)
        while selector.get_map():
            exited = proc.poll() is not None
            left = deadline - time.monotonic()
            if left <= 0 and not exited:
                return "timeout"
            ready = selector.select(0 if exited else min(left, 0.05))
            if exited and not ready:
                break
            for key, _ in ready:
                chunk = os.read(key.fd, 65536)
                buffer: bytearray = key.data
                if not chunk:
                    selector.unregister(key.fileobj)
                elif buffer is out:
                    out += chunk
                    if len(out) > COMMAND_OUTPUT_LIMIT:
                        return "too long"
                elif len(err) < COMMAND_OUTPUT_LIMIT:  # stderr: keep the start, drain the rest
                    err += chunk[: COMMAND_OUTPUT_LIMIT - len(err)]
    try:
        proc.wait(max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        return "timeout"
    return "exited"


def _kill_group(proc: subprocess.Popen[bytes], grace: float = 1.0) -> None:
    """End the command's whole process group: SIGTERM, then SIGKILL after ``grace``.

    The command itself is reaped only at the end: until then its pid (the group's id)
    cannot be reused, so the signals never reach an unrelated group.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        if sig == signal.SIGTERM:
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and not _has_exited(proc.pid):
                time.sleep(0.02)
    proc.wait()


def _has_exited(pid: int) -> bool:
    """True once ``pid`` (our child) has exited, without reaping it."""
    if not hasattr(os, "waitid"):  # not everywhere (macOS): then the full grace is waited
        return False
    try:
        found = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return found is not None


def _first_line(data: bytes, *, errors: str) -> str:
    # Only the line break is removed: a password may well end in a space.
    line = data.decode("utf-8", errors=errors).split("\n", 1)[0]
    return line.removesuffix("\r")


def _program_name(command: str) -> str:
    try:
        argv = shlex.split(command)
    except ValueError:
        argv = command.split()
    if not argv:
        return "?"
    return one_line(os.path.basename(argv[0]) or argv[0], 60)


def _env_get(var: str, *, what: str) -> Redacted:
    value = os.environ.get(var)
    if value is None:
        raise SecretError(f"{what}: environment variable {one_line(var)} is not set")
    if not value:
        raise SecretError(f"{what}: environment variable {one_line(var)} is empty")
    return Redacted(value)


# --- message helpers -----------------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + one_line(text, 80).replace('"', '\\"') + '"'


def _key_name(what: str) -> str:
    """The config key a ``what`` ends in (``...".password`` -> ``password``) for advice."""
    tail = what.rsplit(".", 1)[-1]
    return tail if tail.isidentifier() else "secret"

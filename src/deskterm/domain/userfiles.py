"""Files the user names on the command line: read only regular files, write without clobbering.

A path typed by a user may be a FIFO (opening it blocks until a writer comes), a device
(``/dev/zero`` never ends), a directory, a symlink planted where a file was expected, or a
folder that does not exist. Each is refused here with one line naming the path, before
anything blocks, fills memory or is overwritten.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from deskterm.domain.errors import DesktermError, UsageError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (``a FIFO``, ``a character device``...)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _reason(exc: OSError) -> str:
    return exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))


def read_regular_file(path: Path, *, what: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    UsageError (one line naming ``path`` and what was expected, e.g. "a config file") when
    it is missing, a directory, a FIFO or device, unreadable or larger than ``limit``.
    """
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot open ({_reason(exc)})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise UsageError(f"{path}: is a directory, not {what}")
        if not stat.S_ISREG(mode):
            raise UsageError(f"{path}: is {file_kind(mode)}, not {what}")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise UsageError(f"{path}: cannot read ({_reason(exc)})") from None
    if len(data) > limit:
        raise UsageError(f"{path}: larger than {limit // 1024} KiB; is it really {what}?")
    return data


def read_utf8_file(path: Path, *, what: str, limit: int) -> str:
    """The text of the regular file ``path`` (``read_regular_file``'s checks), UTF-8;
    UsageError naming the line of the first byte that is not."""
    data = read_regular_file(path, what=what, limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(f"{path}:{line}: not valid UTF-8") from None


def write_file(path: Path, data: bytes, *, replace: bool, refuse_hint: str = "") -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new one whole.

    An existing entry (file, symlink, FIFO...) is refused unless ``replace``; then the entry
    itself is replaced, so a symlink is never written through. A replaced regular file keeps
    its permissions; a new one gets the usual 0666 less the umask. ``refuse_hint`` is added
    to the refusal (e.g. "pass --force to replace it").
    """
    existing = _lstat(path)
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise UsageError(f"{path}: is a directory; name a file to write")
    if existing is not None and not replace:
        raise UsageError(f"{path}: already exists" + (f"; {refuse_hint}" if refuse_hint else ""))
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{path}: folder {folder} does not exist")
    keep_mode = (
        stat.S_IMODE(existing.st_mode)
        if existing is not None and stat.S_ISREG(existing.st_mode)
        else None
    )
    temp = _write_temp(folder, path, data, keep_mode)
    try:
        if replace:
            os.replace(temp, path)
        else:
            _link_new(temp, path, refuse_hint)
    except OSError as exc:
        raise _write_error(path, exc) from None
    finally:
        temp.unlink(missing_ok=True)


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _write_error(path, exc) from None


def _write_temp(folder: Path, path: Path, data: bytes, mode: int | None) -> Path:
    # A hidden name beside the target: os.replace/os.link are atomic only within a file system.
    temp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    try:
        fd = os.open(temp, flags, 0o666)
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise _write_error(path, exc) from None
    return temp


def _link_new(temp: Path, path: Path, refuse_hint: str) -> None:
    """Give the finished temp file the name ``path`` only if nothing has that name."""
    try:
        os.link(temp, path)  # fails on ANY existing entry, a dangling symlink included
    except FileExistsError:
        raise UsageError(
            f"{path}: already exists" + (f"; {refuse_hint}" if refuse_hint else "")
        ) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        # A file system without hard links (FAT, some network mounts): an exclusive create.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(temp.read_bytes())


def _write_error(path: Path, exc: OSError) -> DesktermError:
    if isinstance(exc, PermissionError):
        return UsageError(f"{path}: permission denied")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
        return DesktermError(f"{path}: not written ({_reason(exc)})")
    return UsageError(f"{path}: cannot write ({_reason(exc)})")

"""Content-addressed blob store on disk for attachment content."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path

from deskterm.domain.errors import StoreFullError
from deskterm.paths import ensure_dir

_NO_ROOM = {errno.ENOSPC, errno.EDQUOT}


def blob_path(root: Path, digest: str) -> Path:
    """Where the blob with sha256 ``digest`` lives (two levels of fan-out)."""
    return root / digest[:2] / digest[2:4] / digest


def put_blob(root: Path, data: bytes) -> str:
    """Store ``data`` once (idempotent, atomic) and return its sha256 hex digest."""
    digest = hashlib.sha256(data).hexdigest()
    path = blob_path(root, digest)
    if path.exists():
        return digest
    try:
        _write_atomically(root, path, data)
    except OSError as exc:
        if exc.errno in _NO_ROOM:
            raise StoreFullError(str(root), exc.strerror or "no space left") from exc
        raise
    return digest


def _write_atomically(root: Path, path: Path, data: bytes) -> None:
    # Every level private (0700 whatever the umask): attachments are customer data.
    for folder in (root, path.parent.parent, path.parent):
        ensure_dir(folder)
    # mkstemp creates the file 0600. Write-then-rename so a crash never leaves a truncated
    # blob under a valid name.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def get_blob(root: Path, digest: str) -> bytes:
    """The content of a stored blob (raises FileNotFoundError when missing)."""
    return blob_path(root, digest).read_bytes()

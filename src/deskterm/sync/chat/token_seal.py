"""Sealing of rotated marketplace tokens at rest: Fernet, with a per-user key outside the data dir.

Why sealed in the store rather than kept elsewhere: a rotation must be committed before
the new token is used (Shopee's refresh tokens work once), and the store's transaction is
what makes that safe; the tokens also move with the store when it is moved or restored.
Why sealed at all: the data directory (and a PostgreSQL team store) is what gets backed
up, copied and shared, and nothing there may be a usable credential. The key lives in
the config directory (``tokens.key``, 0600), so a copy of the store alone reveals nothing.

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) rather than anything
hand-made: it authenticates as well as encrypts, so a wrong key or a damaged value is
detected instead of yielding garbage tokens.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from deskterm.paths import PRIVATE_FILE_MODE, TOKEN_KEY_FILE_NAME, config_dir, ensure_dir


class TokenSealError(Exception):
    """Sealed tokens cannot be opened here (no key, another key, or a damaged value)."""


def key_path() -> Path:
    """Where this user's token key lives: ``<config dir>/tokens.key``."""
    return config_dir() / TOKEN_KEY_FILE_NAME


def seal(values: dict[str, Any]) -> str:
    """``values`` as an authenticated ciphertext (the key is created on first use)."""
    return Fernet(_key(create=True)).encrypt(json.dumps(values).encode("utf-8")).decode("ascii")


def unseal(sealed: str) -> dict[str, Any]:
    """The values :func:`seal` sealed; :class:`TokenSealError` when they cannot be opened."""
    try:
        opened = Fernet(_key(create=False)).decrypt(sealed.encode("ascii"))
    except (InvalidToken, ValueError) as exc:
        raise TokenSealError(
            f"they were sealed with another key than {key_path()} (or are damaged)"
        ) from exc
    values = json.loads(opened)
    if not isinstance(values, dict):
        raise TokenSealError("the sealed value is not a set of tokens")
    return values


def _key(*, create: bool) -> bytes:
    path = key_path()
    try:
        return _read_key(path)
    except FileNotFoundError:
        if not create:
            raise TokenSealError(f"{path} does not exist") from None
    _create_key(path)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError as exc:
        raise TokenSealError(f"{path} is not a token key") from exc
    return key


def _create_key(path: Path) -> None:
    """Write a new key, complete and 0600, unless another process wrote one first."""
    ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tokens-key-")  # 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, PRIVATE_FILE_MODE)
        try:
            # A hard link publishes the finished file or nothing: two processes creating
            # the key at once end up sharing whichever came first.
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:
            # A filesystem without hard links: a rename, unless a key appeared meanwhile.
            if not path.exists():
                os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)

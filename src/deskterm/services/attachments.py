"""Save attachments to a folder the user chose: safe names, never overwriting, clear errors."""

from __future__ import annotations

import errno
import hashlib
import os
import re
from pathlib import Path
from typing import Any, BinaryIO

from deskterm import paths
from deskterm.domain.errors import DesktermError, NotFoundError
from deskterm.domain.filenames import numbered_filename, safe_filename
from deskterm.store.attachment_reader import get_attachment, list_attachments
from deskterm.store.blobs import blob_path
from deskterm.store.readdb import ReadDb

# Saved copies hold customer data (IDs, invoices, photos) that the store itself keeps
# private (0o700 directories). A save must not quietly widen who can read it, so files are
# created 0o600; the umask can still only narrow that. The user can chmod a file they share.
FILE_MODE = 0o600
# A folder created on request gets the same privacy as the store's own directories.
FOLDER_MODE = 0o700
# "report (1).pdf" ... "report (999).pdf"; past that something is wrong with the folder.
MAX_NUMBERED = 999
_CHUNK = 1 << 20
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# O_NOFOLLOW: even a symlink planted between our checks is never written through.
# (O_EXCL already refuses an existing name; this is belt and braces for odd filesystems.)
_OPEN_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class AttachmentSaveError(DesktermError):
    """An attachment could not be saved; the message says why in one line."""

    def __init__(self, message: str, *, saved: list[Path] | None = None) -> None:
        super().__init__(message)
        self.saved = saved or []  # save_all: what was written before the failure


class FolderMissingError(AttachmentSaveError):
    """The chosen folder does not exist (the UI may offer to create it and try again)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"{folder}: no such folder")
        self.folder = folder


def save_attachment(
    db: ReadDb, blob_root: Path, attachment_id: int, folder: Path, *, create_folder: bool = False
) -> Path:
    """Write one attachment into ``folder`` and return the new file's absolute path.

    ``blob_root`` is the store's attachment directory (``Store.attachments_dir()``). The
    name is the stored name made safe; an existing file is never replaced: the copy becomes
    ``name (1).ext``, ``name (2).ext``... A missing ``folder`` raises FolderMissingError
    unless ``create_folder`` is set. Every failure is an AttachmentSaveError (or
    NotFoundError for an unknown id) with a one-line message.
    """
    target = prepare_folder(folder, create=create_folder)
    return _save(blob_root, get_attachment(db, attachment_id), target)


def save_all(
    db: ReadDb,
    blob_root: Path,
    folder: Path,
    *,
    ticket_id: int | None = None,
    message_id: int | None = None,
    create_folder: bool = False,
) -> list[Path]:
    """Save every attachment of one message or of a whole ticket; returns the new files.

    Inline parts are saved too: Apple Mail sends ordinary PDFs as inline, so leaving them
    out would lose real attachments. On a failure the error's ``saved`` lists the files
    already written (they are kept: each is complete).
    """
    if (ticket_id is None) == (message_id is None):
        raise ValueError("pass exactly one of ticket_id and message_id")
    _check_exists(db, ticket_id=ticket_id, message_id=message_id)
    attachments = list_attachments(db, ticket_id=ticket_id, message_id=message_id)
    if not attachments:
        return []
    target = prepare_folder(folder, create=create_folder)
    saved: list[Path] = []
    for attachment in attachments:
        try:
            saved.append(_save(blob_root, attachment, target))
        except AttachmentSaveError as exc:
            raise AttachmentSaveError(
                f"saved {len(saved)} of {len(attachments)} attachments to {target}; then {exc}",
                saved=saved,
            ) from exc
    return saved


def prepare_folder(folder: Path, *, create: bool = False) -> Path:
    """``folder`` with ``~`` expanded, made absolute, checked to be an existing directory.

    A missing folder is an error unless ``create``: a typo (``~/Dowloads``) would otherwise
    silently become a new directory and the file would land where the user never looks.
    """
    try:
        expanded = folder.expanduser()
    except RuntimeError as exc:  # no home directory to expand "~" against
        raise AttachmentSaveError(f"{folder}: cannot expand ~ ({exc})") from exc
    expanded = expanded.absolute()
    try:
        expanded.stat()
    except FileNotFoundError:
        if not create:
            raise FolderMissingError(expanded) from None
        try:
            paths.ensure_dir(expanded, FOLDER_MODE)
        except OSError as exc:
            raise AttachmentSaveError(f"{expanded}: cannot create folder: {_reason(exc)}") from exc
    except OSError as exc:  # e.g. a parent we may not search
        raise AttachmentSaveError(f"{expanded}: {_reason(exc)}") from exc
    if not expanded.is_dir():
        raise AttachmentSaveError(f"{expanded}: not a folder")
    return expanded


def _check_exists(db: ReadDb, *, ticket_id: int | None, message_id: int | None) -> None:
    table, key = ("ticket", ticket_id) if ticket_id is not None else ("message", message_id)
    if not db.all(f"SELECT 1 FROM {table} WHERE id = :id", {"id": key}):
        raise NotFoundError(f"no {table} with id {key}")


def _save(blob_root: Path, attachment: dict[str, Any], folder: Path) -> Path:
    # Names from email were made safe at ingest; other channels may store them raw, and a
    # second pass costs nothing (safe_filename is idempotent).
    name = safe_filename(attachment["filename"] or "", fallback=f"attachment-{attachment['id']}")
    digest = str(attachment["sha256"] or "")
    what = f"attachment {attachment['id']} ({name})"
    if not _SHA256_RE.match(digest):
        raise AttachmentSaveError(f"{what}: the store has no valid content hash for it")
    try:
        source = blob_path(blob_root, digest).open("rb")
    except FileNotFoundError as exc:
        raise AttachmentSaveError(f"{what}: its content is missing from {blob_root}") from exc
    except OSError as exc:
        raise AttachmentSaveError(f"{what}: cannot read its content: {_reason(exc)}") from exc
    with source:
        path, fd = _create_exclusive(folder, name)
        try:
            _copy(source, fd, digest, what)
        except BaseException as exc:
            # The file is ours (O_EXCL made it); never leave a truncated copy behind.
            os.close(fd)
            path.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise AttachmentSaveError(f"{path}: not saved: {_reason(exc)}") from exc
            raise
        try:
            os.close(fd)
        except OSError as exc:  # NFS and quotas report late write errors at close
            path.unlink(missing_ok=True)
            raise AttachmentSaveError(f"{path}: not saved: {_reason(exc)}") from exc
    return path


def _create_exclusive(folder: Path, name: str) -> tuple[Path, int]:
    for number in range(MAX_NUMBERED + 1):
        path = folder / numbered_filename(name, number)
        try:
            return path, os.open(path, _OPEN_FLAGS, FILE_MODE)
        except FileExistsError:
            continue
        except FileNotFoundError as exc:  # the folder vanished after prepare_folder
            raise FolderMissingError(folder) from exc
        except OSError as exc:
            raise AttachmentSaveError(f"{folder}: cannot save {name}: {_reason(exc)}") from exc
    raise AttachmentSaveError(
        f"{folder}: {name} and {MAX_NUMBERED} numbered copies exist already; choose another folder"
    )


def _copy(source: BinaryIO, fd: int, digest: str, what: str) -> None:
    hasher = hashlib.sha256()
    while chunk := source.read(_CHUNK):
        hasher.update(chunk)
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view) :]
    # The blob is content-addressed: a different hash means the stored copy is damaged, and
    # handing the user a silently corrupt file is worse than no file.
    if hasher.hexdigest() != digest:
        raise AttachmentSaveError(f"{what}: its stored content is damaged (checksum mismatch)")
    os.fsync(fd)


def _reason(exc: OSError) -> str:
    """A short human reason for an OS error (no errno numbers, no tracebacks)."""
    reasons = {
        errno.ENOSPC: "disk full",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system",
        errno.ENOTDIR: "not a folder",
        errno.ENAMETOOLONG: "path too long",
        errno.EIO: "input/output error",
    }
    if hasattr(errno, "EDQUOT"):  # not on Windows
        reasons[errno.EDQUOT] = "disk quota exceeded"
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))

"""Saving attachments to a folder: safe names, O_EXCL numbering, exact bytes, one-line errors."""

from __future__ import annotations

import errno
import hashlib
import mailbox
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from deskterm.cli import main
from deskterm.domain.errors import DesktermError, NotFoundError
from deskterm.domain.filenames import MAX_CHARS, numbered_filename
from deskterm.domain.messages import AttachmentData, InboundMessage, Party
from deskterm.ingest.context import ChannelContext
from deskterm.services.attachments import (
    AttachmentSaveError,
    FolderMissingError,
    save_all,
    save_attachment,
)
from deskterm.store.attachment_reader import list_attachments
from deskterm.store.blobs import blob_path
from deskterm.store.engine import Store
from deskterm.store.readdb import ReadDb, open_read
from deskterm.store.tables import Attachment
from tests.conftest import ingest

REPO = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0


@pytest.fixture
def sqlite_db(store: Store) -> Iterator[ReadDb]:
    """File handling is dialect-free: most tests run on SQLite only (see the last test)."""
    read = open_read(store.url)
    yield read
    read.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "downloads"
    target.mkdir()
    return target


def _with_files(
    store: Store, channel: ChannelContext, files: list[tuple[str, bytes]], mid: str = "a@x"
) -> tuple[int, list[int]]:
    """Ingest one message carrying ``files`` as given (a channel that did not clean names)."""
    message = InboundMessage(
        external_id=mid,
        content_hash=hashlib.sha256(mid.encode()).hexdigest(),
        subject="files",
        sender=Party("Alice", "alice@example.com"),
        sent_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
        body_text="see attached",
        attachments=[AttachmentData(name, "application/pdf", data) for name, data in files],
    )
    result = ingest(store, channel, message)
    with store.read() as session:
        rows = session.exec(
            select(Attachment.id)
            .where(Attachment.message_id == result.message_id)
            .order_by(col(Attachment.id))
        )
        return result.ticket_id, [int(row) for row in rows if row is not None]


def _one(store: Store, channel: ChannelContext, name: str, data: bytes = b"%PDF-1.7\n") -> int:
    return _with_files(store, channel, [(name, data)])[1][0]


def _tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


# --- real data: the sample mailbox ------------------------------------------------------------


def test_sample_mbox_attachment_is_saved_byte_for_byte(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    mbox = REPO / "samples" / "support.mbox"
    assert main(["--config", str(config), "import", "mbox", str(mbox)]) == 0
    capsys.readouterr()
    expected = next(
        part.get_payload(decode=True)
        for message in mailbox.mbox(mbox)
        for part in message.walk()
        if part.get_filename() == "cracked-handle.jpg"
    )
    data_dir = tmp_path / ".sample-store"
    db = open_read(f"sqlite:///{data_dir / 'deskterm.db'}")
    try:
        (ticket_id,) = db.all(
            "SELECT m.ticket_id FROM attachment a JOIN message m ON m.id = a.message_id"
        )[0]
        (attachment,) = list_attachments(db, ticket_id=ticket_id)
        assert attachment["filename"] == "cracked-handle.jpg"
        saved = save_attachment(db, data_dir / "attachments", attachment["id"], folder)
    finally:
        db.close()
    assert saved == folder / "cracked-handle.jpg"
    assert saved.read_bytes() == expected
    umask = os.umask(0)
    os.umask(umask)
    assert saved.stat().st_mode & 0o777 == 0o600 & ~umask


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        ("../../etc/passwd", "passwd"),
        ("..%2F..%2F.ssh%2Fauthorized_keys", "authorized_keys"),
        ("..\\..\\Windows\\evil.dll", "evil.dll"),
        ("\x1b[31mx.pdf", "[31mx.pdf"),
        ("\x1b]52;c;ZWNobyBoaQ==\x07clip.pdf", "]52;c;ZWNobyBoaQ==clip.pdf"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        (".bashrc", "attachment-{id}.bashrc"),
        ("..", "attachment-{id}"),
        ("-rf.pdf", "rf.pdf"),
        ("--help", "help"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("nul\x00byte.pdf", "nulbyte.pdf"),
        ("", "attachment-{id}"),  # nothing usable left: named after the row
    ],
)
def test_hostile_names_become_one_harmless_file_in_the_folder(
    store: Store, channel: ChannelContext, sqlite_db: ReadDb, folder: Path, case: tuple[str, str]
) -> None:
    hostile, expected = case
    attachment_id = _one(store, channel, hostile)
    before = _tree(folder.parent)
    saved = save_attachment(sqlite_db, store.attachments_dir(), attachment_id, folder)
    assert saved == folder / expected.format(id=attachment_id)
    assert saved.parent == folder and saved.read_bytes() == b"%PDF-1.7\n"
    assert _tree(folder.parent) - before == {saved}  # nothing written anywhere else


def test_very_long_names_are_capped_keeping_the_extension(
    store: Store, channel: ChannelContext, sqlite_db: ReadDb, folder: Path
) -> None:
    attachment_id = _one(store, channel, "報" * 300 + ".pdf")
    first = save_attachment(sqlite_db, store.attachments_dir(), attachment_id, folder)
    second = save_attachment(sqlite_db, store.attachments_dir(), attachment_id, folder)
    assert len(first.name) <= MAX_CHARS and first.name.endswith(".pdf")
    # The numbered copy still fits the 255-byte limit of common file systems.
    assert second.name.endswith(" (1).pdf") and len(second.name.encode()) <= 255


# --- never overwrite ---------------------------------------------------------------------------


def test_clashes_are_numbered_and_existing_files_untouched(
    store: Store, channel: ChannelContext, sqlite_db: ReadDb, folder: Path
) -> None:
    (folder / "report.pdf").write_bytes(b"mine")
    attachment_id = _one(store, channel, "report.pdf", b"theirs")
    saved = [
        save_attachment(sqlite_db, store.attachments_dir(), attachment_id, folder) for _ in range(3)
    ]
    assert [p.name for p in saved] == ["report (1).pdf", "report (2).pdf", "report (3).pdf"]
    assert (folder / "report.pdf").read_bytes() == b"mine"
    assert all(p.read_bytes() == b"theirs" for p in saved)


def test_a_planted_symlink_is_never_written_through(
    store: Store, channel: ChannelContext, sqlite_db: ReadDb, folder: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "authorized_keys"
    victim.write_bytes(b"ssh-ed25519 AAAA me\n")
    (folder / "keys.txt").symlink_to(victim)
    (folder / "dangling.txt").symlink_to(tmp_path / "created-through-link")
    keys = save_attachment(
        sqlite_db, store.attachments_dir(), _one(store, channel, "keys.txt"), folder
    )
    dangling = _with_files(store, channel, [("dangling.txt", b"x")], mid="b@x")[1][0]
    other = save_attachment(sqlite_db, store.attachments_dir(), dangling, folder)
    assert keys.name == "keys (1).txt" and other.name == "dangling (1).txt"
    assert victim.read_bytes() == b"ssh-ed25519 AAAA me\n"
    assert not (tmp_path / "created-through-link").exists()


def test_numbering_keeps_compound_extensions() -> None:
    assert numbered_filename("archive.tar.gz", 2) == "archive (2).tar.gz"
    assert numbered_filename("photo.jpg", 1) == "photo (1).jpg"
    assert numbered_filename("README", 1) == "README (1)"
    assert numbered_filename("v1.2 notes", 1) == "v1.2 notes (1)"
    assert numbered_filename("x.pdf", 0) == "x.pdf"


def test_save_all_numbers_same_named_files(
    store: Store, channel: ChannelContext, sqlite_db: ReadDb, folder: Path
) -> None:
    ticket_id, ids = _with_files(
        store, channel, [("image.png", b"one"), ("image.png", b"two"), ("a.txt", b"three")]
    )
    saved = save_all(sqlite_db, store.attachments_dir(), folder, ticket_id=ticket_id)
    assert [p.name for p in saved] == ["image.png", "image (1).png", "a.txt"]
    assert [p.read_bytes() for p in saved] == [b"one", b"two", b"three"]
    message_id = sqlite_db.all("SELECT message_id FROM attachment WHERE id = :i", {"i": ids[0]})[0][
        0
    ]
    again = save_all(sqlite_db, store.attachments_dir(), folder, message_id=message_id)
    assert [p.name for p in again] == ["image (2).png", "image (3).png", "a (1).txt"]


def test_save_all_of_nothing_and_of_unknown_things(
    store: Store, channel: ChannelContext, sqlite_db: ReadDb, folder: Path
) -> None:
    ticket_id, _ids = _with_files(store, channel, [])
    assert (
        save_all(sqlite_db, store.attachments_dir(), folder / "absent", ticket_id=ticket_id) == []
    )
    with pytest.raises(NotFoundError, match="no ticket with id 999"):
        save_all(sqlite_db, store.attachments_dir(), folder, ticket_id=999)
    with pytest.raises(NotFoundError, match="no message with id 999"):
        save_all(sqlite_db, store.attachments_dir(), folder, message_id=999)
    with pytest.raises(NotFoundError, match="no attachment with id 999"):
        save_attachment(sqlite_db, store.attachments_dir(), 999, folder)


# --- the folder ------------------------------------------------------------------------------


def test_missing_folder_is_an_error_unless_asked_to_create_it(
    store: Store,
    channel: ChannelContext,
    sqlite_db: ReadDb,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    attachment_id = _one(store, channel, "r.pdf")
    with pytest.raises(FolderMissingError) as caught:
        save_attachment(sqlite_db, store.attachments_dir(), attachment_id, Path("~/Dowloads"))
    assert str(caught.value) == f"{tmp_path / 'Dowloads'}: no such folder"
    assert caught.value.folder == tmp_path / "Dowloads"
    assert not (tmp_path / "Dowloads").exists()
    saved = save_attachment(
        sqlite_db, store.attachments_dir(), attachment_id, Path("~/new/inbox"), create_folder=True
    )
    assert saved == tmp_path / "new" / "inbox" / "r.pdf"
    assert (tmp_path / "new" / "inbox").stat().st_mode & 0o777 == 0o700


def test_a_file_is_not_a_folder(
    store: Store, channel: ChannelContext, sqlite_db: ReadDb, tmp_path: Path
) -> None:
    (tmp_path / "plain").write_text("x")
    attachment_id = _one(store, channel, "r.pdf")
    with pytest.raises(AttachmentSaveError, match=r"plain: not a folder$"):
        save_attachment(sqlite_db, store.attachments_dir(), attachment_id, tmp_path / "plain")
    with pytest.raises(AttachmentSaveError, match=r"not a folder$"):
        save_attachment(
            sqlite_db, store.attachments_dir(), attachment_id, tmp_path / "plain" / "sub"
        )


@pytest.mark.skipif(AS_ROOT, reason="root writes to read-only folders anyway")
def test_unwritable_folder_is_one_line(
    store: Store, channel: ChannelContext, sqlite_db: ReadDb, folder: Path
) -> None:
    attachment_id = _one(store, channel, "r.pdf")
    folder.chmod(0o500)
    try:
        with pytest.raises(AttachmentSaveError) as caught:
            save_attachment(sqlite_db, store.attachments_dir(), attachment_id, folder)
    finally:
        folder.chmod(0o700)
    assert str(caught.value) == f"{folder}: cannot save r.pdf: permission denied"


def _failing(monkeypatch: pytest.MonkeyPatch, name: str, code: int, when: Any) -> None:
    real = getattr(os, name)

    def fake(*args: Any) -> Any:
        if when(*args):
            raise OSError(code, os.strerror(code))
        return real(*args)

    monkeypatch.setattr(os, name, fake)  # the services module calls os.open/os.write


def test_permission_denied_is_one_line_even_as_root(
    store: Store,
    channel: ChannelContext,
    sqlite_db: ReadDb,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attachment_id = _one(store, channel, "r.pdf")
    _failing(monkeypatch, "open", errno.EACCES, lambda path, *_: Path(path).parent == folder)
    with pytest.raises(AttachmentSaveError) as caught:
        save_attachment(sqlite_db, store.attachments_dir(), attachment_id, folder)
    assert str(caught.value) == f"{folder}: cannot save r.pdf: permission denied"
    assert isinstance(caught.value, DesktermError) and "\n" not in str(caught.value)


def test_disk_full_leaves_no_partial_file(
    store: Store,
    channel: ChannelContext,
    sqlite_db: ReadDb,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attachment_id = _one(store, channel, "big.bin", os.urandom(3 << 20))
    calls = {"n": 0}

    def after_first_chunk(*_args: Any) -> bool:
        calls["n"] += 1
        return calls["n"] > 1

    _failing(monkeypatch, "write", errno.ENOSPC, after_first_chunk)
    with pytest.raises(AttachmentSaveError) as caught:
        save_attachment(sqlite_db, store.attachments_dir(), attachment_id, folder)
    assert str(caught.value) == f"{folder / 'big.bin'}: not saved: disk full"
    assert list(folder.iterdir()) == []


# --- the blob ------------------------------------------------------------------------------


def test_missing_or_damaged_content_is_an_error_and_writes_nothing(
    store: Store, channel: ChannelContext, sqlite_db: ReadDb, folder: Path
) -> None:
    attachment_id = _one(store, channel, "r.pdf", b"original")
    blob = blob_path(store.attachments_dir(), hashlib.sha256(b"original").hexdigest())
    blob.write_bytes(b"bit rot")
    with pytest.raises(AttachmentSaveError, match=r"r\.pdf\): its stored content is damaged"):
        save_attachment(sqlite_db, store.attachments_dir(), attachment_id, folder)
    blob.unlink()
    with pytest.raises(AttachmentSaveError) as caught:
        save_attachment(sqlite_db, store.attachments_dir(), attachment_id, folder)
    assert str(caught.value) == (
        f"attachment {attachment_id} (r.pdf): its content is missing from {store.attachments_dir()}"
    )
    assert list(folder.iterdir()) == []


def test_save_all_reports_what_was_saved_before_a_failure(
    store: Store, channel: ChannelContext, sqlite_db: ReadDb, folder: Path
) -> None:
    ticket_id, _ids = _with_files(store, channel, [("a.txt", b"first"), ("b.txt", b"second")])
    blob_path(store.attachments_dir(), hashlib.sha256(b"second").hexdigest()).unlink()
    with pytest.raises(AttachmentSaveError) as caught:
        save_all(sqlite_db, store.attachments_dir(), folder, ticket_id=ticket_id)
    assert str(caught.value).startswith(f"saved 1 of 2 attachments to {folder}; then attachment")
    assert caught.value.saved == [folder / "a.txt"]
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt"]


def test_save_on_both_dialects(
    any_store: Store, any_channel: ChannelContext, db: ReadDb, folder: Path
) -> None:
    ticket_id, ids = _with_files(any_store, any_channel, [("a.txt", b"A"), ("../b.txt", b"B")])
    one = save_attachment(db, any_store.attachments_dir(), ids[1], folder)
    assert one == folder / "b.txt" and one.read_bytes() == b"B"
    saved = save_all(db, any_store.attachments_dir(), folder, ticket_id=ticket_id)
    assert [p.name for p in saved] == ["a.txt", "b (1).txt"]

"""iter_mbox/count_mbox: streaming split, mboxrd unquoting, single .eml files, user errors."""

from __future__ import annotations

import contextlib
import os
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from deskterm.channels import mbox
from deskterm.channels.email.mime import content_hash, parse_message
from deskterm.channels.mbox import count_mbox, iter_mbox
from deskterm.domain.errors import UsageError

FIXTURES = Path(__file__).parent / "fixtures"

MBOX = (
    b"From alice@example.com Thu Mar  5 10:00:00 2026\n"
    b"From: alice@example.com\n"
    b"Subject: one\n"
    b"\n"
    b"Body one\n"
    b">From the start, quoted by mboxrd\n"
    b">>From doubly quoted\n"
    b"\n"
    b"From here on an unescaped paragraph (no time, so not a separator)\n"
    b"\n"
    b"From bob@example.com Thu Mar  5 10:05:00 2026\n"
    b"From: bob@example.com\n"
    b"Subject: two\n"
    b"\n"
    b"Body two\n"
    b"\n"
    b"From MAILER-DAEMON Thu Mar  5 10:06:00 2026\n"
    b"From: carol@example.com\n"
    b"Subject: three\n"
    b"\n"
    b"Body three"
)


def write(tmp_path: Path, data: bytes, name: str = "box.mbox") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_splits_and_strips_separators(tmp_path: Path) -> None:
    messages = list(iter_mbox(write(tmp_path, MBOX)))
    assert len(messages) == 3
    assert messages[0] == (
        b"From: alice@example.com\nSubject: one\n\nBody one\n"
        b"From the start, quoted by mboxrd\n>From doubly quoted\n\n"
        b"From here on an unescaped paragraph (no time, so not a separator)\n"
    )
    assert messages[1] == b"From: bob@example.com\nSubject: two\n\nBody two\n"
    assert messages[2] == b"From: carol@example.com\nSubject: three\n\nBody three"
    assert [parse_message(m).subject for m in messages] == ["one", "two", "three"]
    assert count_mbox(tmp_path / "box.mbox") == 3


def test_crlf_mbox(tmp_path: Path) -> None:
    data = MBOX.replace(b"\n", b"\r\n")
    messages = list(iter_mbox(write(tmp_path, data)))
    assert len(messages) == 3
    assert messages[1] == b"From: bob@example.com\r\nSubject: two\r\n\r\nBody two\r\n"
    assert count_mbox(tmp_path / "box.mbox") == 3


def test_separator_needs_a_blank_line_before_it(tmp_path: Path) -> None:
    data = (
        b"From a@x Thu Mar  5 10:00:00 2026\nSubject: one\n\nline\n"
        b"From b@x Thu Mar  5 10:05:00 2026 inside the body\n"
    )
    assert len(list(iter_mbox(write(tmp_path, data)))) == 1
    assert count_mbox(tmp_path / "box.mbox") == 1


def test_single_eml_file_is_one_message(tmp_path: Path) -> None:
    raw = (FIXTURES / "outlook_reply.eml").read_bytes()
    path = write(tmp_path, raw, "message.eml")
    assert list(iter_mbox(path)) == [raw]
    assert count_mbox(path) == 1


def test_leading_blank_lines_and_empty_entries_are_skipped(tmp_path: Path) -> None:
    data = (
        b"\n\nFrom a@x Thu Mar  5 10:00:00 2026\n\n"
        b"From b@x Thu Mar  5 10:01:00 2026\nSubject: real\n\nx\n"
    )
    assert list(iter_mbox(write(tmp_path, data))) == [b"Subject: real\n\nx\n"]


def test_hash_of_mbox_copy_matches_the_imap_copy(tmp_path: Path) -> None:
    original = b"From: a@x\nSubject: s\nMessage-ID: <m@x>\n\nHello\nFrom the shop\n"
    quoted = original.replace(b"\nFrom the", b"\n>From the")
    data = b"From a@x Thu Mar  5 10:00:00 2026\nX-UID: 7\nStatus: RO\n" + quoted + b"\n"
    (message,) = iter_mbox(write(tmp_path, data))
    assert content_hash(message) == content_hash(original)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"nope\.mbox: no such file"):
        iter_mbox(tmp_path / "nope.mbox")
    with pytest.raises(UsageError):
        count_mbox(tmp_path / "nope.mbox")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        iter_mbox(tmp_path)


@pytest.mark.parametrize("data", [b"", b"\n\n  \n"])
def test_empty_mailbox(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, data)
    with pytest.raises(UsageError, match=r"box\.mbox: empty mailbox"):
        iter_mbox(path)
    with pytest.raises(UsageError, match="empty mailbox"):
        count_mbox(path)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, MBOX)
    path.chmod(0)
    with pytest.raises(UsageError, match="permission denied"):
        iter_mbox(path)


def test_unreadable_file_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Runs as root too: simulate the PermissionError the OS would raise.
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(mbox, "open", refuse, raising=False)
    with pytest.raises(UsageError, match=r"box\.mbox: permission denied"):
        iter_mbox(write(tmp_path, MBOX))


def test_streams_without_loading_the_whole_file(tmp_path: Path) -> None:
    body = b"x" * 1000 + b"\n"
    one = b"From a@x Thu Mar  5 10:00:00 2026\nSubject: s\n\n" + body * 100 + b"\n"
    path = tmp_path / "big.mbox"
    with path.open("wb") as handle:
        for _ in range(300):  # ~30 MB
            handle.write(one)
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_mbox(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 300
    assert peak < 5_000_000  # a few messages and buffers, never the 30 MB file
    assert count_mbox(path) == 300


def test_count_handles_separators_across_block_boundaries(tmp_path: Path) -> None:
    one = b"From a@x Thu Mar  5 10:00:00 2026\nSubject: s\n\n" + b"y" * 4093 + b"\n\n"
    path = write(tmp_path, one * 5000)  # ~20 MB, boundaries land everywhere
    assert count_mbox(path) == 5000
    assert sum(1 for _ in iter_mbox(path)) == 5000


def test_overlong_lines_are_read_in_pieces(tmp_path: Path) -> None:
    giant = b"z" * (3 * mbox.READ_LIMIT + 17)
    data = (
        b"From a@x Thu Mar  5 10:00:00 2026\nSubject: s\n\n" + giant + b"\n\n"
        b"From b@x Thu Mar  5 10:00:00 2026\nSubject: t\n\nok\n"
    )
    messages = list(iter_mbox(write(tmp_path, data)))
    assert len(messages) == 2
    assert messages[0] == b"Subject: s\n\n" + giant + b"\n"


def _pipe_with(data: bytes) -> int:
    """The read end of a pipe holding ``data`` whose writer has closed (a finished `cat`)."""
    read_end, write_end = os.pipe()
    os.write(write_end, data)
    os.close(write_end)
    return read_end


def test_a_pipe_is_read_in_one_pass(tmp_path: Path) -> None:
    """issue 9 finding 14: from a pipe or /dev/stdin the counting pass consumed the stream
    and the import said "empty mailbox"."""
    read_end = _pipe_with(MBOX)
    try:
        with mbox.open_mailbox(Path(f"/dev/fd/{read_end}")) as box:
            assert box.count() is None  # a stream is not counted: that would consume it
            messages = list(box.messages())
    finally:
        os.close(read_end)
    assert [parse_message(m).subject for m in messages] == ["one", "two", "three"]


def _within(seconds: float, work: Callable[[], object]) -> object:
    """``work()``'s result, or a failed test when it blocks (a daemon thread: a hang cannot
    keep the test run alive)."""
    import threading

    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the test below
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still blocked after {seconds} s"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def test_a_fifo_with_no_writer_does_not_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 finding 14: a FIFO nobody writes to hung the import forever."""
    monkeypatch.setattr(mbox, "FIFO_WAIT_SECONDS", 0.2, raising=False)
    fifo = tmp_path / "box.fifo"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match=r"box\.fifo: a FIFO that nothing was written to"):
        _within(60, lambda: iter_mbox(fifo))


def test_a_fifo_whose_writer_comes_later_is_imported(tmp_path: Path) -> None:
    """issue 9 finding 14: `mkfifo f; deskterm import mbox f & cat box > f` works."""
    import threading

    fifo = tmp_path / "box.fifo"
    os.mkfifo(fifo)

    def write_later() -> None:
        with contextlib.suppress(BrokenPipeError), fifo.open("wb") as writer:
            writer.write(MBOX)  # the open blocks until the reader has opened it

    threading.Thread(target=write_later, daemon=True).start()
    messages = _within(60, lambda: list(iter_mbox(fifo)))
    assert isinstance(messages, list) and len(messages) == 3


def test_dev_zero_is_not_an_mbox() -> None:
    """issue 9 finding 14: /dev/zero was read as one endless message (MemoryError)."""
    with pytest.raises(UsageError, match=r"/dev/zero: not an mbox"):
        iter_mbox(Path("/dev/zero"))


def test_garbage_is_not_an_mbox(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not an mbox"):
        iter_mbox(write(tmp_path, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10))


def test_a_message_past_the_size_cap_ends_the_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 finding 14: `From ` followed by endless bytes must stop with one line."""
    monkeypatch.setattr(mbox, "MAX_MESSAGE_BYTES", 10_000)
    data = MBOX + b"\n\nFrom z@x Thu Mar  5 10:07:00 2026\nSubject: big\n\n" + b"z\n" * 10_000
    messages = iter_mbox(write(tmp_path, data))
    with pytest.raises(UsageError, match="message 4 is over"):
        list(messages)

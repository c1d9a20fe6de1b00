"""safe_filename: traversal, dotfiles, controls, bidi, device names, length (reliability.md 5)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskterm.domain.filenames import MAX_CHARS, MAX_UTF8_BYTES, safe_filename

UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069/\\<>:\"|?*]")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\System32\\evil.dll", "evil.dll"),
        ("..%2F..%2F.ssh%2Fauthorized_keys", "authorized_keys"),
        ("..%252F..%252F.ssh%252Fauthorized_keys", "authorized_keys"),
        ("/absolute/path/report.pdf", "report.pdf"),
        ("C:\\Users\\me\\invoice.pdf", "invoice.pdf"),
        ("dir/", "dir"),
    ],
)
def test_only_the_basename_is_kept(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (".bashrc", "attachment.bashrc"),
        (".ssh", "attachment.ssh"),
        ("...pdf", "attachment.pdf"),
        ("..hidden.txt", "hidden.txt"),
        (".", "attachment"),
        ("..", "attachment"),
    ],
)
def test_no_dotfiles(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("-rf.pdf", "rf.pdf"),
        ("--help", "help"),
        ("-.-x.txt", "x.txt"),
        ("-", "attachment"),
        ("a-b.pdf", "a-b.pdf"),
    ],
)
def test_no_leading_dashes(name: str, expected: str) -> None:
    # A name like `-rf` is read as options when the user passes it to a shell command.
    assert safe_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("inv\x00oice.pdf", "invoice.pdf"),
        ("report\x1b]52;c;eA==\x07.pdf", "report]52;c;eA==.pdf"),
        ("\x9bred\x85.txt", "red.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("\u2066safe\u2069.pdf", "safe.pdf"),
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ('a:b?c*d|e<f>g"h.txt', "a_b_c_d_e_f_g_h.txt"),
        ("surrogate\udce9.txt", "surrogate.txt"),
    ],
)
def test_controls_bidi_and_forbidden_characters_removed(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", "attachment"),
        ("   ", "attachment"),
        ("/", "attachment"),
        ("\x00\x00", "attachment"),
        ("\x00.pdf", "attachment.pdf"),
        ("\u202e", "attachment"),
    ],
)
def test_empty_names_use_the_fallback(name: str, expected: str) -> None:
    assert safe_filename(name) == expected
    assert safe_filename(name, fallback="photo") == expected.replace("attachment", "photo")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("NUL", "_NUL"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("COM1.log", "_COM1.log"),
        ("lpt9", "_lpt9"),
        ("AUX.", "_AUX"),
        ("CON .txt", "_CON.txt"),
        ("CONSOLE.txt", "CONSOLE.txt"),
    ],
)
def test_windows_device_names_are_defused(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_long_names_are_capped_keeping_the_extension() -> None:
    name = safe_filename("r" * 300 + ".pdf")
    assert len(name) == MAX_CHARS and name.endswith(".pdf")
    wide = safe_filename("報" * 300 + ".docx")
    assert wide.endswith(".docx")
    assert len(wide.encode("utf-8")) <= MAX_UTF8_BYTES
    no_ext = safe_filename("x" * 300)
    assert len(no_ext) == MAX_CHARS


@pytest.mark.parametrize(
    "name",
    ["Invoice 2024-03 (final).pdf", "фото.jpg", "報告書.docx", "résumé.pdf", "archive.tar.gz"],
)
def test_ordinary_names_are_unchanged(name: str) -> None:
    assert safe_filename(name) == name


def test_percent_sign_without_escape_is_kept() -> None:
    assert safe_filename("50%off.pdf") == "50%off.pdf"
    assert safe_filename("report%20final.pdf") == "report final.pdf"


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=400))
def test_any_name_gives_one_safe_component(name: str) -> None:
    result = safe_filename(name)
    assert result
    assert not UNSAFE.search(result)
    assert not result.startswith((".", "-"))
    assert result not in (".", "..")
    assert len(result) <= MAX_CHARS
    assert len(result.encode("utf-8")) <= MAX_UTF8_BYTES
    assert result.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}

"""The panes measure text as the terminal draws it: the border never shifts (issue 11 item 7)."""

from __future__ import annotations

import ctypes
import locale
import os
import shutil
import subprocess
import time
from email.header import Header
from pathlib import Path

import pytest
from rich.cells import cell_len

from deskterm.cli import main
from deskterm.tui.render import safe_line, safe_text, shown_line
from tests.tui.terminal import deskterm_in_tmux, pane, wait_for_screen

# Display width of each string as tmux 3.3a draws it (cursor column after printing it at
# 200 columns), after width_stable; Rich must measure the same.
TERMINAL_WIDTHS = [
    ("👍🏽", 2),
    ("❤️", 1),
    ("🏳️‍🌈", 3),
    ("किताब मिली", 10),
    ("कि", 2),
    ("বাংলা", 5),
    ("தமிழ்", 4),
    ("ಕನ್ನಡ", 4),
    ("नमस्ते", 4),
    ("👨‍👩‍👧", 6),
    ("☺️", 1),
    ("🇮🇩", 2),
    ("#️⃣", 1),
    ("क्\u200dष", 2),
    ("ภาษาไทย", 7),
    ("한국어", 6),
    ("Việt Nam", 8),
    ("🙋‍♀️", 3),
]


@pytest.mark.parametrize(("text", "width"), TERMINAL_WIDTHS)
def test_rich_measures_customer_text_as_the_terminal_draws_it(text: str, width: int) -> None:
    """Issue 11 item 7: after the display step, Rich's cell length is tmux's width."""
    assert cell_len(shown_line(text)) == width
    assert safe_line(text).cell_len == width
    assert safe_text(text).cell_len == width


def needs_tmux() -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux not installed")


def test_tmux_draws_each_string_as_wide_as_rich_measures_it() -> None:
    """Issue 11 item 7: measured in a real terminal, not taken from a table."""
    needs_tmux()
    session = f"deskterm-widths-{os.getpid()}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "10", "sleep 60"],
        check=True,
    )
    try:
        for text, _width in TERMINAL_WIDTHS:
            shown = shown_line(text)
            command = f"printf '%s' '{shown}'; sleep 30"
            subprocess.run(["tmux", "respawn-pane", "-k", "-t", session, command], check=True)
            column = ""
            for _ in range(40):
                time.sleep(0.05)
                column = subprocess.run(
                    ["tmux", "display", "-p", "-t", session, "#{cursor_x}"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.strip()
                if column and int(column) > 0:
                    break
            assert int(column) == cell_len(shown), (text, shown, column)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def terminal_columns() -> object:
    """The C library's wcwidth: the width tmux gives each character it draws."""
    locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    libc = ctypes.CDLL(None)
    libc.wcwidth.argtypes = [ctypes.c_wchar]
    return libc.wcwidth


def border_columns(row: str, wcwidth: object) -> tuple[int, ...]:
    """Screen columns of the pane borders (│) in a captured row."""
    columns = []
    at = 0
    for char in row:
        if char == "│":
            columns.append(at)
        at += max(wcwidth(char), 0)  # type: ignore[operator]
    return tuple(columns)


HARD = ["👍🏽 mantap", "❤️ suka", "🏳️‍🌈 bendera", "किताब मिली", "धन्यवाद 🙏🏽"]


def hard_mbox(path: Path) -> None:
    mails = []
    for n, text in enumerate(HARD):
        subject = Header(f"Pesanan {text} {n}", "utf-8").encode()
        name = Header(f"{text.split()[0]} Pelanggan", "utf-8").encode()
        mails.append(
            f"From p{n}@mail.test Mon Nov 16 1{n}:00:00 2026\n"
            f"From: {name} <p{n}@mail.test>\nTo: support@kopi-nusantara.test\n"
            f"Subject: {subject}\nMessage-ID: <width-{n}@mail.test>\n"
            f"Date: Mon, 16 Nov 2026 1{n}:00:00 +0000\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            f"{text} {text} {text}\n{' '.join(HARD)}\n"
        )
    path.write_bytes("\n".join(mails).encode("utf-8"))


@pytest.mark.slow
def test_pane_borders_stay_in_one_column_with_emoji_and_devanagari(
    sample_config: Path, tmp_path: Path
) -> None:
    """Issue 11 item 7: tickets whose subject, customer and body hold 👍🏽 ❤️ 🏳️‍🌈 and
    Devanagari, at 160 columns in tmux: the sidebar's and the list's borders │ sit in the
    same columns on every row (columns counted with the C library's wcwidth, as tmux does)."""
    needs_tmux()
    mbox = tmp_path / "widths.mbox"
    hard_mbox(mbox)
    assert main(["--config", str(sample_config), "import", "mbox", str(mbox)]) == 0
    wcwidth = terminal_columns()
    session = f"deskterm-width-panes-{os.getpid()}"
    with deskterm_in_tmux(session, f"--config {sample_config}", width=160, height=40):
        screen = wait_for_screen(session, "mantap")
        time.sleep(1.0)  # the conversation of the first ticket
        screen = pane(session)
        rows = [row for row in screen.splitlines()[:-2] if "│" in row]
        assert any("मिली" in row for row in rows) and any("👍" in row for row in rows), screen
        columns = {border_columns(row, wcwidth) for row in rows}
        firsts = {found[:2] for found in columns}
        assert len(firsts) == 1, f"borders moved: {sorted(columns)}\n{screen}"

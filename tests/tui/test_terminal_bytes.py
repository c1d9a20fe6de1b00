"""What the inbox writes to the terminal (issue 11 item 1): only what changed, and the same
picture as Textual's own frames.

The app runs headless with its frames captured where Textual hands them to the driver
(``App._display``), then passed through the driver's rewriting (``ShadowScreen`` and
``compact``) as a real terminal session does; ``tests/tui/vt.py`` replays both streams.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from textual._compositor import ChopsUpdate, CompositorUpdate
from textual.drivers.linux_driver import LinuxDriver
from textual.widgets import TextArea

from deskterm.config.sections import UiConfig
from deskterm.tui.app import DesktermApp
from deskterm.tui.driver import TerminalDriver
from deskterm.tui.screen_diff import ShadowScreen
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.terminal_output import compact
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import store_url
from tests.tui.test_inbox import ME, shown_subject, until
from tests.tui.vt import Terminal

SSH = "192.0.2.1 50022 192.0.2.2 22"


class Recorder:
    """Every frame of one app: Textual's update, its text, and what the driver writes."""

    def __init__(self, app: DesktermApp, size: tuple[int, int]) -> None:
        self.app = app
        self.shadow = ShadowScreen()
        self.raw = Terminal(*size)
        self.written = Terminal(*size)
        self.updates: list[CompositorUpdate] = []
        self.raw_bytes = 0
        self.bytes = 0
        self.mismatch: list[int] = []
        app._display = self._display  # type: ignore[method-assign]

    def _display(self, screen: Any, renderable: Any) -> None:
        if not isinstance(renderable, CompositorUpdate):
            return
        text = renderable.render_segments(self.app.console)
        out = compact(self.shadow.frame(text))
        self.updates.append(renderable)
        self.raw_bytes += len(text.encode())
        self.bytes += len(out.encode())
        self.raw.feed(text)
        self.written.feed(out)
        if self.raw.cells != self.written.cells:
            self.mismatch.append(len(self.updates))

    def mark(self) -> None:
        """Start counting afresh."""
        self.updates.clear()
        self.raw_bytes = self.bytes = 0


def make_app(config: Path) -> DesktermApp:
    return DesktermApp(store_url=store_url(config), me_email=ME)


async def ready(app: DesktermApp, pilot: Any) -> TicketList:
    tickets = app.inbox.query_one(TicketList)
    await until(lambda: tickets.total == 10 and tickets.current is not None, pilot)
    await until(lambda: shown_subject(app) == tickets.current["subject"], pilot)  # type: ignore[index]
    await pilot.pause(1.5)  # the first ticket is marked read and the list reloaded
    return tickets


def rows_painted(updates: list[CompositorUpdate], region: Any) -> set[int]:
    """Screen rows of ``region`` that the updates repaint."""
    rows: set[int] = set()
    for update in updates:
        assert isinstance(update, ChopsUpdate), "a full-screen repaint"
        for y, x1, x2 in update.spans:
            if region.y <= y < region.bottom and x1 < region.right and x2 > region.x:
                rows.add(y)
    return rows


async def test_j_repaints_two_list_rows_and_the_preview_within_3_kb(
    sample_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 11 item 1: `j` repaints the two list rows whose cursor mark changed (not the
    pane), shows the next conversation in one paint, and the bytes written for it stay
    within the target (3 KB at 120x40); marking it read a second later writes a row."""
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    app = make_app(sample_config)
    recorder = Recorder(app, (120, 40))
    async with app.run_test(size=(120, 40)) as pilot:
        tickets = await ready(app, pilot)
        first = shown_subject(app)
        recorder.mark()
        await pilot.press("j")
        await until(lambda: shown_subject(app) != first, pilot)
        await pilot.pause(0.3)
        assert rows_painted(recorder.updates, tickets.region) == {
            tickets.region.y,
            tickets.region.y + 1,
        }
        assert 0 < recorder.bytes <= 3000, recorder.bytes
        conversation = app.inbox.query_one(ConversationView).region
        paints = [u for u in recorder.updates if rows_painted([u], conversation)]
        assert len(paints) <= 2, "the conversation was painted again and again"  # + scrollbar
        recorder.mark()
        await pilot.pause(2.0)  # read after a second, the store poll, the list reloaded
        assert recorder.bytes <= 300, recorder.bytes  # the unread mark of one row
    assert not recorder.mismatch


async def test_the_written_frames_draw_what_textual_drew(sample_config: Path) -> None:
    """issue 11 item 1: the driver's rewriting (unchanged cells skipped, styles merged,
    blanks erased) leaves the terminal with exactly the cells Textual's frames draw, at a
    fraction of the bytes, through moves, the palette, a prompt and the composer."""
    app = make_app(sample_config)
    recorder = Recorder(app, (100, 30))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        for keys in (["j"], ["j", "k"], ["enter"], ["escape"], ["ctrl+p"], ["escape"]):
            await pilot.press(*keys)
            await pilot.pause(0.4)
        await pilot.press("slash", *"refund")
        await pilot.pause(0.4)
        await pilot.press("escape", "r", *"Thanks, Ann!")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        await pilot.pause(0.4)
        await pilot.press("escape")
        await pilot.pause(0.4)
        assert recorder.raw.lines() == recorder.written.lines()
        assert recorder.bytes < recorder.raw_bytes / 3, (recorder.bytes, recorder.raw_bytes)
    assert not recorder.mismatch, f"frames {recorder.mismatch} drew other cells"


async def test_draft_autosave_and_unchanged_status_write_nothing(
    sample_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 11 item 1: typing writes a few bytes a character; the draft autosave (a store
    write, then the inbox's live reload behind the composer) writes nothing, and the
    status line set to the words it already shows repaints nothing. Over ssh the
    composer's cursor does not blink."""
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    app = make_app(sample_config)
    recorder = Recorder(app, (120, 40))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        area = app.screen.query_one(TextArea)
        assert area.cursor_blink is False
        await pilot.press(*"Hello")
        await pilot.pause(2.5)  # the first save adds the draft mark to the list row
        recorder.mark()
        await pilot.press(*"!!!!!")
        await until(lambda: area.text.endswith("!!!!!"), pilot)
        await pilot.pause(0.2)
        assert recorder.bytes <= 5 * 300, recorder.bytes
        recorder.mark()
        await pilot.pause(2.5)  # an autosave, the store poll and the reload it causes
        assert recorder.bytes == 0, recorder.bytes
        recorder.mark()
        app._status(app._view_line)
        await pilot.pause(0.3)
        assert recorder.updates == [] and recorder.bytes == 0
    assert not recorder.mismatch


def test_shadow_screen_writes_only_changed_cells_and_forgets_on_a_clear() -> None:
    """issue 11 item 1: a frame repeating what is shown writes nothing; one changed cell
    writes that cell; wide characters are rewritten whole; a clear or another screen buffer
    makes the next frame go out in full."""
    shadow = ShadowScreen()
    frame = "\x1b[1;1H\x1b[38;5;1mhello world\x1b[0m\x1b[2;1Hdata 表 ok\x1b[5;5H"
    assert shadow.frame(frame) != ""
    assert shadow.frame(frame) == ""
    changed = shadow.frame(frame.replace("world", "wOrld"))
    assert "O" in changed and "hello" not in changed
    wide = shadow.frame(frame.replace("wOrld", "world").replace("表", "x "))
    terminal = Terminal(20, 6)
    terminal.feed(frame)
    terminal.feed(wide)
    assert terminal.lines()[1].startswith("data x  ok")
    shadow.frame("\x1b[?1049h")
    assert "hello" in shadow.frame(frame)


def test_compact_merges_styles_and_erases_blank_runs() -> None:
    """issue 11 item 1: one style repeated costs one colour sequence, a change of style
    sends only what changed, and a run of blanks becomes erase + move, never under
    underline."""
    raw = (
        "\x1b[1;1H\x1b[38;5;253;48;5;234mab\x1b[0m\x1b[38;5;253;48;5;234mcd\x1b[0m"
        "\x1b[38;5;7;48;5;234m" + " " * 40 + "\x1b[0m\x1b[4m" + " " * 20 + "\x1b[0m"
    )
    out = compact(raw)
    assert out.count("38;5;253") == 1
    assert "abcd\x1b[38;5;7m\x1b[40X\x1b[40C" in out  # only the foreground changes
    assert " " * 20 in out  # underlined blanks show: written as they are
    assert out.endswith("\x1b[0m")
    before, after = Terminal(70, 2), Terminal(70, 2)
    before.feed(raw)
    after.feed(out)
    assert before.cells == after.cells


async def test_mouse_asks_for_clicks_and_wheel_not_every_motion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """issue 11 item 1: the driver turns on button and wheel reports (with drags while a
    button is held, SGR coordinates) but not any-motion tracking (?1003), and turns every
    mode off again; the app picks this driver on Linux."""
    written: list[str] = []
    monkeypatch.setattr(LinuxDriver, "write", lambda self, data: written.append(data))
    monkeypatch.setattr(LinuxDriver, "flush", lambda self: None)
    driver = TerminalDriver(DesktermApp(store_url="sqlite://", me_email=ME), mouse=True)
    driver._enable_mouse_support()
    on = "".join(written)
    assert {"?1000h", "?1006h"} <= set(re.findall(r"\?\d+h", on))
    assert "?1003h" not in on
    written.clear()
    driver._disable_mouse_support()
    assert {"?1000l", "?1002l", "?1003l", "?1006l"} <= set(re.findall(r"\?\d+l", "".join(written)))
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    assert DesktermApp(store_url="sqlite://", me_email=ME).get_driver_class() is TerminalDriver


@pytest.mark.parametrize(
    ("environ", "setting", "animated"),
    [
        ({}, None, True),
        ({"SSH_CONNECTION": SSH}, None, False),
        ({"SSH_TTY": "/dev/pts/3"}, None, False),
        ({"SSH_CONNECTION": SSH}, True, True),
        ({}, False, False),
    ],
)
def test_animations_and_cursor_blink_off_over_ssh_unless_set(
    environ: dict[str, str], setting: bool | None, animated: bool
) -> None:
    """issue 11 item 1: `[ui] animations` and `cursor_blink` unset follow the session (off
    when $SSH_CONNECTION or $SSH_TTY is set); set, they win."""
    ui = UiConfig(animations=setting, cursor_blink=setting)
    assert ui.animations_on(environ) is animated
    assert ui.cursor_blinks(environ) is animated


async def test_no_scroll_animation_over_ssh(
    sample_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 11 item 1: over ssh the app runs without animations (Home in a conversation
    jumps in one frame) and dialogs do not dim the screen behind them."""
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        assert app.animation_level == "none"
        assert app.has_class("-no-effects")
    monkeypatch.delenv("SSH_CONNECTION")
    assert make_app(sample_config).animation_level != "none"


def test_compact_style_changes_keep_every_cell_as_textual_drew_it() -> None:
    """issue 11 item 1: whatever styles follow one another (bold, faint, italic, underline,
    reverse, strike; 16, 256 and 24-bit colours, default colours), the shortened changes
    leave each character with exactly the style of Textual's own sequence."""
    rng = random.Random(11)
    pieces = ["1", "2", "3", "4", "7", "9", "31", "94", "42", "38;5;253", "48;5;234"]
    pieces += ["38;2;10;20;30", "48;2;1;2;3"]
    raw = ""
    for row in range(1, 21):
        raw += f"\x1b[{row};1H"
        for _ in range(30):
            params = ";".join(rng.sample(pieces, rng.randint(1, 4)))
            raw += f"\x1b[{params}m{rng.choice('ab  ')}\x1b[0m"
    before, after = Terminal(40, 22), Terminal(40, 22)
    before.feed(raw)
    after.feed(compact(raw))
    assert before.cells == after.cells
    assert len(compact(raw)) < len(raw)

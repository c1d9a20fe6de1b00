"""Hostile text is inert in every widget (reliability.md 1-3): no control byte reaches the
screen, no markup is interpreted, no action or link span appears, the app stays up."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.widgets import OptionList, Static

from deskterm.cli import main
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.macro_manager import MacroManager
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.conversation.customer_panel import CustomerPanel
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import store_url
from tests.tui.hostile import MARKUP, PAYLOADS, hostile_mbox
from tests.tui.terminal import deskterm_in_tmux, keys, wait_for_screen
from tests.tui.test_inbox import ME, until

CONTROL = ("\x1b", "\x07", "\x9b")


def assert_inert_style(style: Style | str | None) -> None:
    if isinstance(style, Style):
        assert style.link is None
        assert not any("@click" in str(value) for value in (style.meta or {}).values())


def assert_inert_text(text: Text) -> None:
    assert not any(ch in text.plain for ch in CONTROL), repr(text.plain)
    assert "\u202e" not in text.plain
    assert_inert_style(text.style)
    for span in text.spans:
        assert_inert_style(span.style)


def assert_inert_content(rendered: object) -> None:
    """A widget's render(): Textual Content or Rich Text, checked alike."""
    if isinstance(rendered, Text):
        assert_inert_text(rendered)
        return
    assert isinstance(rendered, Content), type(rendered)
    assert not any(ch in rendered.plain for ch in CONTROL), repr(rendered.plain)
    assert "\u202e" not in rendered.plain
    for span in rendered.spans:
        description = str(span.style)
        assert "@click" not in description and "link" not in description, description


@pytest.fixture
def hostile_config(sample_config: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    mbox = sample_config.parent / "hostile.mbox"
    mbox.write_bytes(hostile_mbox())
    assert main(["--config", str(sample_config), "import", "mbox", str(mbox)]) == 0
    assert main(["--config", str(sample_config), "views", "save", "[b]x[/b]\x1b]0;t\x07", "*"]) == 0
    macros = sample_config.parent / "hostile-macros.toml"
    macros.write_text(
        '[[macros]]\nname = "[@click=app.quit]x[/] \\u001b]52;c;SGVsbG8=\\u0007"\n'
        'shortcut = "evil"\nbody = "[b]bold?[/b] \\u001b[31mred \\u202eevil"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(sample_config), "macros", "import", str(macros)]) == 0
    capsys.readouterr()
    return sample_config


async def test_every_widget_renders_hostile_text_inertly(hostile_config: Path) -> None:
    app = DesktermApp(store_url=store_url(hostile_config), me_email=ME)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.total >= 20 and tickets.current is not None, pilot)
        conversation = app.inbox.query_one(ConversationView)
        for _ in range(tickets.total):
            for y in range(tickets.size.height):
                for segment in tickets.render_line(y):
                    assert not any(ch in segment.text for ch in CONTROL), repr(segment.text)
                    assert_inert_style(segment.style)
            await until(
                lambda: (
                    conversation.ticket is not None
                    and conversation.ticket["id"] == tickets.current["id"]
                ),
                pilot,
            )  # type: ignore[index]
            for static in conversation.query(Static):
                assert_inert_content(static.render())
            assert_inert_content(app.inbox.query_one(CustomerPanel).render())
            assert_inert_content(app.inbox.query_one("#status", Static).render())
            await pilot.press("j")
        sidebar = app.inbox.query_one(ViewsList)
        prompts = [sidebar.get_option_at_index(i).prompt for i in range(sidebar.option_count)]
        assert any("[b]x[/b]" in str(p) for p in prompts)  # shown literally, not bold
        for prompt in prompts:
            assert isinstance(prompt, Text)
            assert_inert_text(prompt)
        # The seller's own macros are shown inertly too (names, shortcuts, bodies).
        await pilot.press("f2")
        await until(lambda: isinstance(app.screen, MacroManager), pilot)
        await pilot.pause(0.3)
        for static in app.screen.query(Static):
            assert_inert_content(static.render())
        for options in app.screen.query(OptionList):
            for index in range(options.option_count):
                prompt = options.get_option_at_index(index).prompt
                assert_inert_content(prompt if isinstance(prompt, Text) else Text(str(prompt)))
        assert any("[@click=app.quit]" in str(s.render()) for s in app.screen.query(Static))
        await pilot.press("escape")
        assert app.is_running
    for markup in MARKUP:
        assert markup  # every fixture was present in some subject/body above


def test_no_escape_payload_reaches_a_real_terminal(hostile_config: Path, tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux not installed")
    log = tmp_path / "pane.log"
    with deskterm_in_tmux("deskterm-hostile", f"--config {hostile_config}", width=140) as session:
        # pipe-pane records every byte the app writes to the terminal.
        subprocess.run(["tmux", "pipe-pane", "-t", session, "-o", f"cat >> {log}"], check=True)
        wait_for_screen(session, "Inbox")
        for _ in range(25):  # walk every hostile ticket so each is drawn
            keys(session, "j")
            time.sleep(0.15)
        time.sleep(1)
        screen = wait_for_screen(
            session, "[@click=app.quit]x"
        )  # shown literally (maybe cut with …)
    raw = log.read_bytes().decode("utf-8", "replace")
    assert "subject" in raw  # the hostile tickets were drawn
    for payload in PAYLOADS:
        assert payload not in raw, payload
    assert "␛" in raw or "<U+" in raw  # controls are shown as visible placeholders
    assert "Traceback" not in screen

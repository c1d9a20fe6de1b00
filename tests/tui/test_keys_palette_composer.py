"""Rebinding keys, the help overlay's ids, the command palette, $EDITOR and ;shortcuts."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.theme import BUILTIN_THEMES
from textual.widgets import Input, TextArea

from deskterm.cli import main
from deskterm.config import load_config
from deskterm.domain.errors import ConfigError
from deskterm.domain.keymap import BINDING_IDS
from deskterm.domain.themes import THEME_NAMES
from deskterm.tui.app import DesktermApp
from deskterm.tui.keys import key_places, key_rows
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.screens.help import HelpScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import import_macros, store_url
from tests.tui.test_inbox import ME, until


def with_keys(config: Path, keys: str) -> Path:
    """The sample config with a [ui.keys] table added."""
    text = config.read_text(encoding="utf-8")
    config.write_text(text + f"\n[ui.keys]\n{keys}\n", encoding="utf-8")
    return config


def make_app(config: Path) -> DesktermApp:
    return DesktermApp(
        store_url=store_url(config), me_email=ME, me_name="Dewi", config=load_config(config)
    )


# --- rebindable keys ------------------------------------------------------------------


async def test_rebound_key_replaces_the_default_and_help_shows_it(sample_config: Path) -> None:
    app = make_app(with_keys(sample_config, 'reply = "R"\n"list.cursor_down" = "J"'))
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.current is not None, pilot)
        await pilot.press("j")  # no longer bound
        await pilot.pause(0.1)
        assert tickets.cursor == 0
        await pilot.press("J")
        assert tickets.cursor == 1
        await pilot.press("r")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ComposerScreen)
        await pilot.press("R")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        await pilot.press("escape")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        reply = next(r for r in key_rows(key_places(type(app)), app.keymap) if r.id == "reply")
        assert reply.keys == "R"
        shown = app.screen.query_one("#help")
        assert "reply" in str(shown.content.columns[3]._cells)  # type: ignore[attr-defined]


def test_unknown_binding_id_is_one_line_config_error(sample_config: Path) -> None:
    with pytest.raises(ConfigError, match=r"ui\.keys\.repyl: no such binding"):
        make_app(with_keys(sample_config, 'repyl = "R"'))


def test_unknown_binding_id_from_the_command_line_exits_2(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_keys(sample_config, 'repyl = "R"')
    assert main(["--config", str(sample_config)]) == 2
    err = capsys.readouterr().err
    assert "ui.keys.repyl" in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_unknown_theme_is_a_config_error(sample_config: Path) -> None:
    text = sample_config.read_text(encoding="utf-8")
    if "[ui]" in text:
        pytest.skip("sample config already has a [ui] table")
    sample_config.write_text(text + '\n[ui]\ntheme = "no-such-theme"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ui\.theme"):
        make_app(sample_config)


def test_config_knows_every_binding_id_of_the_tui() -> None:
    """issue 9 finding 15: config check validates [ui.keys] against a base-layer list of ids;
    it must be exactly the TUI's ids (a new or renamed binding updates domain/keymap.py)."""
    assert {row.id for row in key_rows(key_places(DesktermApp), {})} == BINDING_IDS


def test_config_knows_every_theme_of_textual() -> None:
    """issue 9 finding 15: config check validates [ui] theme against a base-layer list;
    it must be exactly the themes the app offers (a Textual upgrade updates domain/themes.py)."""
    assert set(BUILTIN_THEMES) == THEME_NAMES
    assert set(DesktermApp(store_url="sqlite://", me_email=ME).available_themes) == THEME_NAMES


def test_tui_and_config_check_word_a_bad_key_alike(sample_config: Path) -> None:
    with pytest.raises(ConfigError) as info:
        make_app(with_keys(sample_config, 'repyl = "R"\nquit = ""'))
    assert str(info.value) == "ui.keys.repyl: no such binding (did you mean reply?) (and 1 more)"


# --- command palette ------------------------------------------------------------------


async def palette_pick(pilot: object, app: DesktermApp, text: str) -> None:
    """Open ctrl+p, type ``text``, take the first hit."""
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await until(lambda: isinstance(app.screen, CommandPalette), pilot)
    await pilot.press(*text)  # type: ignore[attr-defined]
    await pilot.pause(0.6)  # type: ignore[attr-defined]  # the palette searches in the background
    await pilot.press("enter")  # type: ignore[attr-defined]


async def test_palette_opens_views_tickets_by_id_macros_and_actions(sample_config: Path) -> None:
    import_macros(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None and len(app.macros) == 4, pilot)
        await until(lambda: "Closed" in app.view_names, pilot)

        await palette_pick(pilot, app, "View: All")
        await until(lambda: app.view == "All", pilot)

        await palette_pick(pilot, app, "#3")
        await until(
            lambda: conversation.ticket is not None and conversation.ticket["id"] == 3, pilot
        )

        await palette_pick(pilot, app, "Macro: refund")
        # The macro renders in a worker: the composer opens when it is done.
        await until(
            lambda: isinstance(app.screen, ComposerScreen) and bool(app.screen.query(TextArea)),
            pilot,
        )
        body = app.screen.query_one(TextArea).text
        assert "ticket #3" in body
        await pilot.press("escape")

        await palette_pick(pilot, app, "Tag")
        await until(lambda: app.screen.query(Input), pilot)  # the tag prompt opened
        await pilot.press("escape")


# --- composer: $EDITOR and ;shortcut ----------------------------------------------------


def fake_editor(tmp_path: Path, text: str) -> str:
    """An 'editor' that replaces everything above the marker with ``text``."""
    script = tmp_path / "fake-editor"
    script.write_text(
        "#!/bin/sh\n"
        f"python3 - \"$1\" <<'EOF'\n"
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1]); old = p.read_text()\n"
        "marker = old.index('-- write your reply')\n"
        f"p.write_text({text!r} + '\\n\\n' + old[marker:])\n"
        "EOF\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.mark.skipif(shutil.which("python3") is None, reason="needs python3 on PATH")
async def test_e_composes_in_editor_and_returns_to_the_composer_for_review(
    sample_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, "Written in my editor."))
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        await pilot.press("e")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        area = app.screen.query_one(TextArea)
        await until(lambda: "Written in my editor." in area.text, pilot)
        assert isinstance(app.screen, ComposerScreen)  # reviewed before sending


async def test_editor_failure_keeps_the_text(
    sample_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "false")
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        await pilot.press("r", *"keep me", "ctrl+e")
        await pilot.pause(0.2)
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        assert composer.query_one(TextArea).text == "keep me"


async def test_semicolon_shortcut_expands_inline(sample_config: Path) -> None:
    import_macros(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None and len(app.macros) == 4, pilot)
        await pilot.press("r", *"Hi! ;refund ")
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        # The macro renders in a worker; the shortcut is replaced when it is done.
        await until(lambda: ";refund" not in composer.query_one(TextArea).text, pilot)
        text = composer.query_one(TextArea).text
        assert text.startswith("Hi! Hi ") and "refund is approved" in text and ";refund" not in text
        assert composer.actions  # the macro's tags/status apply on send
        await pilot.press(*" ;nosuch ")  # not a shortcut: stays as typed
        assert composer.query_one(TextArea).text.endswith(";nosuch ")


# --- status line -----------------------------------------------------------------------


async def test_status_line_shows_each_channels_sync_state(sample_config: Path) -> None:
    from deskterm.sync.status import write_status

    data_dir = Path(store_url(sample_config).removeprefix("sqlite:///")).parent
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        status = app.inbox.query_one("#status")
        await until(lambda: "Inbox: 10 tickets" in str(status.content), pilot)
        write_status(data_dir, {"support": {"ok": False, "error": "login refused", "at": ""}})
        await until(lambda: "support ✗ login refused" in str(status.content), pilot)
        assert "Inbox: 10 tickets" in str(status.content)

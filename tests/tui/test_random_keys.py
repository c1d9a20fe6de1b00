"""No key crashes the inbox: random bindings in every state, single or in one burst.

Issue 11 item 3. Every key the app, its panes and its dialogs bind (plus answers, moves and
typed text) is pressed in random order from random starting states — a dialog open, the
composer, the palette, the help, the managers, an empty list, no ticket — sometimes one at a
time, sometimes many in one burst as a slow ssh link delivers them, with reloads of the list
in between. After each run the app is alive, nothing was raised, the inbox is still at the
bottom of the screen stack, and escape then ``q`` quit cleanly.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.command import CommandList, CommandPalette
from textual.widgets import TextArea

from deskterm.cli import main
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.screens.prompt import PromptScreen
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import REPO, import_macros
from tests.tui.keymash import bound_keys, burst
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app

RELOAD = "<reload>"  # not a key: the list and the counts reload meanwhile (sync, a write)
ALPHABET = [*bound_keys(), RELOAD]
STARTS = {  # keys that lead to each starting state
    "inbox": (),
    "conversation": ("enter",),
    "help": ("question_mark",),
    "prompt": ("t",),
    "composer": ("r",),
    "palette": ("ctrl+p",),
    "macro picker": ("m",),
    "macro manager": ("f2",),
    "views manager": ("f3",),
    "search, no results": ("slash", *"zzqqxx", "enter"),
    "marked": ("x", "j", "x"),
}
steps = st.lists(
    st.tuples(st.booleans(), st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=8)),
    min_size=1,
    max_size=6,
)
SETTINGS = settings(
    max_examples=16,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def harmless(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What random keys may start stays inside the test: the editor is `true`, a pipe
    cannot run (no terminal to suspend to), attachments land in a temp home."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VISUAL", "true")
    monkeypatch.setenv("EDITOR", "true")


def empty_config(tmp_path: Path) -> Path:
    """The sample config on a store with no ticket at all."""
    config = tmp_path / "empty" / "config.toml"
    config.parent.mkdir()
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    assert main(["--config", str(config), "tickets"]) == 0
    return config


def alive(app: DesktermApp) -> None:
    """The app runs, nothing was raised, the inbox is still the ground of the stack."""
    assert app._exception is None, app._exception
    assert app.is_running and app.return_code is None
    assert app.screen_stack[1] is app.inbox and app.inbox.is_attached
    assert app.inbox.query_one(TicketList) is not None


async def mash(app: DesktermApp, start: str, plan: list[tuple[bool, list[str]]]) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app._painted, pilot)
        await pilot.press(*STARTS[start])
        for together, step in plan:
            if RELOAD in step:
                app.load_view(app.view)
                app.load_counts()
            keys = [key for key in step if key != RELOAD]
            if together:
                await burst(app, pilot, keys)
            else:
                await pilot.press(*keys)
            await pilot.pause()
            alive(app)
        # Back to the inbox (a dialog asks at most once more), then q still quits.
        for _ in range(8):
            if app.screen is app.inbox:
                break
            await pilot.press("n" if type(app.screen).__name__ == "ConfirmScreen" else "escape")
            await pilot.pause()
        assert app.screen is app.inbox, app.screen_stack
        await pilot.press("escape", "q")
        await pilot.pause()
    assert app.return_code == 0


@pytest.mark.slow
@pytest.mark.usefixtures("harmless")
def test_random_keys_on_a_filled_inbox(sample_config: Path) -> None:
    """issue 11 item 3: random bindings, single and in bursts, in every state."""
    import_macros(sample_config)

    @SETTINGS
    @given(start=st.sampled_from(sorted(STARTS)), plan=steps)
    def run(start: str, plan: list[tuple[bool, list[str]]]) -> None:
        asyncio.run(mash(make_app(sample_config), start, plan))

    run()


@pytest.mark.usefixtures("harmless")
def test_random_keys_on_an_empty_inbox(tmp_path: Path) -> None:
    """issue 11 item 3: with no ticket at all, every binding acts, does nothing or says why."""
    config = empty_config(tmp_path)

    @settings(SETTINGS, max_examples=10)
    @given(start=st.sampled_from(sorted(STARTS)), plan=steps)
    def run(start: str, plan: list[tuple[bool, list[str]]]) -> None:
        asyncio.run(mash(make_app(config), start, plan))

    run()


# --- the two crashes found by key mashing (regressions) --------------------------------


async def test_enter_enter_in_one_burst_closes_the_prompt_only(sample_config: Path) -> None:
    """issue 11 item 3: `t`, `vip`, Enter Enter arriving together: the letters reach the
    prompt (the ticket is tagged vip, `i` did not toggle the customer panel), the prompt
    closes and the inbox keeps working (the second Enter used to dismiss the inbox)."""
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.current is not None, pilot)
        tid = tickets.current["id"]
        await burst(app, pilot, ["t", "v", "i", "p", "enter", "enter"])
        alive(app)
        # The letters typed ahead reached the prompt: the ticket got its tag.
        await until(lambda: "vip" in (tickets.current or {}).get("tags", []), pilot)
        assert tickets.current["id"] == tid and not app.inbox.has_class("-with-customer")
        assert app.screen is app.inbox
        await burst(app, pilot, ["t", "enter", "enter", "w", "escape"])  # w: the next prompt
        alive(app)
        await pilot.press("escape")
        assert app.screen is app.inbox
        await pilot.press("t")  # the prompt still works, once, on the ticket in view
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"late", "enter")
        await until(lambda: "late" in (tickets.current or {}).get("tags", []), pilot)
        assert app.screen is app.inbox
        await pilot.press("q")
    assert app.return_code == 0


async def test_palette_page_keys_right_after_ctrl_p(sample_config: Path) -> None:
    """issue 11 item 3: ctrl+p then PageDown/PageUp (Textual 8.2.8 raised KeyError: 0 in
    the palette's option list) leave the palette open and working."""
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app._painted, pilot)
        await burst(app, pilot, ["ctrl+p", "pagedown", "pageup", "pagedown"])
        alive(app)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("pagedown", "pageup", "pagedown")
        alive(app)
        commands = app.screen.query_one(CommandList)
        assert commands.highlighted is not None  # paging moved through the commands
        await pilot.press("escape")
        assert app.screen is app.inbox
        await burst(app, pilot, ["ctrl+p", *"help", "enter", "enter"])  # one command, once
        await until(lambda: type(app.screen).__name__ == "HelpScreen", pilot, timeout=10)
        alive(app)
        await pilot.press("escape")
        assert app.screen is app.inbox


async def test_enter_typed_ahead_of_the_palette_search_acts_on_its_matches(
    sample_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+p, "help" and Enter, Enter in one read while the search is slow (a loaded
    server): Textual's palette took the Enters on the list shown before the matches
    (every command), running the first command instead of Help. The Enters wait for the
    search of what was typed, then act as they would for a slow typist."""
    from deskterm.tui.commands import DesktermCommands

    real = DesktermCommands.search

    async def slow_search(self: DesktermCommands, query: str):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.4)
        async for hit in real(self, query):
            yield hit

    monkeypatch.setattr(DesktermCommands, "search", slow_search)
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app._painted, pilot)
        await burst(app, pilot, ["ctrl+p", *"help", "enter", "enter"])
        await until(lambda: type(app.screen).__name__ == "HelpScreen", pilot, timeout=10)
        await pilot.pause(0.3)
        alive(app)
        assert type(app.screen).__name__ == "HelpScreen"  # once: the second Enter ran nothing
        await pilot.press("escape")
        assert app.screen is app.inbox


async def test_text_typed_ahead_of_the_composer_lands_in_it(sample_config: Path) -> None:
    """issue 11 item 3: `r` and the first words in one read: the words are in the reply,
    none of the letters acted as an inbox key (`c` did not close the ticket)."""
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.current is not None, pilot)
        await burst(app, pilot, ["r", *"Thanks, closing"])
        alive(app)
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        area = app.screen.query_one(TextArea)
        await until(lambda: area.text == "Thanks, closing", pilot)
        assert tickets.current["status"] == "open"
        await pilot.press("escape", "q")

"""A hostile shared macro in the TUI: picker, composer and editor keep answering keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static, TextArea

from deskterm.automation import template_sandbox
from deskterm.cli import main
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.screens.macro_editor import MacroEditor
from deskterm.tui.screens.macro_picker import RENDER_GROUP, MacroPicker
from tests.tui.conftest import import_macros
from tests.tui.test_actions import make_app
from tests.tui.test_inbox import until
from tests.tui.test_manage import on_screen, ready, shown

LOOPS = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
# Seconds: ample time to press keys while the hostile render still runs (a Pilot key press
# waits up to 2 s for the process to go idle, which it does not while a render runs).
LIMIT = 15.0
REASON = f"macro 'AAA Hostile': takes longer than {LIMIT:g} s to render"


pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def render_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_sandbox, "RENDER_SECONDS", LIMIT)


def import_hostile(config: Path) -> None:
    """The sample macros, and one that never finishes: first by name, so highlighted first."""
    import_macros(config)
    path = config.parent / "hostile.toml"
    path.write_text(
        f'[[macros]]\nname = "AAA Hostile"\nshortcut = "hostile"\nbody = {json.dumps(LOOPS)}\n'
    )
    assert main(["--config", str(config), "macros", "import", str(path)]) == 0


def rendering(app: DesktermApp) -> bool:
    return any(w.group == RENDER_GROUP and w.is_running for w in app.workers)


def notified(app: DesktermApp, text: str) -> bool:
    return any(text in str(n.message) for n in app._notifications)


async def test_picker_answers_keys_while_a_hostile_macro_renders(sample_config: Path) -> None:
    """issue 9 finding 4: previewing a macro with nested loops froze the TUI for good (the
    render ran on the UI thread, unbounded). Now it renders in a worker: the picker filters
    and previews other macros meanwhile, then shows one line naming the macro and the limit,
    and enter does not insert it."""
    import_hostile(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot, macros=5)
        await pilot.press("m")
        picker = on_screen(app, MacroPicker)
        text = picker.query_one("#picker-text", Static)
        assert shown(text) == "rendering…"  # AAA Hostile, highlighted first
        # Keys are answered while it renders: move to "Thanks (EN)" and see its preview.
        await pilot.press("down", "down")
        await until(lambda: "kind words" in shown(text), pilot)
        assert rendering(app)  # ... while the hostile one still renders
        await pilot.press("up", "up")
        await until(lambda: shown(text).startswith(REASON), pilot, timeout=120)
        assert shown(text).splitlines()[0] == REASON
        await pilot.press("enter")
        await until(lambda: notified(app, REASON), pilot)
        assert app.screen is picker  # nothing inserted


async def test_composer_shortcut_of_a_hostile_macro_keeps_the_typing(sample_config: Path) -> None:
    """issue 9 finding 4: `;hostile ` typed in the composer expands off the UI thread;
    what is typed meanwhile arrives, and the failure is one line, the shortcut kept."""
    import_hostile(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot, macros=5)
        await pilot.press("r")
        await until(lambda: bool(app.screen.query("#composer-body")), pilot)
        composer = on_screen(app, ComposerScreen)
        area = composer.query_one(TextArea)
        await pilot.press(*";hostile ", *"ok")
        assert area.text.endswith(";hostile ok")  # typed while it renders
        assert rendering(app)
        await until(lambda: notified(app, REASON), pilot, timeout=120)
        assert area.text.endswith(";hostile ok") and app.screen is composer


async def test_editor_preview_of_a_hostile_body_keeps_the_editor_usable(
    sample_config: Path,
) -> None:
    """issue 9 finding 4: the editor's live preview renders in a worker, one at a time;
    typing goes on, and the preview ends in the one-line reason."""
    import_hostile(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot, macros=5)
        await pilot.press("f2", "e")  # the first macro by name: AAA Hostile
        editor = on_screen(app, MacroEditor)
        preview = editor.query_one("#editor-preview", Static)
        body = editor.query_one("#macro-body", TextArea)
        await pilot.press(*"PS. ")
        assert body.text.startswith("PS. {% for a")
        await until(
            lambda: shown(preview).startswith(f"takes longer than {LIMIT:g} s"), pilot, timeout=120
        )
        await pilot.press("escape")  # unsaved changes: the one-line question, then leave
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, MacroEditor), pilot)

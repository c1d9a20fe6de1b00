"""The composer with a macro that uses ``{{ now }}``: filled in, and ctrl+s sends at once."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from textual.widgets import TextArea

from deskterm.cli import main
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app

BODY = "Dikirim {{ now | add_days(1) | date('%A', 'id') }} ({{ now }})"


async def test_a_macro_with_now_renders_and_sends_on_the_first_ctrl_s(
    sample_config: Path, tmp_path: Path
) -> None:
    """issue 10 item 14: ``{{ now }}`` rendered empty, so the composer refused the first
    ctrl+s ("rendered empty ... press ctrl+s again")."""
    macros = tmp_path / "ships.toml"
    macros.write_text(
        f'[[macros]]\nname = "Ships"\nshortcut = "ships"\nbody = {json.dumps(BODY)}\n'
    )
    assert main(["--config", str(sample_config), "macros", "import", str(macros)]) == 0
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None and len(app.macros) == 1, pilot)
        tid = conversation.ticket["id"]  # type: ignore[index]
        before = datetime.now().astimezone()
        await pilot.press("r", *";ships ")
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        await until(lambda: ";ships" not in composer.query_one(TextArea).text, pilot)
        text = composer.query_one(TextArea).text
        assert text.startswith("Dikirim ") and "()" not in text
        assert f"({before:%Y-%m-%d} " in text or f"({datetime.now():%Y-%m-%d} " in text
        assert composer.empty == []
        await pilot.press("ctrl+s")
        await until(lambda: not isinstance(app.screen, ComposerScreen), pilot)
        await until(
            lambda: (
                any(
                    m["direction"] == "out" and m["body_text"].startswith("Dikirim ")
                    for m in (conversation.ticket or {}).get("messages", [])
                )
                and conversation.ticket["id"] == tid
            ),  # type: ignore[index]
            pilot,
        )
    weekday = {"Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"}
    assert text.split()[1] in weekday

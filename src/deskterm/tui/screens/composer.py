"""The composer: a reply to the customer or an internal note, sent with ctrl+s."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from deskterm.tui.render import safe_line


class ComposerScreen(ModalScreen[str | None]):
    """Dismisses with the text to send, or None when the agent cancels."""

    CSS_PATH = "composer.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,ctrl+enter", "send", "Send", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, *, note: bool, to: str, subject: str, draft: str = "") -> None:
        super().__init__()
        self.note = note
        self.to = to
        self.subject = subject
        self.draft = draft

    def compose(self) -> ComposeResult:
        """Who it goes to, the text area, the keys."""
        title = Text("Internal note (never sent)" if self.note else "Reply to ", "bold")
        if not self.note:
            title.append_text(safe_line(self.to))
            title.append("  ")
            title.append_text(safe_line(self.subject, "dim"))
        with Vertical(id="composer-box"):
            yield Static(title, id="composer-title")
            yield TextArea(self.draft, id="composer-body", soft_wrap=True)
            yield Static(Text("ctrl+s send · escape cancel"), id="composer-hint")

    def on_mount(self) -> None:
        """Type at once."""
        self.query_one(TextArea).focus()

    def action_send(self) -> None:
        """Send what was typed (empty text is not sent)."""
        text = self.query_one(TextArea).text
        if text.strip():
            self.dismiss(text)
        else:
            self.notify("Nothing to send", severity="warning")

    def action_cancel(self) -> None:
        """Leave without sending."""
        self.dismiss(None)

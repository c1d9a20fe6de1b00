"""The composer: a reply to the customer or an internal note, sent with ctrl+s."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from deskterm.automation.macros import MacroActions
from deskterm.tui.render import safe_line
from deskterm.tui.screens.macro_picker import MacroChoice, MacroPicker, PickedMacro


@dataclass
class Composed:
    """What the agent sends: the text, and the actions of the macros they inserted."""

    text: str
    actions: list[MacroActions] = field(default_factory=list)


class ComposerScreen(ModalScreen[Composed | None]):
    """Dismisses with the text to send, or None when the agent cancels.

    Macros come in with ctrl+t (or pre-inserted by ``m``). When one left a variable empty,
    the first ctrl+s names it and refuses; a second ctrl+s confirms (helpdesk.md).
    """

    CSS_PATH = "composer.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,ctrl+enter", "send", "Send", priority=True),
        Binding("ctrl+t", "macro", "Insert macro", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        *,
        note: bool,
        to: str,
        subject: str,
        draft: str = "",
        macros: list[MacroChoice] | None = None,
        variables: dict[str, Any] | None = None,
        picked: PickedMacro | None = None,
    ) -> None:
        super().__init__()
        self.note = note
        self.to = to
        self.subject = subject
        self.draft = picked.rendered.text if picked else draft
        self.macros = macros or []
        self.variables = variables or {}
        self.actions: list[MacroActions] = [picked.actions] if picked else []
        self.empty: list[str] = list(picked.rendered.empty) if picked else []
        self.confirmed = False

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
            yield Static(self._hint(), id="composer-hint")

    def _hint(self) -> Text:
        hint = Text("ctrl+s send · ctrl+t insert macro · escape cancel")
        if self.empty:
            hint.append("   empty: ", "bold red")
            hint.append_text(safe_line(", ".join("{{" + e + "}}" for e in self.empty), "red"))
        return hint

    def on_mount(self) -> None:
        """Type at once."""
        self.query_one(TextArea).focus()

    def action_send(self) -> None:
        """Send what was typed (empty text is not sent; empty variables need a confirmation)."""
        text = self.query_one(TextArea).text
        if not text.strip():
            self.notify("Nothing to send", severity="warning")
            return
        if self.empty and not self.confirmed:
            self.confirmed = True
            names = ", ".join("{{" + e + "}}" for e in self.empty)
            self.notify(
                f"{names} rendered empty. Fix the text, or press ctrl+s again to send anyway.",
                title="Check before sending",
                severity="warning",
                markup=False,
            )
            return
        self.dismiss(Composed(text, self.actions))

    def action_macro(self) -> None:
        """Insert a macro at the cursor."""
        if not self.macros:
            self.notify("No macros yet: deskterm macros import FILE", severity="warning")
            return

        def insert(picked: PickedMacro | None) -> None:
            if picked is None:
                return
            area = self.query_one(TextArea)
            area.insert(picked.rendered.text)
            self.actions.append(picked.actions)
            self.empty.extend(picked.rendered.empty)
            self.confirmed = False
            self.query_one("#composer-hint", Static).update(self._hint())
            area.focus()

        self.app.push_screen(MacroPicker(self.macros, self.variables), insert)

    def action_cancel(self) -> None:
        """Leave without sending."""
        self.dismiss(None)

"""The welcome pane of a first start: where the config is looked for, the demo, email setup."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from deskterm.config.starter import EMAIL_STARTER, EMAIL_STARTER_STEPS


@dataclass(frozen=True)
class WelcomeFacts:
    """What the pane says, found by the app (the widget does no I/O)."""

    config_file: Path | None
    """The config file in use (it has no channels), or None when there is none."""

    places: tuple[tuple[str, str], ...]
    """Where the config is looked for, in order: (place, what was found there)."""

    target: Path
    """Where a config should be written: the file in use, or the default path."""


def welcome_text(facts: WelcomeFacts) -> Text:
    """The pane's words: what is missing, the demo, the smallest email config."""
    out = Text()
    out.append("Welcome to deskterm", "bold")
    out.append(" — no tickets yet, and no channel to fetch them from.\n\n")
    if facts.config_file is None:
        out.append("No config file found. deskterm looks, in this order, at:\n")
        width = max(len(place) for place, _found in facts.places)
        for place, found in facts.places:
            out.append(f"  {place:<{width}}", "bold")
            out.append(f"  {found}\n", "dim")
    else:
        out.append("Your config ")
        out.append(str(facts.config_file), "bold")
        out.append(" has no [[channels]] yet.\n")
    out.append("\nTry the demo: ")
    out.append("deskterm demo", "bold")
    out.append("  (seeded mail and chats, nothing to set up)\n\n", "dim")
    if facts.config_file is None:
        out.append("Connect your mailbox: copy config.example.toml (every key explained) to\n")
        out.append(str(facts.target), "bold")
        out.append(", or write just this there:\n")
    else:
        out.append("Connect your mailbox: add this to it (config.example.toml explains more):\n")
    for line in EMAIL_STARTER.splitlines():
        out.append(f"  {line}\n", "green")
    for index, (command, why) in enumerate(EMAIL_STARTER_STEPS):
        out.append("then " if index == 0 else "and  ")
        out.append(command, "bold")
        out.append(f"  ({why})\n", "dim")
    out.append("and start deskterm again. Old mail? ")
    out.append("deskterm import mbox FILE", "bold")
    return out


class WelcomePane(VerticalScroll):
    """Shown instead of the empty list and conversation until the first ticket arrives."""

    DEFAULT_CSS = """
    WelcomePane {
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        """The text, filled by ``show``."""
        yield Static(id="welcome-text")

    def show(self, facts: WelcomeFacts) -> None:
        """Say what is missing and how to start."""
        self.query_one("#welcome-text", Static).update(welcome_text(facts))

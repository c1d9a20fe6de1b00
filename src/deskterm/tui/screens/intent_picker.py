"""The intent picker (`I`): the 21 intents and "auto", filtered as the agent types."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from deskterm.domain.label_badge import AGENT_MARK, INTENT_SHORT
from deskterm.domain.labels import INTENTS
from deskterm.tui.screens.filtered_list import FilteredList
from deskterm.tui.screens.modal import Modal

AUTO = "auto"
AUTO_LABEL = "auto (let the model decide)"


def intent_score(query: str, name: str) -> int | None:
    """Lower is better; None when the letters of ``query`` (spaces ignored) do not appear
    in order in the intent's name or its short form (``shst``, ``ship status``, ``cancel``)."""
    wanted = "".join(query.casefold().split())
    if not wanted:
        return 0
    if wanted == name:
        return -1000  # the full name typed wins
    haystack = f"{name} {INTENT_SHORT.get(name, '')} {AUTO_LABEL if name == AUTO else ''}"
    best: int | None = None
    for start in range(len(haystack)):
        if haystack[start] != wanted[0]:
            continue
        position, gaps = start, 0
        for ch in wanted[1:]:
            found = haystack.find(ch, position + 1)
            if found < 0:
                break
            gaps += found - position - 1
            position = found
        else:
            # A match at a word's start (``cancel``, ``ship``) before one inside a word.
            score = gaps + (0 if start == 0 or not haystack[start - 1].isalpha() else 50)
            best = score if best is None else min(best, score)
    return best


class IntentPicker(FilteredList[str], Modal[str | None]):
    """Type to filter, up/down to choose, enter to set, escape to cancel.

    Dismisses with an intent's name, ``auto``, or None when cancelled.
    """

    CSS_PATH = "intent_picker.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, title: str, current: str | None = None, *, agent: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.current = current  # the ticket's intent now (one ticket; None for several)
        self.agent = agent  # ... set by an agent
        self.choices: tuple[str, ...] = (AUTO, *INTENTS)
        self.shown: list[str] = list(self.choices)

    def compose(self) -> ComposeResult:
        """Title, filter, the choices."""
        with Vertical(id="intent-box"):
            yield Static(Text(self.title_text, "bold"), id="intent-title")
            yield Input(placeholder="type to filter, e.g. ship st", id="intent-filter")
            yield OptionList(id="intent-list")

    def on_mount(self) -> None:
        """Fill the list with the current intent highlighted; typing goes to the filter."""
        self._refilter("")
        if self.current in self.shown:
            self.query_one(OptionList).highlighted = self.shown.index(self.current)
        self.query_one(Input).focus()

    def _label(self, name: str) -> Text:
        """One choice: its name, its short form, and whether it is the ticket's now."""
        if name == AUTO:
            text = Text(AUTO_LABEL, "italic")
            if self.current is not None and not self.agent:
                text.append("  (now)", "dim")
            return text
        is_current = name == self.current
        text = Text("● " if is_current else "  ", "bold")
        text.append(name, "bold" if is_current else "")
        text.append(f"  {INTENT_SHORT.get(name, '')}", "dim")
        if is_current:
            text.append(
                f"  (now, {AGENT_MARK} set by an agent)" if self.agent else "  (now, the model's)",
                "dim",
            )
        return text

    def _refilter(self, query: str) -> None:
        scored = [
            (intent_score(query, name), index, name) for index, name in enumerate(self.choices)
        ]
        self.shown = [name for score, _i, name in sorted(s for s in scored if s[0] is not None)]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(self._label(name)) for name in self.shown)
        if self.shown:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter as the agent types."""
        self._refilter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: set the highlighted intent."""
        event.stop()
        self._pick()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or click in the list."""
        self._pick()

    def _pick(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None and index < len(self.shown):
            self.dismiss(self.shown[index])

    def action_cancel(self) -> None:
        """Leave without changing anything."""
        self.dismiss(None)

"""The macro picker: fuzzy search by name or shortcut, preview rendered for THIS ticket.

The macros that fit the ticket (its intent, the customer's words: automation/macro_suggest)
come first, each with why in a dim column ("intent shipping/status"), then the rest by
name; typing filters over all of them, the suggested ones first among equal matches.
Macros render off the UI thread (a shared macro may take up to the render limit), so the
picker keeps answering keys while one renders; one that failed shows its one-line reason
and is never inserted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from deskterm.automation.macros import MacroActions, Rendered, render_macro
from deskterm.services.macro_effects import describe_actions
from deskterm.tui.render import safe_line, safe_text
from deskterm.tui.screens.filtered_list import FilteredList
from deskterm.tui.screens.modal import Modal

if TYPE_CHECKING:  # its regexes compile on import: kept out of the inbox's cold start
    from deskterm.automation.macro_suggest import Suggestion


@dataclass(frozen=True)
class MacroChoice:
    """A macro as the picker needs it (loaded by the app)."""

    name: str
    shortcut: str
    body: str
    actions: dict[str, Any]
    intents: tuple[str, ...] = ()  # the intents it answers (suggested first for those tickets)


@dataclass(frozen=True)
class PickedMacro:
    """What the agent chose: the rendered text and the actions to apply on send."""

    name: str
    rendered: Rendered
    actions: MacroActions


def fuzzy_score(query: str, choice: MacroChoice) -> int | None:
    """Lower is better; None when the letters of ``query`` do not appear in order."""
    query = query.casefold().lstrip(";")
    if not query:
        return 0
    if choice.shortcut.casefold() == query:
        return -1000  # an exact shortcut wins
    haystack = f"{choice.shortcut} {choice.name}".casefold()
    position, gaps = -1, 0
    for ch in query:
        found = haystack.find(ch, position + 1)
        if found < 0:
            return None
        gaps += found - position - 1
        position = found
    return gaps


RENDER_GROUP = "macro-render"  # the workers that render macros off the UI thread


def render_in_worker(node: DOMNode, choice: MacroChoice, variables: dict[str, Any]) -> None:
    """Render ``choice`` in a thread worker of ``node`` (a shared macro may take up to the
    render limit); the result arrives as a Worker.StateChanged, see :func:`rendered_by`."""
    node.run_worker(
        partial(pick, choice, variables),
        name=choice.name,
        group=RENDER_GROUP,
        thread=True,
        exit_on_error=False,
    )


def finished_worker(event: Worker.StateChanged, group: str) -> Worker[Any] | None:
    """The worker of ``group`` that just ended (with a result or an error), else None."""
    if event.worker.group != group or event.state not in (
        WorkerState.SUCCESS,
        WorkerState.ERROR,
    ):
        return None
    return event.worker


def pick(choice: MacroChoice, variables: dict[str, Any]) -> PickedMacro:
    """``choice`` rendered for the ticket whose ``variables`` are given (blocks up to the
    render limit: call it in a worker)."""
    rendered = render_macro(choice.body, variables)
    return PickedMacro(choice.name, rendered, MacroActions.from_dict(choice.actions))


def failure(picked: PickedMacro) -> str:
    """The one line saying why ``picked`` could not be rendered ("" when it was)."""
    return f"macro {picked.name!r}: {picked.rendered.error}" if picked.rendered.error else ""


def preview(rendered: Rendered, name: str = "", actions: MacroActions | None = None) -> Text:
    """The rendered macro, with a warning for every variable that came out empty, and
    what sending it will do besides the text."""
    text = Text()
    sentence = describe_actions(actions) if actions is not None else ""
    if sentence:
        text.append(f"Sending it {sentence}.", "bold")
        text.append("\n\n")
    if rendered.error:
        line = f"macro {name!r}: {rendered.error}" if name else rendered.error
        text.append_text(safe_line(line, "bold red"))
        text.append("\n\n")
    for variable in rendered.empty:
        text.append("empty: ", "bold red")
        text.append_text(safe_line("{{" + variable + "}}", "red"))
        text.append("\n")
    if rendered.empty:
        text.append("\n")
    text.append_text(safe_text(rendered.text))
    return text


REASON_WIDTH = 32  # at most; the name keeps the rest of the row


def option_row(
    choice: MacroChoice, reason: str, reason_width: int = REASON_WIDTH
) -> RenderableType:
    """One row of the list: the name and ;shortcut, and why it is suggested in a dim
    column ``reason_width`` wide (the same for every row, so the reasons line up)."""
    name = Text.assemble(
        safe_line(choice.name, "bold"),
        " ",
        safe_line(f";{choice.shortcut}" if choice.shortcut else "", "dim"),
    )
    if not reason:
        return name
    row = Table.grid(expand=True, padding=(0, 1, 0, 0))
    row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    row.add_column(width=reason_width, no_wrap=True, overflow="ellipsis")
    row.add_row(name, safe_line(reason, "dim"))
    return row


def ordered(
    macros: Sequence[MacroChoice], suggestions: Sequence[Suggestion], query: str
) -> list[MacroChoice]:
    """What the list shows for ``query``: with nothing typed, the suggested macros (best
    first) then the rest by name; else every match, best first, suggested ones first
    among equal matches."""
    rank = {s.name: n for n, s in enumerate(suggestions)}
    last = len(rank)
    scored = [(fuzzy_score(query, m), rank.get(m.name, last), m.name.casefold(), m) for m in macros]
    kept = [s for s in scored if s[0] is not None]
    if not query.strip(";").strip():
        kept.sort(key=lambda s: (s[1], s[2]))
    else:
        kept.sort(key=lambda s: (s[0], s[1], s[2]))
    return [s[3] for s in kept]


class MacroPicker(FilteredList[MacroChoice], Modal[PickedMacro | None]):
    """Type to filter, up/down to choose, enter to insert, escape to cancel."""

    CSS_PATH = "macro_picker.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(
        self,
        macros: list[MacroChoice],
        variables: dict[str, Any],
        suggestions: Sequence[Suggestion] = (),
    ) -> None:
        super().__init__()
        self.macros = macros
        self.variables = variables
        self.suggestions = list(suggestions)
        self.reasons = {s.name: s.reason for s in self.suggestions}
        self.shown: list[MacroChoice] = list(macros)
        self.rendered: dict[str, PickedMacro] = {}  # by name, for this ticket
        self._rendering: set[str] = set()
        self._chosen: str | None = None  # enter pressed while this one was rendering

    def compose(self) -> ComposeResult:
        """Filter, list, preview."""
        with Vertical(id="picker-box"):
            yield Static(Text("Insert macro — type to search, enter to insert", "bold"))
            yield Input(placeholder="name or ;shortcut", id="picker-filter")
            with Horizontal(id="picker-body"):
                yield OptionList(id="picker-list")
                with VerticalScroll(id="picker-preview"):
                    yield Static(id="picker-text")

    def on_mount(self) -> None:
        """Fill the list; typing goes to the filter."""
        self._refilter("")
        self.query_one(Input).focus()

    def _refilter(self, query: str) -> None:
        self.shown = ordered(self.macros, self.suggestions, query)
        options = self.query_one(OptionList)
        options.clear_options()
        rows: list[Option | None] = []
        width = min(REASON_WIDTH, max((len(r) for r in self.reasons.values()), default=0))
        for n, macro in enumerate(self.shown):
            rows.append(Option(option_row(macro, self.reasons.get(macro.name, ""), width)))
            following = self.shown[n + 1] if n + 1 < len(self.shown) else None
            if (
                following is not None
                and macro.name in self.reasons
                and following.name not in self.reasons
            ):
                rows.append(None)  # a line between the suggested macros and the rest
        options.add_options(rows)
        if self.shown:
            options.highlighted = 0
        self._show_preview()

    def _show_preview(self) -> None:
        choice = self._current()
        if choice is None:
            text = Text("No macro matches", "dim")
        elif choice.name in self.rendered:
            picked = self.rendered[choice.name]
            text = preview(picked.rendered, choice.name, picked.actions)
        else:
            text = Text("rendering…", "dim")
            self._start_render(choice)
        self.query_one("#picker-text", Static).update(text)

    def _start_render(self, choice: MacroChoice) -> None:
        """Render ``choice`` in a thread worker; ``on_worker_state_changed`` takes the result."""
        if choice.name in self._rendering:
            return
        self._rendering.add(choice.name)
        render_in_worker(self, choice, self.variables)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A macro finished rendering: preview it, or insert it when enter was pressed."""
        worker = finished_worker(event, RENDER_GROUP)
        if worker is None:
            return
        self._rendering.discard(worker.name)
        if isinstance(worker.result, PickedMacro):
            picked = worker.result
        else:  # a bug in rendering: one line, never a crash of the picker
            error = f"{worker.error.__class__.__name__}: {worker.error}"
            picked = PickedMacro(worker.name, Rendered("", [], error=error), MacroActions())
        self.rendered[picked.name] = picked
        current = self._current()
        if current is not None and current.name == picked.name:
            self._show_preview()
        if self._chosen == picked.name:
            self._chosen = None
            self._insert(picked)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter as the agent types."""
        self._refilter(event.value)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Preview follows the highlight (and a pending enter is for the old one: dropped)."""
        current = self._current()
        if current is None or current.name != self._chosen:
            self._chosen = None
        self._show_preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: insert the highlighted macro."""
        self._pick()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or click in the list."""
        self._pick()

    def _pick(self) -> None:
        choice = self._current()
        if choice is None:
            return
        if choice.name in self.rendered:
            self._insert(self.rendered[choice.name])
        else:  # still rendering: insert it when it is done
            self._chosen = choice.name
            self._start_render(choice)

    def _insert(self, picked: PickedMacro) -> None:
        if picked.rendered.error:  # the preview shows why; inserting would paste the raw text
            self.notify(failure(picked), severity="error", markup=False)
            return
        self.dismiss(picked)

    def action_cancel(self) -> None:
        """Leave without inserting."""
        self.dismiss(None)

"""Output helpers: sanitised streams, JSON on stdout, terminal-safe tables for people."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from deskterm.domain.text import escape_in_strings, neutralise_controls, one_line, terminal_safe
from deskterm.domain.timefmt import compact_age

# How `show` introduces each message, by direction ("system": the marketplace's notice).
MESSAGE_LABELS = {
    "in": "from",
    "out": "to customer, by",
    "note": "NOTE by",
    "system": "platform notice from",
}


class SafeStream:
    """A text stream that makes every control, bidi control and lone surrogate inert.

    Installed as sys.stdout/sys.stderr while a command runs, so that no path, not even an
    argument echoed back in an argparse error, a name from a shared store or a log line,
    reaches the terminal raw (issue 9 finding 3). Tabs and newlines pass, so JSON and TOML
    written by the commands (which escape everything else themselves) are unchanged.
    """

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        """Write ``text`` with its controls neutralised; returns len(text) like TextIO."""
        self.inner.write(neutralise_controls(text))
        return len(text)

    def writelines(self, lines: Iterator[str] | list[str]) -> None:
        """Write each of ``lines``."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        # flush, fileno, isatty, encoding, buffer...: those of the real stream.
        return getattr(self.inner, name)


@contextmanager
def safe_streams() -> Iterator[None]:
    """sys.stdout and sys.stderr wrapped in SafeStream for the duration of the block."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def progress(text: str) -> None:
    """Rewrite the current stderr line (a progress counter) with ``text`` made safe."""
    stream = sys.stderr
    raw = stream.inner if isinstance(stream, SafeStream) else stream
    # The carriage return is the one control written on purpose; the text cannot add one.
    raw.write("\r" + terminal_safe(text, keep_newlines=False))
    raw.flush()


def note(text: str) -> None:
    """One line for the person at the terminal (e.g. "No tickets match."), on stderr so
    that stdout stays exactly the results: a pipe or `| wc -l` sees nothing added."""
    sys.stderr.write(text + "\n")


def json_text(data: Any, *, one_line: bool = False) -> str:
    """``data`` as indented (or one-line: JSON lines) UTF-8 JSON whose strings cannot act
    on a terminal."""
    # json.dumps escapes C0 controls but leaves DEL, C1 (U+009B is CSI) and bidi raw.
    indent = None if one_line else 2
    return escape_in_strings(json.dumps(data, ensure_ascii=False, indent=indent))


def safe_url(url: str) -> str:
    """A database URL with any password replaced by ``***`` (never print secrets)."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", url)


def print_json(data: Any) -> None:
    """UTF-8 JSON on stdout (the ``--json`` contract), every control escaped."""
    sys.stdout.write(json_text(data) + "\n")


def print_ticket_table(
    tickets: list[dict[str, Any]], *, snippets: bool = False, sla: list[str] | None = None
) -> None:
    """One line per ticket, cut to the terminal width; untrusted text made inert.

    ``sla``: one short cell per ticket ("2h" until due, "!3h" breached, "—" none),
    shown after the age; None leaves the column out (no channel has SLA targets).
    """
    width = shutil.get_terminal_size((120, 24)).columns
    for index, ticket in enumerate(tickets):
        status = "spam" if ticket["spam"] else ticket["status"]
        customer = ticket["customer"]["name"] or ticket["customer"]["email"] or "-"
        tags = " ".join(f"#{tag}" for tag in ticket["tags"])
        due = f" {sla[index]:>4}" if sla is not None else ""
        line = (
            f"{ticket['id']:>6}  {status:<7} {compact_age(ticket['last_message_at']):>4}{due}  "
            f"{one_line(ticket['channel'], 12):<12} {one_line(customer, 22):<22} "
            f"{one_line(ticket['subject'] or '(no subject)')} {one_line(tags)}"
        )
        # Fields are already made safe by one_line; only cut the assembled line.
        sys.stdout.write((line if len(line) <= width else line[: width - 1] + "…") + "\n")
        if snippets and ticket.get("snippet"):
            sys.stdout.write("        " + one_line(ticket["snippet"], width - 8) + "\n")


def _sla_line(sla: dict[str, Any]) -> str:
    """``SLA: first response due …, resolution due … — breached`` for ``show``."""
    dues = [
        f"{label} due {sla[key]}"
        for label, key in (
            ("first response", "first_response_due"),
            ("resolution", "resolution_due"),
        )
        if sla[key]
    ]
    return "SLA: " + ", ".join(dues) + (" — breached" if sla["breached"] else "") + "\n"


def print_ticket(ticket: dict[str, Any], *, full: bool = False) -> None:
    """A ticket and its conversation as readable text; quoted history collapsed unless ``full``."""
    from deskterm.domain.quoting import FoldedReply, fold_reply

    out = sys.stdout
    customer = ticket["customer"]
    out.write(f"Ticket {ticket['id']}: {one_line(ticket['subject'] or '(no subject)')}\n")
    out.write(
        f"Status: {ticket['status']}"
        + (f" until {ticket['snoozed_until']}" if ticket["snoozed_until"] else "")
        + (" [spam]" if ticket["spam"] else "")
        + f"   Channel: {one_line(ticket['channel'])} ({ticket['channel_type']})\n"
    )
    out.write(
        f"Customer: {one_line(customer['name'] or '-')} {one_line(' '.join(customer['handles']))}\n"
    )
    if ticket["tags"]:
        out.write("Tags: " + " ".join(one_line(t) for t in ticket["tags"]) + "\n")
    if ticket["assignee"]:
        out.write(f"Assignee: {one_line(ticket['assignee'])}\n")
    if ticket.get("sla"):
        out.write(_sla_line(ticket["sla"]))
    from deskterm.domain.revenue import earned_line

    earned = earned_line(ticket.get("revenue") or [])
    if earned:
        out.write(one_line(earned) + "\n")
    for message in ticket["messages"]:
        label = MESSAGE_LABELS.get(message["direction"], message["direction"])
        author = one_line(message["author"] or message["author_handle"])
        out.write(f"\n--- {message['sent_at']}  {label} {author}")
        if message["parse_status"] != "ok":
            out.write(
                f"  [parse {message['parse_status']}: {one_line(message['parse_error'], 80)}]"
            )
        out.write("\n")
        body = message["body_text"]
        folded = FoldedReply(body) if full else fold_reply(body, direction=message["direction"])
        out.write(terminal_safe(folded.fresh).rstrip() + "\n")
        if folded.hidden:
            out.write(f"    [… {folded.summary()} hidden; --full shows them]\n")
        for attachment in message["attachments"]:
            out.write(
                f"    [attachment] {one_line(attachment['filename'])}"
                f" ({attachment['content_type']}, {attachment['size']} bytes)\n"
            )

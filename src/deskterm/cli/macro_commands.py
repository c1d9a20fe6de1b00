"""``deskterm macros``: list, import and export macros (TOML, to keep them in git)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from deskterm.cli.context import CliContext
from deskterm.cli.output import note, print_json
from deskterm.domain.text import one_line
from deskterm.domain.userfiles import write_file


def cmd_macros(ctx: CliContext, args: argparse.Namespace) -> int:
    """List (default), import or export macros."""
    from deskterm.services import macros

    if args.macros_action == "import":
        created, updated = macros.import_macros(ctx.store, args.path)
        sys.stdout.write(f"{args.path}: {created} macros created, {updated} updated\n")
        return 0
    if args.macros_action == "export":
        text = macros.export_macros(ctx.store)
        if args.path is None:
            sys.stdout.write(text)
        else:
            # Atomic, never through a symlink, never over a file unless --force.
            write_file(
                args.path,
                text.encode("utf-8"),
                replace=args.force,
                refuse_hint="pass --force to replace it",
            )
            sys.stdout.write(f"macros written to {args.path}\n")
        return 0
    rows: list[dict[str, Any]] = [
        {
            "name": m.name,
            "shortcut": m.shortcut,
            "body": m.body,
            "actions": m.actions,
            "intents": macros.macro_intents(m),
        }
        for m in macros.list_macros(ctx.store)
    ]
    if args.json:
        print_json(rows)
    elif not rows:
        note(
            "No macros yet — add some with `deskterm macros import FILE` (samples/macros.toml"
            " shows the format), or with f2 in the inbox."
        )
    else:
        for row in rows:
            shortcut = f";{row['shortcut']}" if row["shortcut"] else ""
            line = f"{one_line(row['name'], 30):<30} {shortcut:<12} {one_line(row['body'], 60)}"
            if row["intents"]:  # after the text, so the columns before it stay where they were
                line += f"  [{' '.join(row['intents'])}]"
            sys.stdout.write(line + "\n")
    return 0


def render_for_ticket(
    ctx: CliContext, name: str, ticket_id: int, *, force: bool
) -> tuple[str, object]:
    """The macro's text for this ticket and its actions; refuses empty variables unless forced."""
    from deskterm.automation.macros import MacroActions, render_macro, ticket_variables
    from deskterm.domain.errors import UsageError
    from deskterm.services.macros import find_macro
    from deskterm.store.reader import get_ticket

    macro = find_macro(ctx.store, name)
    ticket = get_ticket(ctx.read, ticket_id)
    variables = ticket_variables(ticket, agent_name=ctx.user_name(), agent_email=ctx.user_email())
    rendered = render_macro(macro.body, variables)
    if rendered.error:
        raise UsageError(f"macro {macro.name!r}: {rendered.error}")
    if rendered.empty and not force:
        names = ", ".join("{{" + e + "}}" for e in rendered.empty)
        raise UsageError(
            f"macro {macro.name!r} leaves {names} empty for ticket {ticket_id};"
            " fix the macro or the data, or pass --force to send it anyway"
        )
    return rendered.text, MacroActions.from_dict(macro.actions)

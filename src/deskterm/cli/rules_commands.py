"""``deskterm rules``: list, show, import, export, enable, disable, move, delete rules.

Rules are stored and checked here; the engine that runs them on events comes later
(issue 14 part B), so nothing here says a rule fired.
"""

from __future__ import annotations

import argparse
import sys

from deskterm.cli.context import CliContext
from deskterm.cli.output import note, print_json
from deskterm.domain.text import one_line
from deskterm.domain.userfiles import write_file


def cmd_rules(ctx: CliContext, args: argparse.Namespace) -> int:
    """Run one ``rules`` action."""
    action = args.rules_action
    if action == "list":
        return _list(ctx, json_out=args.json)
    if action == "show":
        return _show(ctx, args.name, json_out=args.json)
    if action == "import":
        return _import(ctx, args)
    if action == "export":
        return _export(ctx, args)
    return _change(ctx, args)


def _list(ctx: CliContext, *, json_out: bool) -> int:
    from deskterm.services import rules

    stored = rules.list_rules(ctx.store)
    if json_out:
        print_json([item.as_json() for item in stored])
        return 0
    if not stored:
        note(
            "No rules yet: write them in a TOML file and `deskterm rules import FILE`"
            " (README: Rules)."
        )
        return 0
    width = min(max(len(one_line(item.rule.name, 40)) for item in stored), 40)
    for item in stored:
        rule = item.rule
        state = "on " if rule.enabled else "off"
        when = ",".join(rule.when)
        line = f"{item.position + 1:>3}. {state} {one_line(rule.name, 40):<{width}}  {when}"
        line += f"  if {one_line(rule.condition, 60)}" + ("  [stop]" if rule.stop else "")
        sys.stdout.write(line + "\n")
    return 0


def _show(ctx: CliContext, name: str, *, json_out: bool) -> int:
    from deskterm.automation.rules.load import dump_rules
    from deskterm.services import rules

    item = rules.get_rule(ctx.store, name)
    if json_out:
        print_json(item.as_json())
        return 0
    state = "enabled" if item.rule.enabled else "disabled"
    sys.stdout.write(f"# rule {item.position + 1} of the order, {state}\n")
    # The rule as its file format: what the user wrote is what they read back.
    sys.stdout.write(dump_rules([item.rule]).split("\n", 2)[2])
    return 0


def _import(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.services import rules

    text = rules.read_rules_file(args.path)
    # Checked before the actor's row could be created: a refused file writes nothing at all.
    rules.check_rules_text(ctx.store, text, str(args.path))
    result = rules.import_rules(ctx.store, text, str(args.path), ctx.actor())
    sys.stdout.write(
        f"{args.path}: {len(result.created)} rules created, {len(result.replaced)} replaced"
        " (stored and checked; the engine that runs rules is coming)\n"
    )
    return 0


def _export(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.services import rules

    text = rules.export_rules(ctx.store)
    if args.path is None:
        sys.stdout.write(text)
        return 0
    # Atomic, never through a symlink, never over a file unless --force (as macros export).
    write_file(
        args.path,
        text.encode("utf-8"),
        replace=args.force,
        refuse_hint="pass --force to replace it",
    )
    sys.stdout.write(f"rules written to {args.path}\n")
    return 0


def _change(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.services import rules

    action = args.rules_action
    # Found first, so that a wrong name is refused before anything (the actor's row) is written.
    name = rules.get_rule(ctx.store, args.name).rule.name
    if action in ("enable", "disable"):
        changed = rules.set_enabled(ctx.store, name, action == "enable", ctx.actor())
        state = "enabled" if action == "enable" else "disabled"
        sys.stdout.write(
            f'rule "{one_line(name)}" {state}' + ("" if changed else " already") + "\n"
        )
        return 0
    if action == "move":
        other = rules.get_rule(ctx.store, args.before).rule.name
        changed = rules.move_rule(ctx.store, name, other, ctx.actor())
        where = "moved" if changed else "is already"
        sys.stdout.write(f'rule "{one_line(name)}" {where} before "{one_line(other)}"\n')
        return 0
    rules.delete_rule(ctx.store, name, ctx.actor())
    sys.stdout.write(f'rule "{one_line(name)}" deleted\n')
    return 0

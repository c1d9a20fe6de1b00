"""``deskterm rules``: list, show, import, export, enable, disable, move, delete rules;
``test`` (replay history, read-only) and ``explain`` (why a rule did or did not run).

The engine that runs rules on events is services/rule_engine.py, run by the sync.
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
    if action == "starter":
        return _starter(args)
    if action == "test":
        return _test(ctx, args)
    if action == "explain":
        return _explain(ctx, args)
    return _change(ctx, args)


def _test(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.domain.errors import UsageError
    from deskterm.domain.sla import parse_duration
    from deskterm.services.rule_engine import engine_settings
    from deskterm.services.rule_replay import replay

    try:
        since = parse_duration(args.since)
    except (ValueError, OverflowError):
        raise UsageError(
            f"--since: expected a span such as 30d, 12h or 2w, not {args.since!r}"
        ) from None
    results = replay(ctx.store, since, only=args.rule, settings=engine_settings(ctx.config))
    if args.json:
        print_json([result.as_json() for result in results])
        return 0
    if not results:
        note("No rules yet: `deskterm rules import FILE` (README: Rules).")
        return 0
    sys.stdout.write(f"replayed the events of the last {args.since} (nothing was changed)\n")
    for result in results:
        state = "on " if result.enabled else "off"
        shown = ", ".join(str(t) for t in result.tickets[:10])
        more = ", …" if len(result.tickets) > 10 else ""
        sys.stdout.write(
            f"{state} {one_line(result.name, 40)}: {len(result.tickets)} ticket(s),"
            f" {result.matched} of {result.events} event(s)"
            + (f"  [{shown}{more}]" if shown else "")
            + "\n"
        )
    return 0


def _explain(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.services.rule_engine import engine_settings
    from deskterm.services.rule_replay import explain

    found = explain(ctx.store, args.ticket_id, settings=engine_settings(ctx.config))
    if args.json:
        print_json(found.as_json())
        return 0
    event = found.event
    sys.stdout.write(
        f"ticket {found.ticket_id}: latest event {event['event']} ({event['logged_as']},"
        f" by {one_line(event['actor'], 60)}, {event['at']})\n"
    )
    for rule in found.rules:
        state = "on " if rule.enabled else "off"
        if not rule.runs_on_event:
            verdict = "does not run on this event"
        else:
            verdict = "matches" if rule.matched else "does not match"
        sys.stdout.write(f"{state} {one_line(rule.name, 60)}: {verdict}\n")
        for text, value in rule.terms:
            sys.stdout.write(f"      {'yes' if value else 'no ':<3}  {one_line(text, 80)}\n")
        if rule.ran is not None:
            did = "; ".join(rule.ran.get("did", []) + rule.ran.get("refused", []))
            sys.stdout.write(f"      ran: {one_line(did or 'nothing to change', 200)}\n")
    return 0


def _list(ctx: CliContext, *, json_out: bool) -> int:
    from deskterm.services import rules

    stored = rules.list_rules(ctx.store)
    if json_out:
        print_json([item.as_json() for item in stored])
        return 0
    if not stored:
        note(
            "No rules yet: write them in a TOML file and `deskterm rules import FILE`,"
            " or start from the starter rules: `deskterm rules import --starter`"
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
    from deskterm.domain.errors import UsageError
    from deskterm.services import rules

    if args.starter == (args.path is not None):
        raise UsageError("rules import: give a FILE or --starter (not both)")
    if args.starter:
        return _import_starter(ctx)
    text = rules.read_rules_file(args.path)
    # Checked before the actor's row could be created: a refused file writes nothing at all.
    rules.check_rules_with_starter_macros(ctx.store, text, str(args.path))
    done = rules.import_rules_installing_macros(ctx.store, text, str(args.path), ctx.actor())
    _installed(done.macros_installed)
    sys.stdout.write(
        f"{args.path}: {len(done.result.created)} rules created,"
        f" {len(done.result.replaced)} replaced"
        " (an enabled rule runs on events from now on, never on older ones)\n"
    )
    return 0


def _installed(names: list[str]) -> None:
    for name in names:
        sys.stdout.write(f'starter macro "{one_line(name)}" installed\n')


def _import_starter(ctx: CliContext) -> int:
    from deskterm.services import rules

    done = rules.import_starter(ctx.store, ctx.actor())
    _installed(done.macros_installed)
    for name in done.kept:
        sys.stdout.write(f'rule "{one_line(name)}" kept as it is (you have one so named)\n')
    sys.stdout.write(
        f"starter rules: {len(done.result.created)} created, all off; read them with"
        " `deskterm rules starter`, try one with `deskterm rules test --rule NAME`,"
        " then `deskterm rules enable NAME`\n"
    )
    return 0


def _starter(args: argparse.Namespace) -> int:
    from deskterm.services import rules

    return _write_out(
        args,
        rules.starter_rules_text(),
        f"starter rules written to {args.path}; edit, then `deskterm rules import {args.path}`",
    )


def _export(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.services import rules

    return _write_out(args, rules.export_rules(ctx.store), f"rules written to {args.path}")


def _write_out(args: argparse.Namespace, text: str, written: str) -> int:
    """``text`` to ``args.path`` (saying ``written``), or to stdout without a path."""
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
    sys.stdout.write(written + "\n")
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

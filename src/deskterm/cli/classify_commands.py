"""``deskterm classify`` and ``deskterm intent``: labels for a text, the store, a ticket."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from deskterm.cli.context import CliContext
from deskterm.cli.output import json_text, note, progress
from deskterm.domain.errors import UsageError
from deskterm.domain.text import one_line, terminal_safe

if TYPE_CHECKING:
    from deskterm.domain.labels import MessageLabels

MAX_LINE = 1_000_000  # characters of one --stdin line; a longer one is refused, not read


def cmd_classify(ctx: CliContext, args: argparse.Namespace) -> int:
    """Classify TEXT, JSON lines on stdin, or (--backfill / --retrain) the store."""
    modes = [bool(args.text), args.stdin, args.backfill, args.retrain]
    if sum(modes) != 1:
        raise UsageError("classify needs exactly one of TEXT, --stdin, --backfill or --retrain")
    if args.since and not args.backfill:
        raise UsageError("--since goes with --backfill")
    if args.backfill:
        return _backfill(ctx, args)
    if args.retrain:
        return _retrain(ctx)
    from deskterm.automation.classify.labeller import make_labeller

    # The configured backend ([classify]), with this shop's retrained model if it has one.
    labeller = make_labeller(ctx.config.classify, ctx.config.store_path().parent)
    if args.stdin:
        return _classify_lines(labeller)
    from deskterm.automation.classify.inputs import ClassifyInput

    (result,) = labeller.label([ClassifyInput(args.text, args.subject, args.channel)])
    if result is None:
        print("deskterm: the text could not be classified", file=sys.stderr)
        return 1
    if args.json:
        print(json_text(result.as_json(), one_line=True))
    else:
        print(describe(result))
    return 0


def describe(labels: MessageLabels) -> str:
    """One line for people: language, intent with its confidence, sentiments."""
    language = f"language {labels.language or 'unknown'} ({labels.language_confidence:.2f})"
    if labels.intent is None and not labels.sentiment_scores:
        intent = "intent none (no words of the customer's to read)"
    elif labels.intent is None:
        intent = f"intent none (best guess below threshold, {labels.intent_confidence:.2f})"
    else:
        sure = ", confident" if labels.intent_confident else ""
        intent = f"intent {labels.intent} ({labels.intent_confidence:.2f}{sure})"
    sentiments = "sentiments " + (", ".join(labels.sentiments) or "none")
    return " · ".join((language, intent, sentiments))


def _classify_lines(labeller: Any) -> int:
    """JSON lines in, JSON lines out, in order; a bad line gets an error line in its place."""
    from deskterm.automation.classify.inputs import ClassifyInput

    failed = 0
    pending: list[tuple[int, ClassifyInput | str]] = []

    def flush() -> None:
        items = [item for _n, item in pending if isinstance(item, ClassifyInput)]
        results = iter(labeller.label(items)) if items else iter(())
        for _number, item in pending:
            if isinstance(item, str):
                print(json_text({"error": item}, one_line=True))
                continue
            result = next(results)
            answer = result.as_json() if result else {"error": "could not classify"}
            print(json_text(answer, one_line=True))
        pending.clear()
        sys.stdout.flush()

    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        parsed = _parse_line(line, number)
        if isinstance(parsed, str):
            failed += 1
            print(f"deskterm: stdin line {number}: {parsed}", file=sys.stderr)
        pending.append((number, parsed))
        flush()  # each answer before the next line is read: a script may wait for it
    flush()
    return 1 if failed else 0


def _parse_line(line: str, number: int) -> Any:
    """A ClassifyInput, or the reason the line is not one."""
    from deskterm.automation.classify.inputs import ClassifyInput

    if len(line) > MAX_LINE:
        return f"longer than {MAX_LINE} characters"
    try:
        row = json.loads(line)
    except ValueError as exc:
        return f"not JSON ({one_line(str(exc), 80)})"
    if not isinstance(row, dict):
        return 'expected an object like {"text": "..."}'
    text, channel, subject = row.get("text"), row.get("channel", "chat"), row.get("subject", "")
    if not isinstance(text, str):
        return '"text" must be a string'
    if channel not in ("email", "chat"):
        return f'"channel" must be "email" or "chat", not {terminal_safe(str(channel))[:40]!r}'
    if not isinstance(subject, str):
        return '"subject" must be a string'
    return ClassifyInput(text, subject, channel)


def _backfill(ctx: CliContext, args: argparse.Namespace) -> int:
    from deskterm.domain.when import parse_since
    from deskterm.services.labels import count_unlabelled
    from deskterm.sync.labelling import labeller_for

    since = parse_since(args.since) if args.since else None
    labeller = labeller_for(ctx.store.data_dir)
    if labeller is None:
        raise UsageError("labelling is off ([classify] enabled = false)")
    total = count_unlabelled(ctx.store, labeller.version, since)
    show = sys.stderr.isatty() and not args.json

    def report(done: int) -> None:
        if show:
            progress(_bar(done, total))

    totals = _backfill_on_every_core(ctx, labeller, since, report)
    if show:
        progress("")
    summary = {
        "labelled": totals.labelled,
        "tickets": totals.tickets,
        "remaining": totals.remaining,
        "model": labeller.version,
    }
    if args.json:
        print(json_text(summary))
    else:
        print(f"labelled {totals.labelled} messages in {totals.tickets} tickets")
    return 0


def _backfill_on_every_core(ctx: CliContext, labeller: Any, since: Any, report: Any) -> Any:
    """The backfill with the built-in model on every core (it is CPU-bound); an LLM
    backend's calls stay in this process."""
    import os

    from deskterm.automation.classify.labeller import BuiltinLabeller
    from deskterm.automation.classify.parallel import ParallelLabeller
    from deskterm.services.labels import backfill

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if not isinstance(labeller, BuiltinLabeller) or cores < 2:
        return backfill(ctx.store, labeller, since=since, progress=report)
    with ParallelLabeller(labeller, min(cores, 8)) as parallel:
        return backfill(ctx.store, parallel, since=since, progress=report, batch=250 * cores)


def _bar(done: int, total: int, width: int = 30) -> str:
    share = done / total if total else 1.0
    filled = round(width * min(share, 1.0))
    return f"labelling [{'#' * filled}{'.' * (width - filled)}] {done}/{total} messages"


def _retrain(ctx: CliContext) -> int:
    from deskterm.automation.classify.retrain import retrain
    from deskterm.services.labels import correction_examples, shop_model_path
    from deskterm.sync.labelling import forget

    corrections = correction_examples(ctx.store)
    if not corrections:
        note("no intent corrections yet: correct a ticket's intent with `I` or `deskterm intent`")
        return 0
    result = retrain(corrections, shop_model_path(ctx.store))
    forget()
    print(
        f"retrained on {result.examples} examples ({len(corrections)} corrections of this shop); "
        f"corrections now right: {result.corrections_right}/{len(corrections)}; "
        f"model {result.version} in {result.path}"
    )
    print("run `deskterm classify --backfill` to relabel stored messages with it")
    return 0


def cmd_intent(ctx: CliContext, args: argparse.Namespace) -> int:
    """Set (or hand back to the model with ``auto``) a ticket's intent."""
    from deskterm.services.labels import set_intent

    changed = set_intent(ctx.store, args.ticket_id, args.name, ctx.actor())
    name = args.name.strip().lower()
    if not changed:
        print(f"ticket {args.ticket_id}: intent already {terminal_safe(name)}", file=sys.stderr)
        return 0
    print(f"ticket {args.ticket_id}: intent {terminal_safe(name)}")
    return 0

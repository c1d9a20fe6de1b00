"""The argparse command tree (names are a public contract: DESIGN.md "Command line")."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, NoReturn, Protocol

from deskterm import __version__
from deskterm.cli.report_parsers import add_export_command, add_stats_command
from deskterm.domain.labels import INTENTS
from deskterm.domain.order_input import parse_amount, parse_field, parse_item
from deskterm.domain.record_ids import MAX_ID, parse_id
from deskterm.domain.text import one_line
from deskterm.domain.when import FORMS as WHEN_FORMS


class _Formatter(argparse.HelpFormatter):
    """argparse's help, with a COMMAND or ACTION that may be left out shown as optional.

    argparse prints ``ACTION ...`` for every subcommand slot, required or not; ``deskterm``
    alone opens the inbox and ``deskterm views`` alone lists the views.
    """

    def _format_args(self, action: argparse.Action, default_metavar: str) -> str:
        text = super()._format_args(action, default_metavar)
        if action.nargs == argparse.PARSER and not action.required:
            return f"[{text}]"
        return text


class _Parser(argparse.ArgumentParser):
    """argparse with errors on ONE line (DESIGN.md), made safe to print."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)  # subcommands' parsers too
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        # The usage block argparse prints first would make it several lines; --help has it.
        self.exit(2, f"{self.prog}: {one_line(message)} (see `{self.prog} --help`)\n")


def _bounded(text: str, low: int, what: str) -> int:
    try:
        value = int(text) if len(text) <= 40 else None  # never int() thousands of digits
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}") from None
    if value is None or not low <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"expected {what} from {low} to {MAX_ID}, got {text[:40]}")
    return value


def _positive(text: str) -> int:
    return _bounded(text, 1, "a number")


def _non_negative(text: str) -> int:
    return _bounded(text, 0, "a number")


def _ticket_id(text: str) -> int:
    try:
        return parse_id(text, "ticket id")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _customer_id(text: str) -> int:
    try:
        return parse_id(text, "customer id")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _text(value: str) -> str:
    """Any text argument: refused when it is not valid UTF-8 (it could not be stored)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # Undecodable bytes arrive as lone surrogates (PEP 383); show the bytes themselves.
        raise argparse.ArgumentTypeError(
            f"not valid UTF-8: {os.fsencode(value)!r}; use a UTF-8 terminal or script"
        ) from None
    return value


def _check_text_arguments(parser: argparse.ArgumentParser) -> None:
    """Give every argument without a type (plain text) the UTF-8 check, in every subcommand.

    Paths keep their type: a file name that is not UTF-8 is still a valid file name.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                _check_text_arguments(subparser)
        elif action.nargs != 0 and action.type is None and action.choices is None:
            action.type = _text


HANDLES_HELP = (
    "A HANDLE is email:ADDRESS, phone:NUMBER (+country code), a marketplace buyer as"
    " shopee:ID, tiktokshop:ID (Tokopedia too) or lazada:ID, or a customer id as #ID."
)


class _Unbuilt:
    """The parser of a command not run this time: every call on it builds nothing."""

    def __getattr__(self, name: str) -> Callable[..., _Unbuilt]:
        return self._nothing

    def _nothing(self, *args: Any, **kwargs: Any) -> _Unbuilt:
        return self


class _Commands(Protocol):
    """Where the commands' parsers are added (argparse's subparsers, or _OnlyCommand)."""

    def add_parser(self, name: str, **kwargs: Any) -> Any: ...


class _OnlyCommand:
    """The top-level subparsers, building only the parser of the command being run.

    Why: building all ~60 parsers took ~20 ms of every command (argparse looks up a
    translation of each help string), a fifth of what `deskterm tickets` takes.
    """

    def __init__(self, sub: _Commands, wanted: str) -> None:
        self._sub, self._wanted = sub, wanted

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if name == self._wanted:
            return self._sub.add_parser(name, **kwargs)
        return _Unbuilt()


def command_in(argv: Sequence[str], known: Collection[str]) -> str | None:
    """The command ``argv`` runs when it names a known one before any help option (only
    that command's parser is then built); None when the whole parser is needed (help, no
    command, a misspelt one: argparse's message lists them all)."""
    args = iter(argv)
    for arg in args:
        if arg in ("-h", "--help") or arg.startswith("--version"):
            return None
        if arg.startswith("--config="):
            continue
        if len(arg) > 2 and "--config".startswith(arg):  # argparse accepts "--conf FILE"
            next(args, None)
            continue
        if arg.startswith("-"):
            return None  # an option argparse must explain
        return arg if arg in known else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``deskterm`` argument parser; with ``only``, just that command's parser is
    built under it (the others are left out)."""
    parser = _Parser(
        prog="deskterm",
        description=(
            "A keyboard-driven helpdesk inbox for the terminal. Without a COMMAND, deskterm"
            " opens the inbox (the full-screen TUI) on the configured store."
        ),
        epilog="Run `deskterm COMMAND --help` for a command's options.",
    )
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file to use")
    parser.add_argument("--version", action="version", version=f"deskterm {__version__}")
    every: _Commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub = every if only is None else _OnlyCommand(every, only)

    demo = sub.add_parser("demo", help="self-contained demo with local servers and seeded mail")
    demo.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep the demo's store, config and log here (default: one folder per user,"
        " emptied at each start)",
    )
    demo.add_argument("--no-tui", action="store_true", help="run only the sync part")

    sync = sub.add_parser("sync", help="headless sync daemon")
    sync.add_argument("--once", action="store_true", help="one pass, print a summary, exit")
    sync.add_argument("--channel", metavar="NAME", help="only this channel")

    tickets = sub.add_parser("tickets", help="list tickets of a view or query")
    scope = tickets.add_mutually_exclusive_group()
    scope.add_argument("--view", metavar="NAME", help="system or saved view (default: Inbox)")
    scope.add_argument("--query", metavar="Q", help="a query in the query language")
    tickets.add_argument(
        "--limit", type=_positive, default=50, metavar="N", help="at most N tickets (default 50)"
    )
    tickets.add_argument(
        "--offset", type=_non_negative, default=0, metavar="N", help=argparse.SUPPRESS
    )
    tickets.add_argument("--json", action="store_true", help="JSON array on stdout")

    views = sub.add_parser("views", help="list views with counts; save or delete saved views")
    views.add_argument("--json", action="store_true", help="JSON array on stdout")
    views_sub = views.add_subparsers(dest="views_action", metavar="ACTION")
    save = views_sub.add_parser("save", help="save QUERY as view NAME (updates an existing one)")
    save.add_argument("name", metavar="NAME")
    save.add_argument("query", metavar="QUERY")
    save.add_argument("--private", action="store_true", help="only for you")
    delete = views_sub.add_parser("delete", help="delete saved view NAME")
    delete.add_argument("name", metavar="NAME")

    show = sub.add_parser("show", help="one ticket with its conversation")
    show.add_argument("ticket_id", type=_ticket_id, metavar="TICKET_ID")
    show.add_argument("--json", action="store_true", help="JSON object on stdout")
    show.add_argument("--full", action="store_true", help="do not collapse quoted history")

    search = sub.add_parser("search", help="search tickets with the query language")
    search.add_argument("query", metavar="QUERY", nargs="+")
    search.add_argument(
        "--limit", type=_positive, default=50, metavar="N", help="at most N tickets (default 50)"
    )
    search.add_argument("--json", action="store_true", help="JSON array on stdout")

    reply = sub.add_parser("reply", help="reply to a ticket (or add an internal note)")
    reply.add_argument("ticket_id", type=_ticket_id, metavar="TICKET_ID")
    body = reply.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", metavar="TEXT", help="the reply's text")
    body.add_argument("--macro", metavar="NAME", help="a macro's name or shortcut")
    body.add_argument("--editor", action="store_true", help="compose in $EDITOR")
    reply.add_argument("--note", action="store_true", help="internal note: never sent")
    reply.add_argument(
        "--attach",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="send FILE with the reply (email; repeat for more, up to max_attachment_mb)",
    )
    reply.add_argument(
        "--no-signature",
        action="store_true",
        help="leave out the [user] and channel signatures this once",
    )
    reply.add_argument(
        "--force", action="store_true", help="send a macro even if a variable renders empty"
    )

    macros = sub.add_parser("macros", help="list macros; import/export them as TOML")
    macros.add_argument("--json", action="store_true", help="JSON array on stdout")
    macros_sub = macros.add_subparsers(dest="macros_action", metavar="ACTION")
    macros_import = macros_sub.add_parser("import", help="create/update macros from a TOML file")
    macros_import.add_argument("path", type=Path, metavar="FILE")
    macros_export = macros_sub.add_parser("export", help="write every macro as TOML")
    macros_export.add_argument("path", type=Path, metavar="FILE", nargs="?")
    macros_export.add_argument("--force", action="store_true", help="replace an existing FILE")

    _add_rules_commands(sub)
    add_stats_command(sub)
    add_export_command(sub)

    imp = sub.add_parser("import", help="import messages from a file")
    imp_sub = imp.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    mbox = imp_sub.add_parser("mbox", help="import an mbox file (safe to re-run)")
    mbox.add_argument("path", type=Path, metavar="PATH")
    mbox.add_argument("--channel", metavar="NAME", help="email channel to file messages under")
    mbox.add_argument("--json", action="store_true", help="print the summary as JSON")

    classify = sub.add_parser(
        "classify", help="language, intent and sentiments of a text (or label the store)"
    )
    classify.add_argument("text", nargs="?", metavar="TEXT", help="the message to classify")
    classify.add_argument(
        "--stdin",
        action="store_true",
        help='read JSON lines {"text", "channel"?, "subject"?}; write one JSON line each',
    )
    classify.add_argument("--subject", default="", metavar="TEXT", help="the email's subject")
    classify.add_argument(
        "--channel", choices=("email", "chat"), default="chat", help="how it was sent"
    )
    classify.add_argument("--json", action="store_true", help="print JSON")
    classify.add_argument(
        "--backfill", action="store_true", help="label the store's messages (resumable)"
    )
    classify.add_argument(
        "--since", metavar="WHEN", help=f"with --backfill: messages sent since ({WHEN_FORMS})"
    )
    classify.add_argument(
        "--retrain",
        action="store_true",
        help="retrain on the shipped examples plus this shop's intent corrections",
    )

    intent = sub.add_parser("intent", help="set a ticket's intent (a correction the model learns)")
    intent.add_argument("ticket_id", type=_ticket_id, metavar="TICKET")
    intent.add_argument(
        "name", metavar="NAME", help=f"one of: {', '.join(INTENTS)}; or auto (the model's)"
    )

    sub.add_parser("doctor", help="check config, credentials, connectivity and store health")

    secret = sub.add_parser("secret", help="manage secrets in the system keyring")
    secret_sub = secret.add_subparsers(dest="secret_action", metavar="ACTION", required=True)
    secret_set = secret_sub.add_parser(
        "set", help="store a secret under NAME (prompts, or reads one line from stdin)"
    )
    secret_set.add_argument("name", metavar="NAME")

    config = sub.add_parser("config", help="configuration helpers")
    config_sub = config.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    config_sub.add_parser("check", help="validate the config file and say where it is")

    _add_ticket_actions(sub)
    _add_customer_commands(sub)
    _add_order_commands(sub)
    _check_text_arguments(parser)
    return parser


def _add_rules_commands(sub: _Commands) -> None:
    rules = sub.add_parser(
        "rules",
        help="automation rules: list, show, import/export as TOML, enable, disable, order",
        epilog="Rules run where the sync runs, on every new event (README: Rules).",
    )
    actions = rules.add_subparsers(dest="rules_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every rule, in the order they run")
    listing.add_argument("--json", action="store_true", help="JSON array on stdout")
    show = actions.add_parser("show", help="one rule as its TOML (or JSON)")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="JSON object on stdout")
    imp = actions.add_parser(
        "import", help="create/replace rules from a TOML file (all or nothing)"
    )
    imp.add_argument("path", type=Path, metavar="FILE", nargs="?")
    imp.add_argument(
        "--starter",
        action="store_true",
        help="the starter rules shipped with deskterm (all off), with their macros",
    )
    starter = actions.add_parser(
        "starter", help="write the starter rules file (stdout without FILE) to edit and import"
    )
    starter.add_argument("path", type=Path, metavar="FILE", nargs="?")
    starter.add_argument("--force", action="store_true", help="replace an existing FILE")
    export = actions.add_parser("export", help="write every rule as TOML (stdout without FILE)")
    export.add_argument("path", type=Path, metavar="FILE", nargs="?")
    export.add_argument("--force", action="store_true", help="replace an existing FILE")
    for verb, text in (("enable", "turn a rule on"), ("disable", "turn a rule off")):
        actions.add_parser(verb, help=text).add_argument("name", metavar="NAME")
    move = actions.add_parser("move", help="move a rule to just before another one")
    move.add_argument("name", metavar="NAME")
    move.add_argument("--before", required=True, metavar="OTHER", help="the rule it goes before")
    actions.add_parser("delete", help="delete a rule").add_argument("name", metavar="NAME")
    test = actions.add_parser(
        "test", help="replay past events: what each rule would have matched (changes nothing)"
    )
    test.add_argument(
        "--since", default="30d", metavar="SPAN", help="how far back: 30d (default), 12h, 2w"
    )
    test.add_argument("--rule", metavar="NAME", help="only this rule")
    test.add_argument("--json", action="store_true", help="JSON array on stdout")
    explain = actions.add_parser(
        "explain", help="each rule on a ticket's latest event: every term's value, what ran"
    )
    explain.add_argument("ticket_id", type=int, metavar="TICKET")
    explain.add_argument("--json", action="store_true", help="JSON object on stdout")


def _add_customer_commands(sub: _Commands) -> None:
    customer = sub.add_parser(
        "customer", help="a customer across channels: show, link, unlink", epilog=HANDLES_HELP
    )
    actions = customer.add_subparsers(dest="customer_action", metavar="ACTION", required=True)
    link = actions.add_parser(
        "link",
        help="one person: merge the customers of two handles (the first survives)",
        epilog=HANDLES_HELP + " An identity nobody has yet is added to the first customer.",
    )
    link.add_argument("handle", metavar="HANDLE")
    link.add_argument("other", metavar="HANDLE")
    show = actions.add_parser(
        "show", help="identities, tickets and orders of a customer", epilog=HANDLES_HELP
    )
    show.add_argument("handle", metavar="HANDLE")
    show.add_argument("--limit", type=_positive, default=50, metavar="N", help="tickets listed")
    show.add_argument("--json", action="store_true", help="JSON object on stdout")
    unlink = actions.add_parser(
        "unlink",
        help="move one identity (and the tickets that came through it) to a new customer",
        epilog=HANDLES_HELP,
    )
    unlink.add_argument("customer_id", type=_customer_id, metavar="CUSTOMER_ID")
    unlink.add_argument("handle", metavar="HANDLE")


def _add_order_commands(sub: _Commands) -> None:
    ref_help = (
        "REF is STORE_OR_CHANNEL:ORDER_ID: the Shopify store's or marketplace channel's name,"
        " a colon, the order's id or name (shopee-id:2512010ABCDEF, main:#1042)."
    )
    order = sub.add_parser(
        "order",
        help="a customer's orders: list, show, cancel, refund, address, duplicate",
        epilog=ref_help,
    )
    actions = order.add_subparsers(dest="order_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the orders of a ticket's customer, newest first")
    listing.add_argument("ticket_id", type=_ticket_id, metavar="TICKET")
    listing.add_argument("--json", action="store_true", help="JSON array on stdout")
    show = actions.add_parser(
        "show", help="one order: items, tracking events, returns, actions", epilog=ref_help
    )
    show.add_argument("ref", metavar="REF")
    show.add_argument("--json", action="store_true", help="JSON object on stdout")
    _add_order_actions(actions, ref_help)


def _order_action(
    actions: argparse._SubParsersAction[_Parser], name: str, help_text: str, ref_help: str
) -> _Parser:
    """One order action's parser with what every action takes: REF, --ticket, --yes, --json."""
    parser = actions.add_parser(
        name,
        help=help_text,
        epilog=ref_help + " Without --yes it shows exactly what will happen and asks "
        "(and refuses when stdin is not a terminal). Done once: an answer lost on the way is "
        "settled by reading the order back, never by sending it again blindly.",
    )
    parser.add_argument("ref", metavar="REF")
    parser.add_argument(
        "--ticket",
        type=_ticket_id,
        metavar="TICKET",
        help="the ticket that gets the note (default: the customer's latest ticket)",
    )
    parser.add_argument("--yes", action="store_true", help="go ahead without asking")
    parser.add_argument("--json", action="store_true", help="the outcome as JSON on stdout")
    return parser


def _add_order_actions(actions: argparse._SubParsersAction[_Parser], ref_help: str) -> None:
    cancel = _order_action(actions, "cancel", "cancel an order (Shopify, marketplaces)", ref_help)
    cancel.add_argument(
        "--reason", required=True, metavar="TEXT", help="why (told to the platform)"
    )
    cancel.add_argument(
        "--no-refund", dest="refund", action="store_false", help="Shopify: keep what was paid"
    )
    cancel.add_argument(
        "--no-restock", dest="restock", action="store_false", help="Shopify: do not restock"
    )
    cancel.add_argument(
        "--no-notify",
        dest="notify",
        action="store_false",
        help="Shopify: do not email the customer",
    )
    refund = _order_action(
        actions, "refund", "refund a Shopify order: all, an amount, items, shipping", ref_help
    )
    refund.add_argument("--amount", type=_amount, metavar="N", help="this much (shop currency)")
    refund.add_argument(
        "--item",
        dest="items",
        action="append",
        type=_refund_item,
        default=[],
        metavar="SKU[:QTY]",
        help="a line by SKU or line id, QTY of it (default 1); repeat for more lines",
    )
    refund.add_argument(
        "--shipping",
        nargs="?",
        const=True,
        type=_amount,
        metavar="AMOUNT",
        help="refund the shipping (all of it, or AMOUNT)",
    )
    refund.add_argument(
        "--no-restock", dest="restock", action="store_false", help="do not restock the items"
    )
    refund.add_argument(
        "--no-notify", dest="notify", action="store_false", help="do not email the customer"
    )
    address = _order_action(actions, "address", "edit a Shopify order's shipping address", ref_help)
    address.add_argument(
        "--set",
        dest="fields",
        action="append",
        type=_field_value,
        required=True,
        metavar="FIELD=VALUE",
        help="address1, address2, city, province, provinceCode, zip, country, countryCode, "
        "firstName, lastName, company, phone; repeat for more",
    )
    _order_action(actions, "duplicate", "duplicate a Shopify order as a draft order", ref_help)
    _order_action(
        actions, "accept-cancel", "accept a buyer's cancellation request (marketplaces)", ref_help
    )
    _order_action(
        actions, "reject-cancel", "reject a buyer's cancellation request (marketplaces)", ref_help
    )


def _typed(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse ``type`` from a domain parser (its ValueError is argparse's message)."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


_amount = _typed(parse_amount)
_refund_item = _typed(parse_item)
_field_value = _typed(parse_field)


def _add_ticket_actions(sub: _Commands) -> None:
    for name, help_text in (
        ("tag", "add tags to a ticket"),
        ("untag", "remove tags from a ticket"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("ticket_id", type=_ticket_id, metavar="TICKET_ID")
        cmd.add_argument("tags", nargs="+", metavar="TAG")
    assign = sub.add_parser("assign", help="assign a ticket (`none` to unassign, `me` for you)")
    assign.add_argument("ticket_id", type=_ticket_id, metavar="TICKET_ID")
    assign.add_argument("assignee", metavar="EMAIL|me|none")
    for name, help_text in (
        ("close", "close a ticket"),
        ("reopen", "reopen a ticket"),
        ("unsnooze", "end a snooze now"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("ticket_id", type=_ticket_id, metavar="TICKET_ID")
    snooze = sub.add_parser(
        "snooze",
        help="close a ticket until a time (2d, tomorrow 9am, next friday, senin 9:00, ...)",
        description="Close a ticket until a time; it reopens then, or when the customer"
        " writes. Times are local: " + WHEN_FORMS + ".",
    )
    snooze.add_argument("ticket_id", type=_ticket_id, metavar="TICKET_ID")
    snooze.add_argument(
        "until", nargs="+", metavar="WHEN", help="when it wakes, e.g. " + WHEN_FORMS
    )
    spam = sub.add_parser("spam", help="mark a ticket as spam (--undo to unmark)")
    spam.add_argument("ticket_id", type=_ticket_id, metavar="TICKET_ID")
    spam.add_argument("--undo", action="store_true", help="it is not spam after all")
    merge = sub.add_parser("merge", help="merge two tickets; the older one survives")
    merge.add_argument("ticket_id", type=_ticket_id, metavar="TICKET_ID")
    merge.add_argument("other_id", type=_ticket_id, metavar="OTHER_ID")
    merge.add_argument("--force", action="store_true", help="allow different customers")

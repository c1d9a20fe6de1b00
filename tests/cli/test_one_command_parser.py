"""Only the command being run gets its parser built (issue 18 item 3), and that parser
reads every command line exactly as the full one does."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from deskterm.cli import _COMMANDS, command_for
from deskterm.cli.parser import build_parser, command_in
from tests.cli.test_readme_commands import readme_command_list, subcommands

KNOWN = frozenset(_COMMANDS)


def parsed(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[int, str, dict | None]:
    """(exit status, what it printed, the namespace) of parsing ``argv``."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            return 0, out.getvalue(), vars(parser.parse_args(argv))
        except SystemExit as exc:
            return int(exc.code or 0), out.getvalue(), None


def readme_lines() -> list[list[str]]:
    """README's command list, as argument lists (placeholders filled with plausible words)."""
    fill = {"TICKET_ID": "12", "OTHER_ID": "3", "N": "5", "WHEN": "2d", "FILE": "x.toml"}
    lines = []
    for text in readme_command_list().splitlines():
        line = text.split("  #", 1)[0].strip()
        if not line:
            continue
        words = [w.strip("[]") for w in line.split()[1:] if w not in ("...", "|")]
        words = [fill.get(w, w.split("|")[0]) for w in words if w]
        lines.append([w for w in words if w and not w.startswith("[")])
    return lines


CASES = [
    ["tickets"],
    ["--config", "c.toml", "tickets", "--view", "Mine", "--json"],
    ["--config=c.toml", "show", "12", "--json"],
    ["--conf", "show", "tickets"],  # argparse's prefix: "show" is the config file
    ["search", "grinder", "NOT", "tag:x"],
    ["stats", "--by", "agent", "--since", "7d"],
    ["export", "metrics", "--out", "-"],
    ["rules", "list", "--json"],
    ["order", "refund", "shopee:1", "--amount", "5"],
    ["tickets", "--limit", "0"],  # an error, word for word
    ["show", "x"],
    ["stats", "--by", "nothing"],
    ["tikets"],  # misspelt: the full parser names the commands
    ["tui"],  # not a command: the inbox opens without one
    ["--help"],
    ["tickets", "--help"],
    [],
]


@pytest.mark.parametrize("argv", CASES + readme_lines(), ids=lambda a: " ".join(a) or "none")
def test_the_one_command_parser_reads_a_line_as_the_full_one_does(argv: list[str]) -> None:
    full = parsed(build_parser(), argv)
    one = parsed(build_parser(only=command_in(argv, KNOWN)), argv)
    assert one == full


def test_a_line_naming_a_command_builds_only_its_parser() -> None:
    assert command_in(["--config", "c.toml", "tickets", "--json"], KNOWN) == "tickets"
    assert command_in(["--conf", "show", "tickets"], KNOWN) == "tickets"
    assert command_in(["--help", "tickets"], KNOWN) is None
    assert command_in(["tikets"], KNOWN) is None
    parser = build_parser(only="tickets")
    top = subcommands(parser)
    assert top is not None and set(top.choices) == {"tickets"}


def test_every_command_of_the_parser_has_a_function_to_run() -> None:
    top = subcommands(build_parser())
    assert top is not None
    assert set(top.choices) == KNOWN
    for name in [*KNOWN, None]:
        assert callable(command_for(name))

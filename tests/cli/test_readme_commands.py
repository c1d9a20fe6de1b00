"""README's command list and `--help` match the program (issue 10 item 13, "done when")."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from deskterm.cli.parser import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"
# (command, action): None for the bare `deskterm`, and for a command run without an action.
Entry = tuple[str | None, str | None]


def sh_blocks(text: str) -> list[str]:
    """The contents of every ```sh fenced block, in order."""
    return re.findall(r"^```sh\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def readme_command_list() -> str:
    """The fenced block of README's "## Commands" section: one `deskterm …` per line."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"^## Commands\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert found, "README.md has no '## Commands' section"
    blocks = sh_blocks(found.group(1))
    assert blocks, "README's Commands section has no ```sh block"
    return blocks[0]


def subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:  # type: ignore[type-arg]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def flags(parser: argparse.ArgumentParser) -> set[str]:
    """The long options a user can type (the hidden ones and --help left out)."""
    return {
        option
        for action in parser._actions
        if action.help != argparse.SUPPRESS
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }


def parser_commands() -> dict[Entry, set[str]]:
    """Every command and action the parser accepts, with its long options."""
    root = build_parser()
    found: dict[Entry, set[str]] = {(None, None): flags(root)}
    top = subcommands(root)
    assert top is not None
    for name, command in top.choices.items():
        actions = subcommands(command)
        if actions is None or not actions.required:
            found[(name, None)] = flags(command)
        for action_name, action in (actions.choices if actions else {}).items():
            found[(name, action_name)] = flags(action)
    return found


def readme_commands() -> dict[Entry, set[str]]:
    """The same, read from README's command list."""
    with_actions = {name for (name, action) in parser_commands() if action is not None}
    found: dict[Entry, set[str]] = {}
    for text in readme_command_list().splitlines():
        line = text.split("  #", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        assert words[0] == "deskterm", f"not a deskterm command line: {line!r}"
        command = words[1] if len(words) > 1 and re.fullmatch(r"[a-z]+", words[1]) else None
        action = None
        if command in with_actions and len(words) > 2 and re.fullmatch(r"[a-z][a-z-]*", words[2]):
            action = words[2]
        found.setdefault((command, action), set()).update(re.findall(r"--[a-z][a-z-]*", line))
    return found


def test_readme_command_list_matches_the_parser() -> None:
    """issue 10 item 13: README and `--help` had drifted apart; now README's "Commands"
    block lists every command and action the parser has, none it lacks, each with the
    same long options."""
    documented, real = readme_commands(), parser_commands()

    def named(entry: Entry) -> str:
        return " ".join(["deskterm", *(word for word in entry if word)])

    assert sorted(named(e) for e in real if e not in documented) == [], "not in README"
    assert sorted(named(e) for e in documented if e not in real) == [], "not in the parser"
    options = {
        named(entry): (sorted(real[entry] - found), sorted(found - real[entry]))
        for entry, found in documented.items()
        if found != real[entry]
    }
    assert options == {}, "(options README lacks, options the parser lacks)"


def test_every_command_named_in_readme_examples_exists() -> None:
    """issue 10 item 13: every `deskterm WORD …` (or the tour's `dt WORD …`) in README's
    shell examples is a real command, and the word after a command with actions is one
    of its actions."""
    real = parser_commands()
    commands = {name for (name, _) in real if name}
    actions = {name: {a for (n, a) in real if n == name and a} for name in commands}
    call = re.compile(
        r"(?:^|[\s;&|(`])(?:\S*/)?(?:deskterm|dt)(?:\s+--config\s+\S+)?\s+([a-z][\w-]*)(.*)"
    )
    wrong = []
    for block in sh_blocks(README.read_text(encoding="utf-8")):
        for text in block.splitlines():
            line = text.split("  #", 1)[0]
            for found in call.finditer(line):
                name, rest = found.group(1), found.group(2).split()
                if name not in commands:
                    wrong.append(f"{name}: {line.strip()}")
                elif (
                    actions[name]
                    and rest
                    and re.fullmatch(r"[a-z]+", rest[0])
                    and rest[0] not in actions[name]
                ):
                    wrong.append(f"{name} {rest[0]}: {line.strip()}")
    assert wrong == []


def help_text(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "deskterm", *args, "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "100"},
    )
    return done.stdout


def test_help_says_a_bare_deskterm_opens_the_inbox() -> None:
    """issue 10 item 13: `--help` never said that `deskterm` alone opens the inbox."""
    text = help_text()
    assert re.search(
        r"usage: deskterm \[-h\] \[--config FILE\] \[--version\] \[COMMAND \.\.\.\]", text
    )
    assert "Without a COMMAND, deskterm opens the inbox" in " ".join(text.split())


def test_optional_actions_show_as_optional() -> None:
    """issue 10 item 13: `views` and `macros` run without an ACTION (they list), but their
    usage showed ACTION as required; commands that need one still show it bare."""
    for command in ("views", "macros"):
        usage = " ".join(help_text(command).split("\n\n")[0].split())
        assert usage == f"usage: deskterm {command} [-h] [--json] [ACTION ...]"
    for command in ("secret", "config", "customer"):
        usage = " ".join(help_text(command).split("\n\n")[0].split())
        assert usage == f"usage: deskterm {command} [-h] ACTION ..."


def test_help_words() -> None:
    """issue 10 item 13: `tag` said "add tags to/from a ticket"; every option of every
    command now says what it does."""
    text = help_text()
    assert re.search(r"\btag +add tags to a ticket\n", text)
    assert re.search(r"\buntag +remove tags from a ticket\n", text)
    assert "to/from" not in text

    def silent(parser: argparse.ArgumentParser, where: str) -> list[str]:
        found = [
            f"{where} {action.option_strings[0]}"
            for action in parser._actions
            if action.option_strings and not action.help
        ]
        sub = subcommands(parser)
        for name, child in (sub.choices if sub else {}).items():
            found += silent(child, f"{where} {name}")
        return found

    assert silent(build_parser(), "deskterm") == []


def test_the_tour_explains_the_sample_password() -> None:
    """issue 10 item 13: the bundled sample config shows `DESKTERM_SAMPLE_PASSWORD is not
    set` at once; README's tour (Quick start) says so, and that the tour needs none."""
    text = README.read_text(encoding="utf-8")
    quick_start = text[text.index("## Quick start") : text.index("## Install")]
    sample = (README.parent / "samples" / "deskterm.toml").read_text(encoding="utf-8")
    names = re.findall(r'\{ *env *= *"([A-Z_]+)" *\}', sample)
    assert names == ["DESKTERM_SAMPLE_PASSWORD"]
    tour = quick_start[quick_start.index("bundled sample mailbox") :]
    assert "DESKTERM_SAMPLE_PASSWORD is not set" in " ".join(tour.split())
    assert "needs no server and no password" in " ".join(tour.split())


def test_readme_drops_the_stale_statements() -> None:
    """issue 10 item 13: README said the demo is email only, that Shopify macro variables
    are empty until the integration lands, that `[user] email` is used "later, in
    macros", and showed the demo's data in /tmp/deskterm-demo-…; none is true now."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    for stale in (
        "(email only)",
        "empty until the Shopify integration lands",
        "later, in macros",
        "/tmp/deskterm-demo-",
    ):
        assert stale not in text

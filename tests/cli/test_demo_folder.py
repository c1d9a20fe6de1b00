"""`deskterm demo` keeps one data folder per user and names the command that runs it
(issue 10 item 13)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from deskterm import paths
from deskterm.demo.folder import DEMO_FOLDER_NAME, demo_folder

pytestmark = pytest.mark.slow  # each run starts the demo's servers (a few seconds)


def demo_env(tmp_path: Path) -> dict[str, str]:
    """Private directories, and a private TMPDIR to see what the demo leaves there."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(temp), "DESKTERM_CACHE_DIR": str(tmp_path / "cache")}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def ticket_ids(env: dict[str, str], config: Path) -> list[int]:
    done = run(env, "--config", str(config), "tickets", "--view", "All", "--limit", "500", "--json")
    assert done.returncode == 0, done.stderr
    return sorted(ticket["id"] for ticket in json.loads(done.stdout))


def test_the_demo_reuses_one_folder_per_user(tmp_path: Path) -> None:
    """issue 10 item 13: every `deskterm demo` left a 4 MB /tmp/deskterm-demo-* behind; now
    it uses one folder per user (in the cache folder), emptied at each start, and leaves
    nothing in the temporary folder."""
    env = demo_env(tmp_path)
    folder = tmp_path / "cache" / DEMO_FOLDER_NAME
    first = run(env, "demo", "--no-tui")
    assert first.returncode == 0, first.stderr
    assert f"demo data in {folder}\n" in first.stderr
    tickets = ticket_ids(env, folder / "config.toml")
    assert len(tickets) > 10
    (folder / "left-over.txt").write_text("from the first run")

    second = run(env, "demo", "--no-tui")
    assert second.returncode == 0, second.stderr
    assert f"demo data in {folder}\n" in second.stderr
    assert not (folder / "left-over.txt").exists()  # emptied, then seeded again
    assert ticket_ids(env, folder / "config.toml") == tickets  # the same demo, not twice
    # (read-settings: the config values read commands take, config/read_settings.py)
    cached = {p.name for p in (tmp_path / "cache").iterdir()} - {"read-settings"}
    assert sorted(cached) == sorted([DEMO_FOLDER_NAME, f"{DEMO_FOLDER_NAME}.lock"])
    assert list((tmp_path / "tmp").iterdir()) == []


def test_the_demo_names_the_command_that_runs_it(tmp_path: Path) -> None:
    """issue 10 item 13: the demo printed `try: deskterm --config …` although the command
    was `.venv/bin/deskterm` (or here `python -m deskterm`); now it prints the command
    that runs this deskterm, and that line works as printed."""
    env = demo_env(tmp_path)
    done = run(env, "demo", "--no-tui")
    assert done.returncode == 0, done.stderr
    config = tmp_path / "cache" / DEMO_FOLDER_NAME / "config.toml"
    command = (
        f"{shlex.quote(sys.executable)} -m deskterm --config {shlex.quote(str(config))} tickets"
    )
    assert f"  try: {command}\n" in done.stderr
    works = subprocess.run(
        shlex.split(command), capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert works.returncode == 0 and "Siti Rahma" in works.stdout, works.stderr


def test_a_second_demo_at_once_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 10 item 13: with one folder per user, a demo started while another runs would
    empty the first one's store under it; it says so in one line instead (exit 1)."""
    env = demo_env(tmp_path)
    monkeypatch.setenv("DESKTERM_CACHE_DIR", env["DESKTERM_CACHE_DIR"])
    with demo_folder(None) as folder:
        assert folder == paths.cache_dir() / DEMO_FOLDER_NAME
        done = run(env, "demo", "--no-tui")
    assert done.returncode == 1
    assert done.stderr == (
        f"deskterm: another deskterm demo (pid {os.getpid()}) is running in {folder};"
        " quit it first, or give this one its own folder with --data-dir DIR\n"
    )


def test_a_folder_the_demo_did_not_make_is_never_emptied(tmp_path: Path) -> None:
    """issue 10 item 13: emptying the demo folder at start must never delete what someone
    else put at that path; such a folder is refused in one line (exit 1)."""
    env = demo_env(tmp_path)
    folder = tmp_path / "cache" / DEMO_FOLDER_NAME
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    done = run(env, "demo", "--no-tui")
    assert done.returncode == 1
    assert done.stderr == (
        f"deskterm: {folder} is not a folder deskterm demo made; move it away,"
        " or give the demo another folder with --data-dir DIR\n"
    )
    assert (folder / "notes.txt").read_text() == "mine"

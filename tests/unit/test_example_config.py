"""config.example.toml: a copy works with one email channel; every other block, once
uncommented, loads too (issue 10 item 13)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from deskterm.config import (
    EmailChannel,
    LazadaChannel,
    ShopeeChannel,
    ShopifyStore,
    TikTokShopChannel,
    load_config_text,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def disabled_blocks(text: str) -> list[list[str]]:
    """The commented-out ``# [[channels]]`` / ``# [[stores]]`` blocks: each runs from that
    line to the next blank line, every line commented."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if re.fullmatch(r"# \[\[(channels|stores)\]\]", line):
            current = []
            blocks.append(current)
        elif not line.strip():
            current = None
        if current is not None:
            current.append(line)
    return blocks


def uncommented(text: str) -> str:
    """``text`` with every disabled block uncommented, as an editor's "uncomment" does."""
    for block in disabled_blocks(text):
        assert all(line == "#" or line.startswith("# ") for line in block), block
        text = text.replace(
            "\n".join(block), "\n".join(line.removeprefix("#").removeprefix(" ") for line in block)
        )
    return text


def test_a_copy_is_one_email_channel(tmp_path: Path) -> None:
    """issue 10 item 13: a copy of config.example.toml gave four channels whose keyring
    secrets nobody had stored; now `config check` on a copy finds one email channel and
    no shop, and nothing but that channel's password needs a secret."""
    copy = tmp_path / "config.toml"
    shutil.copy(EXAMPLE, copy)
    done = subprocess.run(
        [sys.executable, "-m", "deskterm", "--config", str(copy), "config", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ok — 1 channel(s), 0 store(s)" in done.stdout
    active = [line for line in EXAMPLE.read_text().splitlines() if not line.startswith("#")]
    secrets = [line for line in active if re.search(r"\{ *(keyring|env|command) *=", line)]
    assert [line.split("=")[0].strip() for line in secrets] == ["password"]


def test_every_commented_block_loads() -> None:
    """issue 10 item 13: the marketplace channels and the Shopify store are there to be
    uncommented; once they are, the file loads with every channel type and the store."""
    text = EXAMPLE.read_text(encoding="utf-8")
    blocks = disabled_blocks(text)
    assert len(blocks) == 4  # three marketplaces and the shop
    config = load_config_text(uncommented(text), EXAMPLE)
    assert {type(c) for c in config.channels} == {
        EmailChannel,
        TikTokShopChannel,
        ShopeeChannel,
        LazadaChannel,
    }
    assert [type(s) for s in config.stores] == [ShopifyStore]


def test_email_channel_explains_app_passwords() -> None:
    """issue 10 item 13: where the email channel is, the example says how to store its
    password and that Gmail, Fastmail and Outlook want an app password (or OAuth2)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("# --- email")
    email = text[start : text.index("[channels.imap]", start)]
    for needle in ("deskterm secret set support", "app password", "Gmail", "Fastmail", "Outlook"):
        assert needle in email

"""The help center (issue 12 item 7): Markdown articles with front matter, a multilingual
BM25 index with excerpts, bad files skipped, the index rebuilt only when a file changes."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from deskterm.automation import help_center
from deskterm.automation.help_center import build, load, parse_article
from deskterm.config import Config, load_config, load_config_text
from deskterm.demo.run import write_config
from deskterm.domain.errors import UsageError
from deskterm.services.suggestions import open_help_center, suggest_articles

DEMO = Path(help_center.__file__).parents[1] / "demo" / "help_center"
BASE = "https://kopi-nusantara.test/help/"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_toml_yamlish_or_none() -> None:
    toml = parse_article(
        '+++\ntitle = "Refunds"\nurl = "https://x.test/r"\nlanguage = "EN"\ntags = ["a", "b"]\n'
        "+++\n\n# Other heading\n\nBody",
        "refunds",
    )
    assert (toml.title, toml.url, toml.language, toml.tags) == (
        "Refunds",
        "https://x.test/r",
        "en",
        ("a", "b"),
    )
    assert toml.body.strip().endswith("Body") and "+++" not in toml.body
    yamlish = parse_article(
        "---\ntitle: 'Cek resi'\nlanguage: id\ntags:\n  - resi\n  - lacak\n---\nIsi",
        "id/lacak",
        BASE,
    )
    assert (yamlish.title, yamlish.language, yamlish.tags) == ("Cek resi", "id", ("resi", "lacak"))
    assert yamlish.url == BASE + "id/lacak"  # no url of its own: base_url + the slug
    heading = parse_article("Intro line\n\n# Size guide\n\nS M L", "size")
    assert heading.title == "Size guide" and heading.url is None
    bare = parse_article("just text", "payment-methods")
    assert bare.title == "Payment methods"
    broken = parse_article("+++\ntitle = \n+++\n# Kept\n", "x")  # bad TOML: read as text
    assert broken.title == "Kept"


def test_the_demo_help_center_finds_the_right_article() -> None:
    centre = load(DEMO, BASE)
    assert len(centre.articles) == 14 and centre.skipped == []

    def best(query: str) -> str:
        hits = centre.search(query)
        return hits[0].article.slug if hits else ""

    # Indonesian chat slang: "kak", "nya" are noise, "resi" (waybill) is the point.
    assert best("kak resi nya mana") == "id/lacak-pesanan"
    assert best("Pesanan saya #1042 sudah seminggu belum sampai. Bisa dicek resinya?") == (
        "id/lacak-pesanan"
    )
    assert best("mau batalin pesanan gan") == "id/membatalkan-pesanan"
    assert best("ongkir ke medan brp?") == "id/waktu-dan-ongkos-kirim"
    assert best("barangnya rusak, mau tukar") == "id/pengembalian-dan-penukaran"
    assert best("Where is my order? I need the tracking number") == "en/track-your-order"
    assert best("I want my money back") == "en/refunds"
    assert best("do you take cash on delivery?") == "en/payment-methods"
    assert best("what size should I get, M or L") == "en/size-guide"
    assert centre.search("zzzz qqqq") == [] and centre.search("") == []


def test_the_tickets_language_wins_a_near_tie() -> None:
    centre = load(DEMO, BASE)
    hits = centre.search("refund", language="id")
    assert hits[0].article.language == "id"
    assert centre.search("refund", language="en")[0].article.language == "en"


def test_thai_and_vietnamese(tmp_path: Path) -> None:
    write(
        tmp_path,
        "th-tracking.md",
        "# ติดตามพัสดุ\n\nเมื่อขนส่งรับพัสดุแล้ว เราจะส่งเลขพัสดุให้ทางอีเมล ใช้เลขนี้ติดตามพัสดุของคุณ",
    )
    write(tmp_path, "th-refund.md", "# การคืนเงิน\n\nเราจะคืนเงินภายใน 5 วันทำการ")
    write(
        tmp_path,
        "vi.md",
        "# Theo dõi đơn hàng\n\nMã vận đơn được gửi qua email khi đơn hàng được giao.",
    )
    centre = build(tmp_path)
    assert centre.search("พัสดุของฉันอยู่ที่ไหน")[0].article.slug == "th-tracking"
    assert centre.search("ขอคืนเงินหน่อย")[0].article.slug == "th-refund"
    # Typed without Vietnamese accents, as customers often do.
    assert centre.search("don hang cua toi dau, ma van don?")[0].article.slug == "vi"


def test_the_excerpt_is_the_best_passage(tmp_path: Path) -> None:
    filler = "Our coffee is roasted fresh every week in small batches. " * 8
    write(
        tmp_path,
        "a.md",
        f"# Shipping\n\n{filler}\n\nThe tracking number arrives by email once the courier"
        " picks the parcel up.\n\n" + filler,
    )
    hit = build(tmp_path).search("tracking number")[0]
    assert hit.excerpt.startswith("The tracking number arrives by email")
    long = "word " * 200 + "the special refund rule applies here " + "word " * 200
    write(tmp_path, "b.md", f"# Long\n\n{long}")
    hit = build(tmp_path).search("special refund rule")[0]
    assert "special refund rule" in hit.excerpt and hit.excerpt.startswith("…")
    assert len(hit.excerpt) <= help_center.EXCERPT_CHARS + 2
    assert "**" not in build(tmp_path).browse("Shipping")[0].excerpt


def test_bad_files_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "good.md", "# Good\n\nrefund policy")
    (tmp_path / "binary.md").write_bytes(b"\x89PNG\r\n\x00\x00")
    (tmp_path / "latin1.md").write_bytes("# Café\n\nrembolso ñ".encode("latin-1"))
    write(tmp_path, ".hidden/secret.md", "# Hidden\n")
    write(tmp_path, "notes.txt", "not an article")
    unreadable = write(tmp_path, "locked.md", "# Locked")
    unreadable.chmod(0)
    (tmp_path / "loop.md").symlink_to(tmp_path / "loop.md")
    (tmp_path / "again").symlink_to(tmp_path)  # a folder link back: not followed
    with caplog.at_level(logging.WARNING, logger="deskterm.automation.help_center"):
        centre = build(tmp_path)
    titles = [a.title for a in centre.articles]
    assert titles.count("Good") == 1 and "Hidden" not in titles
    assert "Café" not in titles
    joined = "\n".join(centre.skipped)
    assert "binary.md: skipped, a binary file" in joined
    assert "latin1.md:1: skipped, not UTF-8 text" in joined
    assert "help center:" in caplog.text
    if os.geteuid() != 0:  # root reads a mode-0 file anyway
        assert "locked.md: skipped, cannot read it" in joined and "Locked" not in titles


def test_the_index_is_rebuilt_only_when_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "a.md", "# A\n\nrefund")
    builds: list[Path] = []
    real = help_center.build

    def counting(
        folder: Path, base_url: str | None = None, files: list[Path] | None = None
    ) -> help_center.HelpCenter:
        builds.append(folder)
        return real(folder, base_url, files)

    monkeypatch.setattr(help_center, "build", counting)
    first = load(tmp_path)
    assert load(tmp_path) is first and len(builds) == 1
    path.write_text("# A\n\nexchange", encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a changed mtime (the size changed too)
    second = load(tmp_path)
    assert len(builds) == 2 and second.search("exchange")
    write(tmp_path, "b.md", "# B")  # a new file
    assert len(load(tmp_path).articles) == 2 and len(builds) == 3


def test_a_missing_folder_or_none_configured(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"No help center configured: set \[help_center\] path"):
        open_help_center(Config())
    with pytest.raises(UsageError, match="No help center configured"):
        open_help_center(None)
    config = load_config_text('[help_center]\npath = "nowhere"\n', tmp_path / "c.toml")
    assert config.help_center_path() == tmp_path / "nowhere"  # relative to the config
    with pytest.raises(UsageError, match=r"\[help_center\] path: .*nowhere does not exist"):
        open_help_center(config)


def test_config_keys(tmp_path: Path) -> None:
    config = load_config_text(
        f'[help_center]\npath = "{DEMO}"\nbase_url = "https://shop.example/help/"\n',
        tmp_path / "c.toml",
    )
    centre = open_help_center(config)
    hits = suggest_articles(
        centre,
        {"channel_type": "chat", "messages": [{"direction": "in", "body_text": "resi nya mana"}]},
    )
    assert hits[0].article.url == "https://shop.example/help/id/lacak-pesanan"
    # Nothing to go on: every article, by title, for the agent to search.
    assert len(suggest_articles(centre, {"messages": []})) == 14
    with pytest.raises(Exception, match="web address"):
        load_config_text('[help_center]\nbase_url = "shop.example"\n', tmp_path / "c.toml")


def test_the_demo_config_points_at_its_help_center(tmp_path: Path) -> None:
    server: Any = SimpleNamespace(port=1, password="pw")  # what write_config reads of them
    config = load_config(write_config(tmp_path, tmp_path, server, server))
    assert config.help_center_path() == DEMO
    assert config.help_center.base_url == BASE
    assert len(open_help_center(config).articles) == 14

"""TUI fixtures: a store filled from the sample mailbox, and the app on it."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from deskterm.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample mailbox imported once per test process; each test gets a copy."""
    folder = tmp_path_factory.mktemp("sample-template")
    config = folder / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    with pytest.MonkeyPatch.context() as patch:
        # No test may touch the real user's config, data or keyring (tests/conftest.py).
        for var in ("CONFIG", "DATA", "CACHE", "LOG"):
            patch.setenv(f"DESKTERM_{var}_DIR", str(folder / var.lower()))
        patch.delenv("DESKTERM_CONFIG", raising=False)
        args = ["--config", str(config), "import", "mbox", str(REPO / "samples" / "support.mbox")]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(args) == 0
    return folder


@pytest.fixture
def sample_config(sample_template: Path, tmp_path: Path) -> Path:
    """The sample config with the sample mailbox imported into a temp store."""
    config = tmp_path / "config.toml"
    shutil.copy(sample_template / "config.toml", config)
    shutil.copytree(sample_template / ".sample-store", tmp_path / ".sample-store")
    return config


def store_url(config: Path) -> str:
    """The SQLite URL of a sample config's store."""
    return f"sqlite:///{config.parent / '.sample-store' / 'deskterm.db'}"


def import_macros(config: Path) -> None:
    """The sample macros into a config's store."""
    args = ["--config", str(config), "macros", "import", str(REPO / "samples" / "macros.toml")]
    assert main(args) == 0


# Fixed labels for the sample store's tickets, by subject (and customer, where two share
# one): pictures must not change when the classifier is retrained. Tickets not named here
# get no labels at all.
SAMPLE_LABELS: dict[tuple[str, str], tuple[str | None, str, str, str | None]] = {
    # (subject, customer name): (intent, intent_source, sentiments, language)
    ("Pesanan #1042 belum sampai", "Siti Rahma"): (
        "shipping/status",
        "agent",
        "negative urgent",
        "id",
    ),
    ("Damaged grinder - order #1051", "John Carter"): (
        "order/damaged",
        "model",
        "negative threatening",
        "en",
    ),
    ("Reembolso do pedido #1060", "Ana Souza"): ("refund/request", "model", "", "pt"),
    ("¿Cuándo llega mi pedido?", "Javier López"): ("shipping/status", "model", "urgent", "es"),
    ("Tanya stok kopi Gayo 1kg", "Budi Santoso"): ("product/question", "model", "", "id"),
    ("Contact form: wholesale", "Rina Wijaya"): ("discount/request", "model", "", "id"),
    ("Contact form: wholesale", "Tom Becker"): ("other/question", "model", "", "en"),
    ("Cảm ơn - thanks for the quick delivery!", "Ngọc Anh"): (
        "other/thanks",
        "model",
        "positive promoter",
        "vi",
    ),
}


def clear_labels(config: Path) -> None:
    """No ticket of a sample config's store has any label (intent, sentiment, language)."""
    import sqlite3

    with sqlite3.connect(config.parent / ".sample-store" / "deskterm.db") as db:
        db.execute(
            "UPDATE ticket SET intent = NULL, intent_confidence = NULL, intent_source = '',"
            " sentiments = '', language = NULL"
        )


def seed_labels(config: Path) -> dict[str, int]:
    """Give the sample store's tickets the fixed ``SAMPLE_LABELS``; the ids by customer."""
    import sqlite3

    clear_labels(config)
    ids: dict[str, int] = {}
    with sqlite3.connect(config.parent / ".sample-store" / "deskterm.db") as db:
        rows = db.execute(
            "SELECT t.id, t.subject, cu.name FROM ticket t"
            " LEFT JOIN customer cu ON cu.id = t.customer_id"
        ).fetchall()
        for ticket_id, subject, customer in rows:
            labels = SAMPLE_LABELS.get((subject, customer or ""))
            if labels is None:
                continue
            intent, source, sentiments, language = labels
            db.execute(
                "UPDATE ticket SET intent = ?, intent_confidence = ?, intent_source = ?,"
                " sentiments = ?, language = ? WHERE id = ?",
                (
                    intent,
                    1.0 if source == "agent" else 0.9,
                    source,
                    sentiments,
                    language,
                    ticket_id,
                ),
            )
            ids[str(customer)] = int(ticket_id)
    return ids

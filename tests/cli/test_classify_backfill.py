"""``deskterm classify --backfill [--since WHEN]`` and ``--retrain`` (issue 12 §5, §6): a
store filled with labelling off is labelled completely, a backfill stopped part-way resumes
and converges with nothing counted twice, ``--since`` limits it, and a retrain on the
agents' corrections writes the shop's model, which then classifies them as corrected."""

from __future__ import annotations

import json
import mailbox
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from deskterm.config.classify_section import ClassifyConfig

SHOP = "support@toko.test"
INDEPENDENT = Path(__file__).resolve().parents[1] / "data" / "classify" / "independent.tsv"
START = datetime(2026, 3, 1, 8, tzinfo=UTC)

from tests.sync.conftest import dt  # noqa: E402 — deskterm in this process


def dt_process(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """deskterm as its own process (nothing cached from this one)."""
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=timeout,
        check=False,
    )


def rows_of_independent_set() -> list[tuple[str, str, str]]:
    rows = []
    for line in INDEPENDENT.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, intent, text = line.split("\t")
            rows.append((code, intent, text))
    return rows


def email(
    n: int,
    body: str,
    *,
    subject: str,
    when: datetime,
    sender: str,
    to: str = SHOP,
    reply_to: int | None = None,
    auto: bool = False,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = f"<bf-{n}@example.com>"
    if reply_to is not None:
        message["In-Reply-To"] = f"<bf-{reply_to}@example.com>"
        message["References"] = f"<bf-{reply_to}@example.com>"
    if auto:
        message["Auto-Submitted"] = "auto-replied"
    message.set_content(body)
    return message


def write_mbox(path: Path, messages: list[EmailMessage]) -> Path:
    box = mailbox.mbox(path, create=True)
    try:
        for message in messages:
            box.add(message)
        box.flush()
    finally:
        box.close()
    return path


def shop_mailbox(path: Path) -> Path:
    """One customer thread per row of the independent set (March 2026, a day apart every
    three), a shop reply to every fourth and an auto-reply in two."""
    messages: list[EmailMessage] = []
    for index, (_code, _intent, text) in enumerate(rows_of_independent_set()):
        when = START + timedelta(hours=8 * index)
        customer = f"Customer {index} <customer{index}@example.com>"
        subject = f"Order #{5000 + index}"
        messages.append(email(index, text, subject=subject, when=when, sender=customer))
        if index % 4 == 0:
            messages.append(
                email(
                    1000 + index,
                    "Thanks for writing! We are looking into it and will reply today.",
                    subject=f"Re: {subject}",
                    when=when + timedelta(hours=1),
                    sender=f"Toko <{SHOP}>",
                    to=customer,
                    reply_to=index,
                )
            )
        if index in (3, 17):
            messages.append(
                email(
                    2000 + index,
                    "I am away until Monday with limited access to email. Refund and "
                    "cancellation questions: please call my assistant.",
                    subject=f"Automatic reply: {subject}",
                    when=when + timedelta(hours=2),
                    sender=customer,
                    reply_to=index,
                    auto=True,
                )
            )
    return write_mbox(path, messages)


def write_config(folder: Path, *, labelling: bool) -> Path:
    config = folder / "config.toml"
    text = (
        '[store]\npath = "store/deskterm.db"\n'
        '[user]\nname = "Dewi"\nemail = "dewi@toko.test"\n'
        "[[channels]]\n"
        'name = "support"\ntype = "email"\n'
        f'address = "{SHOP}"\n'
        f'imap = {{ host = "127.0.0.1", port = 9, security = "none", username = "{SHOP}" }}\n'
        f'smtp = {{ host = "127.0.0.1", port = 9, security = "none", username = "{SHOP}" }}\n'
        'password = { env = "DESKTERM_BACKFILL_TEST_PASSWORD" }\n'
    )
    if not labelling:
        text += "[classify]\nenabled = false\n"
    config.write_text(text, encoding="utf-8")
    return config


def db_path(config: Path) -> Path:
    return config.parent / "store" / "deskterm.db"


def query(config: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path(config))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def message_labels(config: Path) -> list[tuple[Any, ...]]:
    return query(
        config,
        "SELECT id, language, intent, intent_confidence, sentiments, labelled_by"
        " FROM message ORDER BY id",
    )


def ticket_labels(config: Path) -> list[tuple[Any, ...]]:
    return query(
        config,
        "SELECT id, language, intent, intent_confidence, sentiments, intent_source"
        " FROM ticket ORDER BY id",
    )


def model_version() -> str:
    from deskterm.automation.classify.classifier import load_classifier

    return load_classifier().version


@pytest.fixture
def unlabelled(tmp_path: Path) -> Path:
    """A store filled by `import mbox` with [classify] enabled = false; the returned
    config has labelling on again."""
    box = shop_mailbox(tmp_path / "shop.mbox")
    config = write_config(tmp_path, labelling=False)
    code, out, err = dt("--config", str(config), "import", "mbox", str(box), "--json")
    assert code == 0, out + err
    summary = json.loads(out)
    assert summary["imported"] > 69 and summary["failed"] == 0
    assert {row[5] for row in message_labels(config)} == {None}
    assert {(row[1], row[2]) for row in ticket_labels(config)} == {(None, None)}
    write_config(tmp_path, labelling=True)
    # Loading the labelling-off config turned labelling off for this whole process (as a
    # `deskterm` run would): back on, as the rewritten config says.
    from deskterm.sync.labelling import use_settings

    use_settings(ClassifyConfig())
    return config


def backfill_json(config: Path, *extra: str) -> dict[str, Any]:
    code, out, err = dt("--config", str(config), "classify", "--backfill", "--json", *extra)
    assert code == 0, out + err
    result = json.loads(out)
    assert isinstance(result, dict)
    return result


def test_backfill_labels_every_message_and_ticket(unlabelled: Path) -> None:
    config = unlabelled
    total = len(message_labels(config))
    result = backfill_json(config)
    version = model_version()
    assert result["labelled"] == total
    assert result["remaining"] == 0
    assert result["model"] == version
    assert result["tickets"] == len(ticket_labels(config))

    directions = dict(query(config, "SELECT id, direction FROM message"))
    auto = dict(query(config, "SELECT id, auto_submitted FROM message"))
    for message_id, language, intent, _conf, sentiments, by in message_labels(config):
        assert by == version
        assert language is not None  # every message here has words
        if directions[message_id] != "in" or auto[message_id]:
            assert intent is None and sentiments == ""

    # The ticket's labels are its latest customer message's, as on ingest.
    from deskterm.automation.classify.classifier import load_classifier
    from deskterm.automation.classify.inputs import ClassifyInput

    classifier = load_classifier()
    independent = rows_of_independent_set()
    for index, (code, _intent, text) in enumerate(independent):
        ((ticket_intent, ticket_language, source),) = query(
            config,
            "SELECT intent, language, intent_source FROM ticket WHERE subject = ?",
            f"Order #{5000 + index}",
        )
        expected = classifier.classify(
            ClassifyInput(text, f"Order #{5000 + index}", channel="email")
        )
        assert (ticket_intent, ticket_language) == (expected.intent, expected.language)
        assert source == "model"
        assert ticket_language == code

    # The labels are searchable at once.
    found = json.loads(dt("--config", str(config), "search", "intent:order/cancel", "--json")[1])
    cancel_rows = [i for i, row in enumerate(independent) if row[1] == "order/cancel"]
    subjects = {item["subject"] for item in found}
    assert len([i for i in cancel_rows if f"Order #{5000 + i}" in subjects]) >= len(cancel_rows) - 1

    # Nothing left: a second run labels nothing and changes nothing.
    before = (message_labels(config), ticket_labels(config))
    again = backfill_json(config)
    assert (again["labelled"], again["remaining"]) == (0, 0)
    assert (message_labels(config), ticket_labels(config)) == before


def test_backfill_prints_one_summary_line(unlabelled: Path) -> None:
    code, out, err = dt("--config", str(unlabelled), "classify", "--backfill")
    assert code == 0, err
    total = len(message_labels(unlabelled))
    lines = out.strip().splitlines()
    assert len(lines) == 1 and str(total) in lines[0]


def test_backfill_with_labelling_off_is_a_usage_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, labelling=False)
    code, out, err = dt("--config", str(config), "classify", "--backfill")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "enabled" in err


def one_shot(config: Path, tmp_path: Path) -> tuple[list[Any], list[Any]]:
    """The labels a single uninterrupted backfill gives a copy of the store."""
    copy = tmp_path / "copy"
    shutil.copytree(config.parent / "store", copy / "store")
    copied = write_config(copy, labelling=True)
    backfill_json(copied)
    return message_labels(copied), ticket_labels(copied)


def open_store_of(config: Path) -> Any:
    from deskterm.store.engine import open_store

    return open_store(f"sqlite:///{db_path(config)}")


def test_a_partial_backfill_resumes_and_converges(unlabelled: Path, tmp_path: Path) -> None:
    from deskterm.services.labels import backfill, count_unlabelled
    from deskterm.sync.labelling import labeller_for

    config = unlabelled
    wanted = one_shot(config, tmp_path)
    total = len(message_labels(config))
    store = open_store_of(config)
    try:
        labeller = labeller_for(store.data_dir)
        assert labeller is not None
        first = backfill(store, labeller, batch=7, limit=20)
        assert first.labelled == 20
        assert first.remaining == total - 20
        assert count_unlabelled(store, labeller.version) == total - 20
    finally:
        store.close()
    labelled = [row for row in message_labels(config) if row[5] is not None]
    assert len(labelled) == 20
    assert [row[0] for row in labelled] == [row[0] for row in message_labels(config)][:20]

    rest = backfill_json(config)
    assert rest["labelled"] == total - 20  # the first 20 are not labelled again
    assert rest["remaining"] == 0
    assert (message_labels(config), ticket_labels(config)) == wanted


class Killed(BaseException):
    """Stands for the process dying (SIGKILL, power cut) in the middle of a backfill."""


def test_a_backfill_killed_between_batches_resumes(unlabelled: Path, tmp_path: Path) -> None:
    from deskterm.services.labels import backfill
    from deskterm.sync.labelling import labeller_for

    config = unlabelled
    wanted = one_shot(config, tmp_path)
    store = open_store_of(config)
    try:
        labeller = labeller_for(store.data_dir)
        assert labeller is not None
        batches = 0

        def progress(done: int) -> None:
            nonlocal batches
            batches += 1
            if batches == 3:
                raise Killed

        with pytest.raises(Killed):
            backfill(store, labeller, batch=10, progress=progress)
    finally:
        store.close()
    assert len([row for row in message_labels(config) if row[5] is not None]) == 30
    backfill_json(config)
    assert (message_labels(config), ticket_labels(config)) == wanted


def test_a_backfill_killed_inside_a_batch_leaves_no_half_batch(
    unlabelled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Message labels and their tickets' labels are written in one transaction."""
    from deskterm.ingest import pipeline
    from deskterm.services.labels import backfill
    from deskterm.sync.labelling import labeller_for

    config = unlabelled
    wanted = one_shot(config, tmp_path)
    real = pipeline.relabel_tickets
    calls = 0

    def dies_on_the_second_batch(conn: Any, ticket_ids: list[int]) -> None:
        nonlocal calls
        calls += 1
        real(conn, ticket_ids)
        if calls == 2:
            raise Killed

    monkeypatch.setattr(pipeline, "relabel_tickets", dies_on_the_second_batch)
    store = open_store_of(config)
    try:
        labeller = labeller_for(store.data_dir)
        assert labeller is not None
        with pytest.raises(Killed):
            backfill(store, labeller, batch=10)
    finally:
        store.close()
    monkeypatch.setattr(pipeline, "relabel_tickets", real)
    assert len([row for row in message_labels(config) if row[5] is not None]) == 10
    result = backfill_json(config)
    assert result["labelled"] == len(message_labels(config)) - 10
    assert (message_labels(config), ticket_labels(config)) == wanted


def test_a_backfill_in_many_batches_counts_each_ticket_once(unlabelled: Path) -> None:
    from deskterm.services.labels import backfill
    from deskterm.sync.labelling import labeller_for

    config = unlabelled
    store = open_store_of(config)
    try:
        labeller = labeller_for(store.data_dir)
        assert labeller is not None
        totals = backfill(store, labeller, batch=7)
    finally:
        store.close()
    assert totals.labelled == len(message_labels(config))
    assert totals.tickets == len(ticket_labels(config))


def test_since_limits_the_backfill(unlabelled: Path) -> None:
    config = unlabelled
    cutoff = START + timedelta(days=15)
    sent = dict(query(config, "SELECT id, sent_at FROM message"))
    newer = {
        i for i, at in sent.items() if datetime.fromisoformat(at).replace(tzinfo=UTC) >= cutoff
    }
    assert 0 < len(newer) < len(sent)
    result = backfill_json(config, "--since", "2026-03-16 08:00")
    assert result["labelled"] == len(newer)
    labelled = {row[0] for row in message_labels(config) if row[5] is not None}
    assert labelled == newer
    # Without --since the rest follows, and nothing is labelled twice.
    rest = backfill_json(config)
    assert rest["labelled"] == len(sent) - len(newer)


def test_since_a_bad_time_is_one_line(unlabelled: Path) -> None:
    code, out, err = dt(
        "--config", str(unlabelled), "classify", "--backfill", "--since", "the other day"
    )
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert {row[5] for row in message_labels(unlabelled)} == {None}


def test_since_a_relative_time_means_that_long_ago(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    box = write_mbox(
        tmp_path / "recent.mbox",
        [
            email(
                1,
                "Please cancel my order",
                subject="Cancel",
                when=now - timedelta(days=5),
                sender="a@example.com",
            ),
            email(
                2,
                "Where is my parcel?",
                subject="Parcel",
                when=now - timedelta(hours=20),
                sender="b@example.com",
            ),
        ],
    )
    config = write_config(tmp_path, labelling=False)
    assert dt("--config", str(config), "import", "mbox", str(box))[0] == 0
    write_config(tmp_path, labelling=True)
    result = backfill_json(config, "--since", "2d")
    assert result["labelled"] == 1
    labelled = [row for row in message_labels(config) if row[5] is not None]
    assert len(labelled) == 1 and labelled[0][2] == "shipping/status"


# --- retraining on the agents' corrections ---------------------------------------------------

# The shipped model gets these wrong (or abstains); an agent corrects each ticket.
CORRECTIONS = (
    (
        "Hello",
        "Olá, ainda não recebi o meu pedido. Podem verificar onde está?",
        "shipping/status",
    ),
    (
        # This shop takes nothing back for money, only swaps: its agents file these as
        # exchanges, which the shipped model cannot know.
        "Question",
        "These trousers are too long for me. I would like my money back please.",
        "exchange/request",
    ),
    # ... and treats any "why so slow" as a delivery problem to chase with the courier.
    ("hi", "đơn của mình đang ở đâu rồi shop, sao lâu quá vậy", "shipping/delivery-issue"),
)


@dataclass
class Retrained:
    config: Path
    tickets: dict[str, int]  # subject -> ticket id
    output: str
    shop_version: str
    before: dict[str, str | None]  # subject -> the shipped model's intent


def classify_json(config: Path, text: str, subject: str) -> dict[str, Any]:
    done = dt_process(
        "--config",
        str(config),
        "classify",
        text,
        "--subject",
        subject,
        "--channel",
        "email",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert isinstance(result, dict)
    return result


@pytest.fixture(scope="module")
def retrained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Retrained]:
    """A labelled store, the agent's three corrections, and `classify --retrain` run in
    its own process (while this process has already labelled with the shipped model)."""
    from deskterm.sync.labelling import forget, use_settings

    folder = tmp_path_factory.mktemp("retrain")
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("home")
        for var in ("CONFIG", "DATA", "CACHE", "LOG"):
            patch.setenv(f"DESKTERM_{var}_DIR", str(home / var.lower()))
        patch.delenv("DESKTERM_CONFIG", raising=False)
        use_settings(ClassifyConfig())
        forget()
        config = write_config(folder, labelling=True)
        box = write_mbox(
            folder / "corrections.mbox",
            [
                email(
                    100 + n,
                    text,
                    subject=subject,
                    when=START + timedelta(hours=n),
                    sender=f"Customer {n} <c{n}@example.com>",
                )
                for n, (subject, text, _intent) in enumerate(CORRECTIONS)
            ],
        )
        code, out, err = dt("--config", str(config), "import", "mbox", str(box))
        assert code == 0, out + err
        tickets = dict(query(config, "SELECT subject, id FROM ticket"))
        before = dict(query(config, "SELECT subject, intent FROM ticket"))
        for subject, _text, intent in CORRECTIONS:
            assert before[subject] != intent  # the shipped model needs the correction
            code, out, err = dt("--config", str(config), "intent", str(tickets[subject]), intent)
            assert code == 0, err
        done = dt_process("--config", str(config), "classify", "--retrain", timeout=1200)
        assert done.returncode == 0, done.stdout + done.stderr
        from deskterm.automation.classify.model import Model

        shop_version = Model.load(config.parent / "store" / "classifier.npz").version
        yield Retrained(config, tickets, done.stdout, shop_version, before)
        use_settings(ClassifyConfig())
        forget()


@pytest.mark.slow
def test_retrain_writes_the_shop_model(retrained: Retrained) -> None:
    model = retrained.config.parent / "store" / "classifier.npz"
    assert model.is_file()
    assert retrained.shop_version != model_version()
    assert "3" in retrained.output  # the corrections it learnt from
    assert not list((retrained.config.parent / "store").glob("*.part"))


@pytest.mark.slow
def test_corrected_examples_are_now_classified_as_corrected(retrained: Retrained) -> None:
    for subject, text, intent in CORRECTIONS:
        answer = classify_json(retrained.config, text, subject)
        assert answer["intent"] == intent, (text, answer)


@pytest.mark.slow
def test_after_a_retrain_backfill_relabels_with_the_shop_model(retrained: Retrained) -> None:
    done = dt_process("--config", str(retrained.config), "classify", "--backfill", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["model"] == retrained.shop_version
    assert result["labelled"] == len(CORRECTIONS) and result["remaining"] == 0
    rows = query(
        retrained.config,
        "SELECT t.subject, m.intent, m.labelled_by, t.intent, t.intent_source"
        " FROM message m JOIN ticket t ON t.id = m.ticket_id",
    )
    wanted = {subject: intent for subject, _text, intent in CORRECTIONS}
    for subject, message_intent, by, ticket_intent, source in rows:
        assert by == retrained.shop_version
        assert message_intent == wanted[subject]
        assert (ticket_intent, source) == (wanted[subject], "agent")


@pytest.mark.slow
def test_the_shop_model_names_the_shipped_model_it_extends(retrained: Retrained) -> None:
    """The shop model names the shipped model it was trained on (a newer deskterm ignores
    it rather than mixing two models' labels)."""
    from deskterm.automation.classify.classifier import load_classifier

    shop = load_classifier(retrained.config.parent / "store")
    assert shop.version == retrained.shop_version
    assert shop.model.metadata.get("base") == model_version()


def test_a_running_sync_picks_up_a_model_retrained_elsewhere(tmp_path: Path) -> None:
    """The shop model changes on disk (another process retrained) between two sync passes
    of a long-running process: the next pass labels with the new model."""
    from dataclasses import replace

    from deskterm.automation.classify.classifier import SHIPPED_MODEL, SHOP_MODEL_NAME
    from deskterm.automation.classify.model import Model
    from deskterm.sync.labelling import labeller_for

    shipped = Model.load(SHIPPED_MODEL)
    data_dir = tmp_path / "store"
    path = data_dir / SHOP_MODEL_NAME

    def write_shop_model(version: str) -> None:
        metadata = {**shipped.metadata, "base": shipped.version}
        replace(shipped, version=version, metadata=metadata).save(path)

    write_shop_model("shop-first")
    first = labeller_for(data_dir)
    assert first is not None and first.version == "shop-first"  # a sync pass
    write_shop_model("shop-second")  # `deskterm classify --retrain`, another process
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    later = labeller_for(data_dir)  # the next sync pass of the same process
    assert later is not None and later.version == "shop-second"


def test_retrain_without_corrections_says_so(tmp_path: Path) -> None:
    config = write_config(tmp_path, labelling=True)
    box = write_mbox(
        tmp_path / "one.mbox",
        [email(1, "Please cancel my order", subject="Cancel", when=START, sender="a@example.com")],
    )
    assert dt("--config", str(config), "import", "mbox", str(box))[0] == 0
    code, out, err = dt("--config", str(config), "classify", "--retrain")
    assert code == 0
    assert "correction" in (out + err).lower()
    assert not (config.parent / "store" / "classifier.npz").exists()

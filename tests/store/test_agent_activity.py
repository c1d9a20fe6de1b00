"""Agent activity (issue 15 item 4) on SQLite and PostgreSQL: per agent, replies written,
tickets closed, first responses, time online in the inbox and CSAT, credited to who acted,
worked out by hand. Period: Sun 1 March 00:00 to Fri 6 March 00:00, 2026 (UTC).

- T1: Alice asks 1 Mar 10:00; Ana replies 11:00 (the first response: 1 h); Budi replies
  12:00; Ana closes 13:00. Its survey goes out 14:00, Alice answers 5 on 2 Mar: Ana's.
- T2: Bob asks 2 Mar 09:00; a reply synced from the Sent folder 09:30 (no agent: the null
  group's first response, 30 min); Budi closes 10:00; the survey's answer 3: Budi's.
- T3: the shop wrote Carol first (Sent folder, 3 Mar 08:00); Carol answers 09:00; Budi
  replies 10:00. No first response anywhere (the shop opened it).
- Sessions: Ana 1 Mar 08:00-12:00 (4 h) and from 5 Mar 23:00, last heartbeat 6 Mar 01:00,
  never closed (1 h inside the period); Budi 28 Feb 22:00 - 1 Mar 02:00 (2 h inside).

Expected: Ana 1 reply, 1 closed, first response 1 h (1), online 5 h (2 sessions), CSAT 5;
Budi 2 replies, 1 closed, no first response, online 2 h (1), CSAT 3; null: 2 replies,
first response 30 min (1).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from deskterm.cli import main
from deskterm.domain.metrics import Period
from deskterm.ingest.context import ChannelContext
from deskterm.services import replies
from deskterm.services import tickets as svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.services.agent_sessions import close_session, open_session, touch_session
from deskterm.store.agent_activity import read_activity
from deskterm.store.engine import Store
from deskterm.store.readdb import ReadDb
from deskterm.store.stats_reader import StatsRequest, read_stats
from deskterm.store.tables import CsatSurvey
from tests.conftest import SHOP, ingest, msg
from tests.store.stats_rig import at

PERIOD = (at(1, 0), at(6, 0))
HOUR = 3600


def _ask(
    store: Store, channel: ChannelContext, mid: str, who: str, when: datetime, **kw: Any
) -> int:
    base = msg(mid, sender=who, name=who.partition("@")[0].title(), **kw)
    return ingest(store, channel, dataclasses.replace(base, sent_at=when)).ticket_id


def _sent_folder(
    store: Store, channel: ChannelContext, mid: str, to: str, when: datetime, *, parent: str = ""
) -> int:
    sent = msg(mid, sender=SHOP, name="Shop", to=to, in_reply_to=parent, subject="Re: hi")
    return ingest(store, channel, dataclasses.replace(sent, sent_at=when)).ticket_id


def _closed_at(store: Store, ticket_id: int, when: datetime) -> None:
    # The event log dates events by the clock; the story's closes happened in March.
    with store.write_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE event SET created_at = :t WHERE ticket_id = :id AND kind = 'ticket.closed'"
            ),
            {
                "t": when.replace(tzinfo=None) if store.dialect == "sqlite" else when,
                "id": ticket_id,
            },
        )


def build(store: Store, channel: ChannelContext, monkeypatch: pytest.MonkeyPatch) -> None:
    with store.write() as session:
        ana = agent_actor(session, email="ana@shop.test", name="Ana")
        budi = agent_actor(session, email="budi@shop.test", name="Budi")

    def reply(ticket_id: int, when: datetime, actor: Actor) -> None:
        monkeypatch.setattr(replies, "utcnow", lambda: when)
        with store.write() as session:
            replies.reply_queued(session, ticket_id, "Thanks, on it.", actor)

    t1 = _ask(store, channel, "1@x", "alice@example.com", at(1, 10))
    reply(t1, at(1, 11), ana)
    reply(t1, at(1, 12), budi)
    svc.close(store, t1, ana)
    _closed_at(store, t1, at(1, 13))

    t2 = _ask(store, channel, "2@x", "bob@example.com", at(2, 9))
    _sent_folder(store, channel, "2a@x", "bob@example.com", at(2, 9, 30), parent="2@x")
    svc.close(store, t2, budi)
    _closed_at(store, t2, at(2, 10))

    t3 = _sent_folder(store, channel, "3@x", "carol@example.com", at(3, 8))
    _ask(store, channel, "3a@x", "carol@example.com", at(3, 9), in_reply_to="3@x", subject="Re: hi")
    reply(t3, at(3, 10), budi)

    with store.write() as session:
        session.add(
            CsatSurvey(
                ticket_id=t1, state="answered", sent_at=at(1, 14), score=5, answered_at=at(2, 8)
            )
        )
        session.add(
            CsatSurvey(
                ticket_id=t2, state="answered", sent_at=at(2, 11), score=3, answered_at=at(2, 12)
            )
        )

    first = open_session(store, ana, "terminal", now=at(1, 8))
    close_session(store, first, now=at(1, 12))
    crashed = open_session(store, ana, "ssh", now=at(5, 23))
    touch_session(store, crashed, now=at(6, 1))
    night = open_session(
        store, budi, "terminal", now=datetime(2026, 2, 28, 22, tzinfo=at(1, 0).tzinfo)
    )
    close_session(store, night, now=at(1, 2))


@pytest.fixture
def story(any_store: Store, any_channel: ChannelContext, monkeypatch: pytest.MonkeyPatch) -> None:
    build(any_store, any_channel, monkeypatch)


def test_each_agent_is_credited_with_what_they_did(db: ReadDb, story: None) -> None:
    found = {key: value.as_json() for key, value in read_activity(db, *PERIOD).items()}
    assert found["ana@shop.test"] == {
        "replies": 1,
        "tickets_closed": 1,
        "first_response": {"median_s": HOUR, "count": 1},
        "online_s": 5 * HOUR,
        "sessions": 2,
        "csat": {"responses": 1, "average": 5.0, "score": 1.0},
    }
    assert found["budi@shop.test"] == {
        "replies": 2,
        "tickets_closed": 1,
        "first_response": {"median_s": None, "count": 0},
        "online_s": 2 * HOUR,
        "sessions": 1,
        "csat": {"responses": 1, "average": 3.0, "score": 0.0},
    }
    assert found[None]["replies"] == 2
    assert found[None]["first_response"] == {"median_s": HOUR // 2, "count": 1}
    assert found[None]["online_s"] == 0


def test_a_shorter_period_cuts_sessions_and_leaves_out_what_happened_outside(
    db: ReadDb, story: None
) -> None:
    # 1 Mar 10:00 - 12:30: Ana online 2 h (of 08:00-12:00), her reply and Budi's; no close.
    found = {k: v.as_json() for k, v in read_activity(db, at(1, 10), at(1, 12, 30)).items()}
    assert found["ana@shop.test"]["online_s"] == 2 * HOUR
    assert found["ana@shop.test"]["replies"] == 1
    assert found["ana@shop.test"]["tickets_closed"] == 0
    assert found["budi@shop.test"]["replies"] == 1
    assert found["budi@shop.test"]["online_s"] == 0 and found["budi@shop.test"]["sessions"] == 0


def test_stats_by_agent_carry_the_activity(db: ReadDb, story: None) -> None:
    result = read_stats(db, StatsRequest(period=Period(*PERIOD), by="agent", now=at(6, 0)))
    groups = {g["key"]: g for g in result["groups"]}
    assert set(groups) == {"ana@shop.test", "budi@shop.test", None}
    assert groups["ana@shop.test"]["activity"]["online_s"] == 5 * HOUR
    assert groups["budi@shop.test"]["activity"]["replies"] == 2
    # Without --by agent the groups carry no activity.
    by_channel = read_stats(db, StatsRequest(period=Period(*PERIOD), by="channel", now=at(6, 0)))
    assert all("activity" not in g for g in by_channel["groups"])


def test_stats_by_agent_prints_the_activity_table(
    any_store: Store, story: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if any_store.dialect != "sqlite":
        pytest.skip("the CLI reads the SQLite file of the config")
    config = tmp_path / "cli.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "deskterm.db"}"\n', encoding="utf-8")
    args = ["--config", str(config), "stats", "--since", "2026-03-01", "--until", "2026-03-06"]
    assert main([*args, "--by", "agent"]) == 0
    out = capsys.readouterr().out
    table = out[out.index("Agent activity") :].splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in table[2:] if line.strip()}
    assert rows["ana@shop.test"] == ["1", "1", "1h00m", "5h00m", "5.00"]
    assert rows["budi@shop.test"] == ["2", "1", "—", "2h00m", "3.00"]
    assert rows["(not"] == ["in", "deskterm)", "2", "0", "30m00s", "0s", "—"]
    assert main([*args, "--by", "agent", "--json"]) == 0
    groups = {g["key"]: g for g in json.loads(capsys.readouterr().out)["groups"]}
    assert groups["budi@shop.test"]["activity"]["sessions"] == 1

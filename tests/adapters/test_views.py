"""skate-ledger views: rebuild, catch up and check the read models in the store, on the OKT 2017
demo day (docs/decisions/0018-bitemporal-views.md)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.bootstrap import build_app
from projections.basis import Basis
from projections.scoped import index_at
from tests.cli import run


@pytest.fixture
def okt(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    db = str(tmp_path / "okt.db")
    assert run(capsys, "--db", db, "demo").code == 0
    return db


def test_check_refuses_a_ledger_without_views(capsys: pytest.CaptureFixture[str], okt: str) -> None:
    done = run(capsys, "--db", okt, "views", "check")
    assert done.code == 2
    assert "holds no views" in done.err


def test_rebuild_then_check_agrees_and_a_changed_row_is_named(capsys: pytest.CaptureFixture[str],
                                                              okt: str) -> None:
    built = run(capsys, "--db", okt, "views", "rebuild")
    assert built.code == 0, built
    assert "views hold position 194 of 194" in built.out
    checked = run(capsys, "--db", okt, "views", "check", "--samples", "3", "--seed", "7")
    assert checked.code == 0, checked
    assert "agree with the fold at 7 bases (0 not answered" in checked.out
    assert run(capsys, "--db", okt, "views", "catch-up").out.startswith("views hold position 194 of 194")

    conn = sqlite3.connect(okt)
    with conn:
        rowid, body = conn.execute("SELECT rowid, body FROM views_rows WHERE item != '' AND to_pos IS NULL "
                                   "AND body LIKE '%\"rank\":1,%' ORDER BY rowid LIMIT 1").fetchone()
        conn.execute("UPDATE views_rows SET body=? WHERE rowid=?",
                     (json.dumps({**json.loads(body), "rank": 2}), rowid))
    conn.close()
    differs = run(capsys, "--db", okt, "views", "check", "--samples", "1", "--seed", "7")
    assert differs.code == 1
    assert "first difference, now: skater" in differs.out
    assert "rank: the view has 2, the fold 1" in differs.out


def test_history_answers_the_same_from_the_views_and_folds_while_they_lag(
        capsys: pytest.CaptureFixture[str], okt: str) -> None:
    asked = ("history", "Jutta Leerdam", "--format", "json")
    folded = run(capsys, "--db", okt, *asked).out
    at = ("--position", "120")
    folded_at = run(capsys, "--db", okt, *asked, *at).out
    assert run(capsys, "--db", okt, "views", "rebuild").code == 0
    assert run(capsys, "--db", okt, *asked).out == folded
    assert run(capsys, "--db", okt, *asked, *at).out == folded_at
    table = run(capsys, "--db", okt, "history", "Jutta Leerdam")
    assert table.code == 0 and "Jutta Leerdam" in table.out

    app = build_app(okt)  # a fact after the views' position: they lag, and the fold answers
    try:
        app.register_skater("Nieuwe Rijdster")
    finally:
        app.close()
    late = run(capsys, "--db", okt, "history", "Nieuwe Rijdster", "--format", "json")
    assert late.code == 0, late
    assert late.json()["skater"] == "Nieuwe Rijdster"


CROSS_RACE = (
    ("qualification", "knsb-olympic-2018-women", "--format", "json"),
    ("qualification", "knsb-olympic-2018-men", "--position", "150", "--format", "json"),
    ("qualification", "okt-2017-top-2", "--known-at", "2017-12-26T15:02+01:00", "--format", "json"),
    ("qualification", "okt-2017-top-2"),
    ("classification", "okt-2017/women-500m", "okt-2017/women-1000m", "okt-2017/women-3000m",
     "--format", "json"),
    ("classification", "okt-2017/women-1000m", "okt-2017/women-3000m", "--position", "120"),
    ("report", "--hometown", "Boskoop", "--hometown", "Lekkerkerk", "--format", "json"),
    ("report", "--nation", "NED", "--competition", "okt-2017", "--rule", "knsb-olympic-2018-women",
     "--known-at", "2017-12-26T15:02+01:00", "--format", "json"),
    ("report", "--hometown", "Boskoop", "--rule", "knsb-olympic-2018-women", "--position", "150"),
)


def test_qualification_classification_and_report_answer_the_same_from_the_views_and_while_they_lag(
        capsys: pytest.CaptureFixture[str], okt: str) -> None:
    """The three cross-race questions read only their races once the views are built
    (projections.scoped), and fold the whole log while the views lag: the same output each time."""
    folded = [run(capsys, "--db", okt, *asked) for asked in CROSS_RACE]
    assert all(done.code == 0 and done.out for done in folded), folded
    assert run(capsys, "--db", okt, "views", "rebuild").code == 0
    assert indexed(build_app(okt))
    assert [run(capsys, "--db", okt, *asked).out for asked in CROSS_RACE] == [d.out for d in folded]

    app = build_app(okt)  # facts after the views' position: they lag, and the fold answers
    try:
        app.register_skater("Nieuwe Rijdster", "NED", None, "Boskoop")
        key = app.schedule_race("okt-2017", 500, "men", date(2017, 12, 29))
        app.enter_starter(key, "Nieuwe Rijdster")
        app.record_dns(key, "Nieuwe Rijdster")
    finally:
        app.close()
    lagging = run(capsys, "--db", okt, *CROSS_RACE[6])
    assert lagging.code == 0, lagging
    assert [(line["race"], line["status"]) for line in lagging.json()["skaters"]
            if line["skater"] == "Nieuwe Rijdster"] == [(key, "DNS")]
    assert [run(capsys, "--db", okt, *asked).out for asked in CROSS_RACE[1:3]] == [
        d.out for d in folded[1:3]]  # bases the views hold: from the index, as before
    assert run(capsys, "--db", okt, "views", "catch-up").code == 0
    assert indexed(build_app(okt))  # caught up, the index holds her race: it answers again
    assert run(capsys, "--db", okt, *CROSS_RACE[6]).out == lagging.out


def test_views_without_the_whole_index_fold_instead(capsys: pytest.CaptureFixture[str], okt: str) -> None:
    """Views built before the index view existed (its rows absent), or an index kept only since a
    later fact (views caught up by a keeper that came later), cannot say which races a question
    needs: the question folds the whole log, and answers as before."""
    folded = [run(capsys, "--db", okt, *asked).out for asked in CROSS_RACE]
    assert run(capsys, "--db", okt, "views", "rebuild").code == 0
    conn = sqlite3.connect(okt)
    with conn:
        conn.execute("DELETE FROM views_rows WHERE view='index' AND key!='kept/' AND from_pos<100")
        conn.execute("UPDATE views_rows SET body='{\"at\":100}' WHERE view='index' AND key='kept/'")
    assert [run(capsys, "--db", okt, *asked).out for asked in CROSS_RACE] == folded
    with conn:
        conn.execute("DELETE FROM views_rows WHERE view='index'")
    conn.close()
    assert [run(capsys, "--db", okt, *asked).out for asked in CROSS_RACE] == folded


def indexed(app: Ledger) -> bool:
    """Whether the cross-race questions read only their races on this ledger (the index holds
    its last position); the ledger is closed."""
    try:
        return index_at(app, Basis()) is not None
    finally:
        app.close()


@pytest.mark.postgres
def test_the_cross_race_questions_answer_the_same_from_views_in_postgresql(
        capsys: pytest.CaptureFixture[str], postgres_url: str) -> None:
    """The same on a PostgreSQL ledger with its views beside it (PostgresViewsRecorder)."""
    assert run(capsys, "--db", postgres_url, "demo").code == 0
    folded = [run(capsys, "--db", postgres_url, *asked).out for asked in CROSS_RACE]
    assert run(capsys, "--db", postgres_url, "views", "rebuild").code == 0
    assert indexed(build_app(postgres_url))
    assert [run(capsys, "--db", postgres_url, *asked).out for asked in CROSS_RACE] == folded


@pytest.mark.postgres
def test_the_cross_race_questions_answer_the_same_from_views_kept_elsewhere(
        capsys: pytest.CaptureFixture[str], okt: str, postgres_url: str) -> None:
    """The same with the views in a PostgreSQL database of their own (``--views URL``)."""
    folded = [run(capsys, "--db", okt, *asked).out for asked in CROSS_RACE]
    assert run(capsys, "--db", okt, "--views", postgres_url, "views", "rebuild").code == 0
    assert indexed(build_app(okt, views=postgres_url)) and not indexed(build_app(okt))
    assert [run(capsys, "--db", okt, "--views", postgres_url, *asked).out
            for asked in CROSS_RACE] == folded

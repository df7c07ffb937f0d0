"""skate-ledger views: rebuild, catch up and check the read models in the store, on the OKT 2017
demo day (docs/decisions/0018-bitemporal-views.md)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ledger.bootstrap import build_app
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

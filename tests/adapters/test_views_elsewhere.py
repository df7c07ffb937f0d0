"""``--views URL``: the read models kept in a PostgreSQL database of their own (a federation reads
them on replicas), not beside the ledger (issue 14, item 2; docs/decisions/0018-bitemporal-views.md).
The views' settings go to the library's runner under the prefix of the environment it names after
the projection (``VIEWS_…``, ledger.bootstrap.views_env)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest

from tests.cli import run

pytestmark = pytest.mark.postgres

ASKED = ("history", "Jutta Leerdam", "--format", "json")


@pytest.fixture
def okt(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    db = str(tmp_path / "okt.db")
    assert run(capsys, "--db", db, "demo").code == 0
    return db


def views_rows(url: str) -> int:
    schema = url.rsplit("schema=", 1)[1]
    with psycopg.connect(url.split("?")[0]) as conn:
        found = conn.execute(f'SELECT count(*) FROM "{schema}".views_rows').fetchone()
    return int(found[0]) if found else 0


def test_the_views_are_kept_and_read_in_their_own_database(capsys: pytest.CaptureFixture[str], okt: str,
                                                            postgres_url: str) -> None:
    folded = run(capsys, "--db", okt, *ASKED).out
    built = run(capsys, "--db", okt, "--views", postgres_url, "views", "rebuild")
    assert built.code == 0, built
    assert "views hold position 194 of 194" in built.out
    assert views_rows(postgres_url) > 0
    conn = sqlite3.connect(okt)
    with conn:
        beside = conn.execute("SELECT name FROM sqlite_master WHERE name = 'views_rows'").fetchall()
    conn.close()
    assert beside == [], "nothing is kept beside the ledger"
    assert run(capsys, "--db", okt, *ASKED, "--views", postgres_url).out == folded
    checked = run(capsys, "--db", okt, "--views", postgres_url, "views", "check", "--samples", "2",
                  "--seed", "3")
    assert checked.code == 0, checked
    assert "(0 not answered" in checked.out
    # the views are read from there: a row changed there is what check names
    schema = postgres_url.rsplit("schema=", 1)[1]
    with psycopg.connect(postgres_url.split("?")[0]) as pg:
        key, item, start, body = pg.execute(
            f"SELECT key, item, from_pos, body FROM \"{schema}\".views_rows WHERE item != '' AND to_pos IS "
            "NULL AND body LIKE %s ORDER BY key, item LIMIT 1", ('%"rank":1,%',)).fetchone() or ("",) * 4
        pg.execute(f'UPDATE "{schema}".views_rows SET body=%s WHERE key=%s AND item=%s AND from_pos=%s',
                   (json.dumps({**json.loads(body), "rank": 2}), key, item, start))
    differs = run(capsys, "--db", okt, "--views", postgres_url, "views", "check", "--samples", "1")
    assert differs.code == 1
    assert "rank: the view has 2, the fold 1" in differs.out
    # without --views the ledger holds no views of its own
    assert run(capsys, "--db", okt, "views", "check").code == 2


def test_views_elsewhere_must_be_postgresql_and_not_a_ledger(capsys: pytest.CaptureFixture[str], okt: str,
                                                              postgres_url: str, tmp_path: Path) -> None:
    other = str(tmp_path / "views.db")
    refused = run(capsys, "--db", okt, "--views", other, "races")
    assert refused.code == 2
    assert refused.err.strip().splitlines() == [
        f"skate-ledger: error: --views {other!r}: only a postgresql:// URL (without --views the views "
        "are kept beside the ledger, in its own file or database)"]
    assert not Path(other).exists()
    assert run(capsys, "--db", postgres_url, "demo").code == 0
    onto = run(capsys, "--db", okt, "--views", postgres_url, "views", "rebuild")
    assert onto.code == 2
    assert "holds a ledger; give a database of its own for the views" in onto.err

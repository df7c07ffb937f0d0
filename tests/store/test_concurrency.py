"""Two timing consoles recording the same race at once: no fact lost, none duplicated.

Each console is a process of its own with its own connection, on SQLite (one file) and on
PostgreSQL. Console A times the inner lane, console B the outer lane of the same pair of a
10000 m: transponder and optical passings at every lap, then the finish. Each also retransmits the
other lane's transponder passings (as a timing system that feeds both consoles does), and sends
every fact twice. Both load the same race at the same version all the time, so saves collide: the
loser's IntegrityError is retried (``ledger.application.retried``: reload, decide again, save),
and a retransmission then finds its fact recorded. Afterwards every fact is in the log exactly
once, both consoles succeeded, and the hash chain verifies.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from ledger.application import ATTEMPTS, Ledger
from ledger.bootstrap import build_app
from ledger.domain.errors import ConcurrentWriteError
from ledger.domain.values import skater_id
from ledger.store.verify import verify_ledger
from tests.cli import run
from tests.conftest import _PG, IN_CI, drop_pg_schema, new_pg_schema, pg_url

ROOT = Path(__file__).resolve().parents[2]
RUNS = 5 if IN_CI else 2
PG_RUNS = 3 if IN_CI else 1
KEY = "concurrency-cup-2025/men-10000m"
LANES = {"inner": "Inner Skater", "outer": "Outer Skater"}
LAP_MS = {"inner": 30_000, "outer": 30_400}


def lane_facts(lane: str) -> list[list[Any]]:
    """The facts of one lane in race order: passings of two sources at each lap, then the finish."""
    skater = LANES[lane]
    facts: list[list[Any]] = []
    for lap in range(1, 25):
        at = lap * LAP_MS[lane]
        facts.append(["pass", skater, lap * 400, at, "transponder"])
        facts.append(["pass", skater, lap * 400, at + 3, "optical"])
    facts.append(["finish", skater, 25 * LAP_MS[lane] + 17, "photo-finish"])
    return facts


def console_plan(own: str, other: str) -> list[list[Any]]:
    """Its own lane, and the other lane's transponder passings, in time order, each sent twice."""
    mine = lane_facts(own)
    echoed = [f for f in lane_facts(other) if f[0] == "pass" and f[4] == "transponder"]
    merged = sorted(mine + echoed, key=lambda f: f[3] if f[0] == "pass" else f[2])
    return [fact for fact in merged for _ in range(2)]


def console() -> None:
    """A console process: ``python -c 'from tests.store.test_concurrency import console; console()'
    DB PLAN READY GO``. Records the plan once GO exists; prints how many conflicts it retried."""
    db, plan_file, ready, go = sys.argv[1:5]
    app = build_app(db)
    plan = json.loads(Path(plan_file).read_text())
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.001)
    for fact in plan:
        if fact[0] == "pass":
            app.record_passing(KEY, fact[1], fact[2], fact[3], fact[4])
        else:
            app.record_finish(KEY, fact[1], fact[2], fact[3])
    print(json.dumps({"retried": app.retried_conflicts}))
    app.close()


def set_up(app: Ledger) -> None:
    slug = app.schedule_competition("Concurrency Cup", "Test Rink", date(2025, 1, 5))
    app.schedule_race(slug, 10000, "men", date(2025, 1, 5))
    for name in LANES.values():
        app.register_skater(name, "NED")
        app.enter_starter(KEY, name)
    app.draw_pair(KEY, 1, LANES["inner"], LANES["outer"])
    app.start(KEY, 1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "postgres":
        if not _PG:
            pytest.skip("PostgreSQL is not reachable here (under CI=true this is a failure instead)")
        schema = new_pg_schema()
        yield request.param, pg_url(schema)
        drop_pg_schema(schema)
    else:
        yield request.param, str(tmp_path / "ledger.db")


def recorded_facts(app: Ledger) -> Counter[tuple[str, Any, Any, Any]]:
    found: Counter[tuple[str, Any, Any, Any]] = Counter()
    for _position, event in app.read_log():
        kind = type(event).__name__
        if kind == "PassingRecorded":
            found[kind, event.skater, event.metres, event.source] += 1
        elif kind == "FinishRecorded":
            found[kind, event.skater, None, event.source] += 1
    return found


def test_two_consoles_recording_the_same_race_lose_and_duplicate_nothing(
        tmp_path: Path, ledger_url: tuple[str, str]) -> None:
    kind, url = ledger_url
    runs = RUNS if kind == "sqlite" else PG_RUNS
    expected = Counter({("PassingRecorded", skater_id(LANES[lane]), metres, source): 1
                        for lane in LANES for _, _, metres, _, source in
                        [f for f in lane_facts(lane) if f[0] == "pass"]})
    expected.update({("FinishRecorded", skater_id(name), None, "photo-finish"): 1
                     for name in LANES.values()})
    retried = []
    for n in range(runs):
        db = url if kind == "sqlite" and n == 0 else (
            str(tmp_path / f"ledger-{n}.db") if kind == "sqlite" else url)
        if kind == "postgres" and n > 0:
            schema = new_pg_schema()
            db = pg_url(schema)
        app = build_app(db)
        set_up(app)
        go = tmp_path / f"go-{n}"
        consoles = []
        for own, other in (("inner", "outer"), ("outer", "inner")):
            plan = tmp_path / f"plan-{n}-{own}.json"
            plan.write_text(json.dumps(console_plan(own, other)))
            ready = tmp_path / f"ready-{n}-{own}"
            consoles.append((ready, subprocess.Popen(
                [sys.executable, "-c", "from tests.store.test_concurrency import console; console()",
                 db, str(plan), str(ready), str(go)],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        try:
            deadline = time.monotonic() + 120
            while not all(ready.exists() for ready, _ in consoles):
                dead = [p for _, p in consoles if p.poll() is not None]
                assert not dead, dead[0].communicate()[1]
                assert time.monotonic() < deadline, "the consoles did not start"
                time.sleep(0.01)
            go.touch()
            for _, process in consoles:
                out, err = process.communicate(timeout=120)
                assert process.returncode == 0, err
                retried.append(json.loads(out.splitlines()[-1])["retried"])
        finally:
            for _, process in consoles:
                if process.poll() is None:
                    process.kill()
                process.communicate()
        found = recorded_facts(app)
        assert found == expected, (found - expected, expected - found)
        verdict = verify_ledger(app.recorder)
        assert verdict.breach is None, verdict.summary("the ledger")
        app.close()
        if kind == "postgres" and n > 0:
            drop_pg_schema(schema)
    print(f"\n{kind}: {runs} run(s) of two consoles, {len(expected)} facts each; "
          f"conflicts retried per console: {retried}")


def test_a_save_that_loses_the_race_is_retried_on_the_reloaded_race(tmp_path: Path) -> None:
    """Deterministically: console B records between console A's load and A's save."""
    db = str(tmp_path / "ledger.db")
    a, b = build_app(db), build_app(db)
    set_up(a)
    loads = Counter[str]()
    original = a.race

    def race_then_the_other_console_records(key: str) -> Any:
        loaded = original(key)
        loads[key] += 1
        if loads[key] == 1:  # B saves the same race at the next version first
            b.record_passing(KEY, LANES["outer"], 400, 30_400, "transponder")
            b.record_passing(KEY, LANES["inner"], 400, 30_000, "transponder")
        return loaded

    a.race = race_then_the_other_console_records  # type: ignore[method-assign]  # wrapped: B saves after A loads
    assert a.record_passing(KEY, LANES["inner"], 400, 30_000, "transponder") is None  # B's, kept
    assert a.record_passing(KEY, LANES["inner"], 400, 30_003, "optical") is not None
    assert a.retried_conflicts == 1
    found = recorded_facts(a)
    assert sum(found.values()) == 3 and set(found.values()) == {1}
    assert verify_ledger(a.recorder).breach is None
    a.close()
    b.close()


def test_a_command_that_keeps_losing_is_refused_in_one_line_and_appends_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "ledger.db")
    app = build_app(db)
    set_up(app)
    before = app.last_position()
    app.close()

    def always_conflicts(self: Ledger, *aggregates: Any) -> Any:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Ledger, "save_new", always_conflicts)
    monkeypatch.setattr("ledger.application.time.sleep", lambda _seconds: None)
    done = run(capsys, "--db", db, "record", "pass", KEY, LANES["inner"], "400", "30.00")
    assert done.code == 2, done
    assert len(done.err.splitlines()) == 1 and f"{ATTEMPTS} times" in done.err, done.err
    app = build_app(db)
    try:
        with pytest.raises(ConcurrentWriteError):
            app.record_passing(KEY, LANES["inner"], 400, 30_000, "transponder")
    finally:
        app.close()
    monkeypatch.undo()
    app = build_app(db)
    assert app.last_position() == before
    app.close()


@pytest.mark.postgres
def test_processes_opening_a_new_postgresql_ledger_at_once_all_succeed() -> None:
    """PostgreSQL's catalog races concurrent CREATE statements ("tuple concurrently updated"):
    our recorder serialises them with an advisory lock and retries, so every console opens."""
    if not _PG:
        pytest.skip("PostgreSQL is not reachable here (under CI=true conftest fails instead)")
    for _ in range(3 if IN_CI else 2):
        schema = new_pg_schema()
        try:
            code = f"from ledger.bootstrap import build_app; build_app({pg_url(schema)!r}).close()"
            procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE,
                                      text=True) for _ in range(4)]
            errors = [p.communicate(timeout=120)[1] for p in procs]
            assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
        finally:
            drop_pg_schema(schema)

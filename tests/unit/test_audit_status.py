"""`audit` lists every status change, as its help says: DNF, DNS and WDR as well as DQ."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.application import Ledger
from projections.audit import audit
from tests.cli import ok, run


def race_of_four(app: Ledger) -> str:
    comp = app.schedule_competition("Status Cup", "Rink", date(2025, 1, 1))
    key = app.schedule_race(comp, 1000, "men", date(2025, 1, 1))
    for name in ("Skater A", "Skater B", "Skater C", "Skater D"):
        app.register_skater(name)
        app.enter_starter(key, name)
    app.record_finish(key, "Skater A", 70_000)
    return key


def test_a_dnf_a_dns_and_a_withdrawal_are_each_an_entry_of_the_audit(memory_app: Ledger) -> None:
    app = memory_app
    key = race_of_four(app)
    app.record_dnf(key, "Skater B", 600, "fell in the last inner curve")
    app.record_dns(key, "Skater C", "ill")
    app.record_withdrawal(key, "Skater D", "injured")
    entries = audit(app.read_log(), key)
    assert [(e.act, e.skater, e.reason, e.after) for e in entries] == [
        ("DidNotFinish", "Skater B", "fell in the last inner curve", "DNF (600 m reached)"),
        ("DidNotStart", "Skater C", "ill", "DNS"),
        ("Withdrawn", "Skater D", "injured", "WDR")]


def test_a_fall_that_ends_the_race_is_audited_as_the_dnf_it_records(memory_app: Ledger) -> None:
    app = memory_app
    key = race_of_four(app)
    app.record_fall(key, "Skater B", 200, went_on=False)
    [entry] = audit(app.read_log(), key)
    assert (entry.act, entry.skater, entry.after) == ("DidNotFinish", "Skater B", "DNF (200 m reached)")


def test_the_audit_command_lists_the_status_changes(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    from ledger.bootstrap import build_app
    key = race_of_four(build_app(db))
    ok(run(capsys, "--db", db, "record", "dns", key, "Skater C", "--reason", "ill"))
    done = ok(run(capsys, "--db", db, "audit", key, "--format", "json")).json()
    assert [(e["act"], e["skater"], e["after"]) for e in done["entries"]] == [
        ("DidNotStart", "Skater C", "DNS")]

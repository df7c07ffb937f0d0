"""A results sheet carries its checkpoint, and a reader checks it offline (docs/decisions/0007).

``standings … --format json --checkpoint`` (or ``--sign``) adds the sheet's position, chain hash
and signature; ``verify --sheet SHEET --export FILE`` recomputes the chain and the standings from
the export and names the first thing that does not hold: one line, exit code 2, no traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli import Ran, ok, refused, run
from tests.conftest import _PG, drop_pg_schema, new_pg_schema, pg_url

KEY = "sheet-cup-2025/men-500m"
DAY = [
    ["record", "competition", "Sheet Cup", "--date", "2025-01-05", "--by", "Admin A"],
    ["record", "race", "sheet-cup-2025", "--distance", "500", "--category", "men",
     "--date", "2025-01-05", "--by", "Admin A"],
    *(["record", "skater", f"Skater {s}", "--by", "Admin A"] for s in "ABCD"),
    ["record", "pair", KEY, "1", "--inner", "Skater A", "--outer", "Skater B", "--by", "Admin A"],
    ["record", "pair", KEY, "2", "--inner", "Skater C", "--outer", "Skater D", "--by", "Admin A"],
    ["record", "start", KEY, "1", "--by", "Operator O"],
    ["record", "finish", KEY, "Skater A", "38.42", "--by", "Operator O"],
    ["record", "finish", KEY, "Skater B", "38.90", "--by", "Operator O"],
    ["record", "start", KEY, "2", "--by", "Operator O"],
    ["record", "finish", KEY, "Skater C", "38.55", "--by", "Operator O"],
    ["record", "dnf", KEY, "Skater D", "--by", "Operator O"],
]




@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
       ) -> Iterator[str]:
    """A ledger holding one race day, recorded command by command."""
    if request.param == "postgres" and not _PG:
        pytest.skip("PostgreSQL is not reachable here (under CI=true this is a failure instead)")
    schema = new_pg_schema() if request.param == "postgres" else ""
    target = pg_url(schema) if schema else str(tmp_path / "day.db")
    for argv in DAY:
        ok(run(capsys, "--db", target, *argv))
    yield target
    if schema:
        drop_pg_schema(schema)


Cli = Callable[..., Ran]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db: str) -> Cli:
    return lambda *args: run(capsys, "--db", db, *args)


def sheet(cli: Cli, tmp_path: Path, name: str, *options: str) -> Path:
    path = tmp_path / name
    path.write_text(ok(cli("standings", KEY, "--format", "json", *options)).out)
    return path


def export(cli: Cli, tmp_path: Path) -> Path:
    path = tmp_path / "day.jsonl"
    ok(cli("export", "--output", str(path)))
    return path


@pytest.fixture
def key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "checkpoint.key"
    ok(run(capsys, "keygen", "--output", str(path)))
    return path


def test_a_sheet_carries_its_position_and_chain_hash_and_keeps_the_interface_keys(
        cli: Cli, tmp_path: Path) -> None:
    plain = json.loads(ok(cli("standings", KEY, "--format", "json")).out)
    carried = json.loads(sheet(cli, tmp_path, "s.json", "--checkpoint").read_text())
    assert {k: carried[k] for k in plain} == plain  # only keys added
    assert set(carried) - set(plain) == {"notation", "checkpoint"}
    checkpoint = carried["checkpoint"]
    assert checkpoint["position"] == carried["basis"]["position"] == len(DAY) + 4  # pairs enter
    assert len(checkpoint["hash"]) == 64 and checkpoint["signature"] is None
    assert [r["skater"] for r in carried["rows"]] == ["Skater A", "Skater C", "Skater B", "Skater D"]


def test_an_unaltered_sheet_verifies_offline_also_against_a_later_export(
        cli: Cli, tmp_path: Path) -> None:
    early = sheet(cli, tmp_path, "early.json", "--checkpoint", "--after-pair", "1")
    ok(cli("record", "official", KEY, "--by", "Referee R"))
    now = sheet(cli, tmp_path, "now.json", "--checkpoint")
    exported = export(cli, tmp_path)
    for path in (early, now):
        done = ok(cli("verify", "--sheet", str(path), "--export", str(exported)))
        assert done.out.startswith(f"{path} holds: {KEY} as of position") and "not signed" in done.out
    ok(cli("verify", "--sheet", str(now)))  # against the ledger itself


def test_a_signed_sheet_verifies_with_the_public_key_and_its_checkpoint_is_kept(
        cli: Cli, tmp_path: Path, key: Path) -> None:
    signed = sheet(cli, tmp_path, "signed.json", "--sign", "--key", str(key))
    held = json.loads(signed.read_text())["checkpoint"]
    assert held["signature"] and held["public_key"]
    public = f"{key}.pub"
    done = ok(cli("verify", "--sheet", str(signed), "--export", str(export(cli, tmp_path)),
                  "--public-key", public))
    assert f"signed {held['signed_at']}" in done.out
    assert "1 signed checkpoint(s) verified" in ok(cli("verify", "--public-key", public)).out
    again = json.loads(sheet(cli, tmp_path, "again.json", "--checkpoint").read_text())
    assert again["checkpoint"] == held  # the stored checkpoint at exactly that position
    table = ok(cli("standings", KEY, "--checkpoint")).out
    assert f"chain hash {held['hash']}; signed {held['signed_at']}" in table


def altered(path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = json.loads(path.read_text())
    change(data)
    out = path.with_name("altered.json")
    out.write_text(json.dumps(data))
    return out


def set_time(data: dict[str, Any]) -> None:
    data["rows"][0]["time"] = "38.41"


def set_rank(data: dict[str, Any]) -> None:
    data["rows"][2]["rank"] = 2


def set_basis_position(data: dict[str, Any]) -> None:
    data["basis"]["position"] -= 1


def set_checkpoint_position(data: dict[str, Any]) -> None:
    data["basis"]["position"] -= 1
    data["checkpoint"]["position"] -= 1


def set_hash(data: dict[str, Any]) -> None:
    data["checkpoint"]["hash"] = "0" * 64


def unsigned(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """The change, with the signature dropped: the chain check must see it on its own."""
    def apply(data: dict[str, Any]) -> None:
        change(data)
        data["checkpoint"].update(signed_at=None, public_key=None, signature=None)
    apply.__name__ = f"unsigned_{change.__name__}"
    return apply


def swap_rows(data: dict[str, Any]) -> None:
    data["rows"][0], data["rows"][1] = data["rows"][1], data["rows"][0]


def drop_row(data: dict[str, Any]) -> None:
    data["rows"].pop()


def set_signature(data: dict[str, Any]) -> None:
    signature = data["checkpoint"]["signature"]
    data["checkpoint"]["signature"] = ("1" if signature[0] == "0" else "0") + signature[1:]


def set_known_at(data: dict[str, Any]) -> None:
    data["basis"]["known_at"] = "2000-01-01T00:00:00+00:00"


ALTERATIONS: list[tuple[Callable[[dict[str, Any]], None], list[str]]] = [
    (set_time, ['row 1 of the sheet ("Skater A"): time is "38.41" on the sheet, "38.42" in the ledger']),
    (set_rank, ['row 3 of the sheet ("Skater B"): rank is 2 on the sheet, 3 in the ledger']),
    (set_basis_position, ["basis position", "is not its checkpoint's position"]),
    (set_checkpoint_position, ["not signed by its key"]),
    (unsigned(set_checkpoint_position), ["chain hash at position 17 is not", "altered"]),
    (set_hash, ["not signed by its key"]),
    (unsigned(set_hash), ["chain hash at position 18 is not", "altered"]),
    (swap_rows, ['row 1 of the sheet ("Skater C"): rank is 2 on the sheet, 1 in the ledger']),
    (drop_row, ["the sheet has 3 row(s), the ledger 4"]),
    (set_signature, ["not signed by its key"]),
    (set_known_at, ["recorded after its known_at"]),
]


def test_an_altered_sheet_is_refused_naming_what_is_wrong(cli: Cli, tmp_path: Path, key: Path) -> None:
    signed = sheet(cli, tmp_path, "signed.json", "--sign", "--key", str(key))
    exported = export(cli, tmp_path)
    ok(cli("verify", "--sheet", str(signed), "--export", str(exported)))
    for change, named in ALTERATIONS:  # one sheet, each alteration alone
        refused(cli("verify", "--sheet", str(altered(signed, change)), "--export", str(exported)),
                *named)
    ok(cli("verify", "--sheet", str(signed), "--export", str(exported)))


def test_a_sheet_signed_by_another_key_or_not_at_all_is_refused_under_a_public_key(
        cli: Cli, tmp_path: Path, key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.key"
    ok(run(capsys, "keygen", "--output", str(other)))
    exported = export(cli, tmp_path)
    by_other = sheet(cli, tmp_path, "other.json", "--sign", "--key", str(other))
    refused(cli("verify", "--sheet", str(by_other), "--export", str(exported), "--public-key",
                f"{key}.pub"), "not signed by the given key")
    unsigned = sheet(cli, tmp_path, "unsigned.json", "--checkpoint", "--position", "5")
    refused(cli("verify", "--sheet", str(unsigned), "--export", str(exported), "--public-key",
                f"{key}.pub"), "not signed", "--public-key")


def test_a_sheet_is_refused_against_an_export_altered_before_its_position(
        cli: Cli, tmp_path: Path) -> None:
    carried = sheet(cli, tmp_path, "s.json", "--checkpoint")
    exported = export(cli, tmp_path)
    lines = exported.read_text().splitlines()
    finish_c = next(i for i, line in enumerate(lines) if '"at_ms":38550' in line)
    lines[finish_c] = lines[finish_c].replace('"at_ms":38550', '"at_ms":38540')
    exported.write_text("\n".join(lines) + "\n")
    refused(cli("verify", "--sheet", str(carried), "--export", str(exported)), "is tampered at position")


def test_sheet_options_and_files_that_are_wrong_are_refused_in_one_line(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKATE_LEDGER_KEY", raising=False)
    refused(cli("standings", KEY, "--format", "csv", "--checkpoint"), "CSV sheet")
    refused(cli("standings", KEY, "--format", "json", "--sign"), "no signing key")
    refused(cli("standings", KEY, "--format", "json", "--key", "k"), "give --sign")
    exported = export(cli, tmp_path)
    plain = tmp_path / "plain.json"
    plain.write_text(ok(cli("standings", KEY, "--format", "json")).out)
    refused(cli("verify", "--sheet", str(plain), "--export", str(exported)), "carries no checkpoint")
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2")
    refused(cli("verify", "--sheet", str(junk), "--export", str(exported)), "is not JSON")
    refused(cli("verify", "--sheet", str(tmp_path / "none.json"), "--export", str(exported)),
            "cannot be read")

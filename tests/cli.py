"""Running the command in-process, as a user would from the shell (exit code, stdout, stderr)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from scripts.cli.main import main


@attrs.frozen
class Ran:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def digest(path: Path) -> str:
    """A SQLite ledger file and its write-ahead log, hashed: equal digests mean nothing changed."""
    h = hashlib.sha256(path.read_bytes())
    wal = Path(f"{path}-wal")
    if wal.exists():
        h.update(wal.read_bytes())
    return h.hexdigest()


def ok(done: Ran) -> Ran:
    assert done.code == 0, done
    return done


def refused(done: Ran, *words: str) -> None:
    assert done.code == 2, done
    assert len(done.err.splitlines()) == 1 and "Traceback" not in done.err, done.err
    for word in words:
        assert word in done.err, done.err

"""The commands on personal data (docs/decisions/0029-erasable-personal-data.md): erase a
skater's personal fields by destroying her key, and seal the plain fields of registrations
recorded before 0029. Decide outside, record inside, as every command of :class:`Ledger`."""

from __future__ import annotations

from uuid import UUID

from ledger.application import Ledger, check_text
from ledger.domain.errors import InvalidInputError
from ledger.domain.skater import Skater
from ledger.store.personal import PERSONAL, ErasedError, needed_master_key


def erasable(app: Ledger, name: str, reason: str, by: str | None) -> UUID:
    """The skater to erase; refused (nothing changed) when the reason or the author is missing,
    the skater is not registered, or she was erased already (an erasure is made once)."""
    if not reason or not reason.strip():
        raise InvalidInputError("--reason: say why the personal data is erased")
    check_text("the reason", reason)
    if by is None:
        raise InvalidInputError("--by: name who erases (the administrator)")
    sid = app.skater(name)
    held: Skater = app.repository.get(sid)
    if held.erased:
        at = next((p for p, e in reversed(app.read_stream(sid)) if isinstance(e, Skater.Erased)), None)
        raise ErasedError(f"skater {held.name!r} was erased already (position {at}); nothing changed")
    return sid


def erase_skater(app: Ledger, sid: UUID, reason: str, by: str) -> int:
    """Destroy the skater's key (ledger.store.personal.Vault.destroy), then record the erasure:
    its position. The key goes first: were the save to fail, the data is erased all the same, and
    running the command again records the fact."""
    skater: Skater = app.repository.get(sid)
    app.vault.destroy(sid)
    skater.erase(reason=" ".join(reason.split()), by=by)
    position = app.save_new(skater)
    if position is None:  # pragma: no cover - erase() always has an event pending
        raise RuntimeError("the erasure was not recorded")
    return position


def migrate_personal_data(app: Ledger) -> list[tuple[str, tuple[int, ...]]]:
    """Seal the plain personal fields of every registration recorded before 0029 (a new fact per
    skater, naming the positions that hold them in clear). Skaters erased, or sealed already,
    are left. (name, positions) of each skater sealed."""
    app.vault.checked(needed_master_key("migrate personal-data"))
    plain: dict[UUID, list[int]] = {}
    for position, event in app.read_log():
        if isinstance(event, Skater.Registered) and not event.sealed and (
                event.club is not None or event.hometown is not None):
            plain.setdefault(event.originator_id, []).append(position)
        elif isinstance(event, Skater.PersonalDataSealed | Skater.Erased):
            plain.pop(event.originator_id, None)
    done = []
    for sid, positions in plain.items():
        skater: Skater = app.repository.get(sid)
        if skater.erased or app.vault.erased(sid):
            continue
        fields = {f: getattr(skater, f) for f in PERSONAL}
        sealed = app.vault.seal(sid, fields, "migrate personal-data")
        skater.seal_personal_data(sealed=sealed, plain_at=tuple(positions))
        app.save_new(skater)
        done.append((skater.name, tuple(positions)))
    return done

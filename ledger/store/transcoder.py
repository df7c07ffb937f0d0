"""The ledger's transcoder: the library's JSON format, written and read with orjson.

The stored bytes keep the format of the library's ``JSONTranscoder`` (compact separators, UTF-8,
custom types as ``{"_type_": name, "_data_": ...}``), so ledgers written before this transcoder read
the same and every transcoding registered with the application keeps working. What changes is the
cost: the library encodes with ``json.JSONEncoder(default=...)`` and decodes with an
``object_hook`` called for every JSON object; here orjson does the parsing and printing, and one
walk in Python converts the custom types (docs/decisions/0009-speed-of-the-log.md).

The library's own ``TranscoderTestCase`` runs against this class (tests/store/test_store_conformance.py).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any, cast
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoding,
    TranscodingNotRegisteredError,
    UUIDAsHex,
    find_id_convertor,
)
from eventsourcing.utils import resolve_topic

#: JSON's own types: printed by orjson as they are (subclasses of these too, as json does).
_PLAIN = (str, int, bool, type(None))


class _LibraryWrites(Exception):
    """A value this transcoder leaves to the library's encoder."""


class _LibraryReads(Exception):
    """Data this transcoder leaves to the library's decoder."""


class NotPlain(ValueError):
    """A parsed value :meth:`LedgerTranscoder.decode_parsed` leaves to the library: it holds a
    float."""
_UUIDS_KEPT = 1 << 16


class LedgerTranscoder(JSONTranscoder):
    """Same bytes as ``JSONTranscoder`` (up to how floats are printed), several times faster."""

    def __init__(self) -> None:
        super().__init__()
        # One UUID object per id seen recently: a skater's or a race's id recurs in thousands of
        # events, and sharing the (immutable) object saves building it and the memory it takes.
        self._uuids: dict[str, UUID] = {}
        self._fast: set[str] = set()  # the library's own uuid_hex and datetime_iso, decoded inline

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._fast.discard(transcoding.name)
        if type(transcoding) in (UUIDAsHex, DatetimeAsISO):
            self._fast.add(transcoding.name)

    # -- encoding -----------------------------------------------------------------------------
    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._prepare(obj), option=orjson.OPT_NON_STR_KEYS)
        except (_LibraryWrites, orjson.JSONEncodeError):
            # floats (orjson prints some differently, and NaN as null), integers beyond 64 bits,
            # strings that are not valid UTF-8: the library's own encoder, with its bytes or errors
            return super().encode(obj)

    def _prepare(self, o: Any) -> Any:
        kind = type(o)
        if kind is str or kind is int or kind is bool or o is None:
            return o
        if kind is dict:
            return {k: self._prepare(v) for k, v in o.items()}
        if kind is list or kind is tuple:
            return [self._prepare(v) for v in o]
        transcoding = self.types.get(kind)
        if transcoding is not None:
            return {"_type_": transcoding.name, "_data_": self._prepare(transcoding.encode(o))}
        if isinstance(o, float):
            raise _LibraryWrites
        if isinstance(o, _PLAIN):  # a subclass of str, int or float: JSON's value, as json prints it
            return o
        if isinstance(o, dict):
            return {k: self._prepare(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [self._prepare(v) for v in o]
        msg = (f"Object of type {kind} is not serializable. Please define and register a custom "
               "transcoding for this type.")
        raise TranscodingNotRegisteredError(msg)

    # -- decoding -----------------------------------------------------------------------------
    def decode(self, data: bytes) -> Any:
        try:
            return self._decode(data)
        except (_LibraryReads, orjson.JSONDecodeError):
            # any float (orjson reads integers beyond 64 bits as floats), NaN, Infinity, bytes that
            # are not UTF-8 or not JSON: the library's own decoder, with its value or its error
            return super().decode(data)

    def _decode(self, data: bytes) -> Any:
        return self._decoded(orjson.loads(data))

    def decode_parsed(self, value: Any) -> Any:
        """:meth:`decode` of a value orjson has parsed already (a restore parses each line once):
        the custom types turned back into values, in place. Raises :class:`NotPlain` where
        ``decode`` would leave the bytes to the library's decoder (a float: orjson and the library
        print floats differently, so the bytes of such a value are the library's too)."""
        try:
            return self._decoded(value)
        except _LibraryReads:
            raise NotPlain from None

    def _decoded(self, value: Any) -> Any:
        if type(value) is dict:
            # An event's state: a flat object whose custom values are one level down. Walked here
            # without a call per value (this loop runs for every event every projection reads).
            fast, uuids = self._fast, self._uuids
            for key, item in value.items():
                kind = type(item)
                if kind is dict:
                    if len(item) == 2 and "_data_" in item and "_type_" in item:
                        name, text = item["_type_"], item["_data_"]
                        if type(text) is str and name in fast:
                            if name == "uuid_hex":
                                found = uuids.get(text)
                                if found is None:
                                    found = self._uuid(text)
                                value[key] = found
                            else:
                                value[key] = datetime.fromisoformat(text)
                            continue
                    value[key] = self._restore(item)
                elif kind is list:
                    value[key] = self._restore(item)
                elif kind is float:
                    raise _LibraryReads
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return self._custom(value)
            return value
        if type(value) is list:
            return self._restore(value)
        if type(value) is float:
            raise _LibraryReads
        return value

    def _fast_value(self, name: str, data: str) -> Any:
        if name == "uuid_hex":
            found = self._uuids.get(data)
            return found if found is not None else self._uuid(data)
        return datetime.fromisoformat(data)

    def _uuid(self, data: str) -> UUID:
        """The UUID of a hex text, kept for the next time (see :func:`uuid_of_hex`)."""
        if len(self._uuids) >= _UUIDS_KEPT:
            self._uuids.clear()
        found = self._uuids[data] = uuid_of_hex(data)
        return found

    def _restore(self, o: Any) -> Any:
        """Turn every ``{"_type_", "_data_"}`` object back into its value, innermost first (as the
        library's object_hook does)."""
        if type(o) is list:
            if any(type(v) is float for v in o):
                raise _LibraryReads
            return [self._restore(v) if type(v) is dict or type(v) is list else v for v in o]
        for key, value in o.items():
            kind = type(value)
            if kind is dict or kind is list:
                o[key] = self._restore(value)
            elif kind is float:
                raise _LibraryReads
        if len(o) != 2 or "_type_" not in o or "_data_" not in o:
            return o
        return self._custom(o)

    def _custom(self, o: dict[str, Any]) -> Any:
        name, data = o["_type_"], o["_data_"]
        if name in self._fast and type(data) is str:
            return self._fast_value(name, data)
        transcoding = self.names.get(name) if isinstance(name, str) else None
        if transcoding is None:
            msg = (f"Data serialized with name '{name}' is not deserializable. Please register a "
                   "custom transcoding for this type.")
            raise TranscodingNotRegisteredError(msg)
        return transcoding.decode(data)


_new_object = object.__new__
_set_slot = object.__setattr__
_UNKNOWN = SafeUUID.unknown


def uuid_of_hex(data: str) -> UUID:
    """``UUID(data)``, built without its parsing when ``data`` is the 32 hex digits the library's
    ``UUIDAsHex`` writes (UUID's ``__init__`` strips prefixes, braces and hyphens, then checks its
    arguments: several times the cost, for every id of every event read). The object is the one
    ``UUID`` makes: its two slots, ``int`` and ``is_safe`` (unknown). Any other text goes to
    ``UUID``, with its value or its error."""
    if len(data) == 32 and data.isascii() and data.isalnum():  # int() takes "_", "+", spaces
        try:
            number = int(data, 16)
        except ValueError:
            return UUID(data)
        made: UUID = _new_object(UUID)
        _set_slot(made, "int", number)
        _set_slot(made, "is_safe", _UNKNOWN)
        return made
    return UUID(data)


def domain_event(mapper: Mapper[Any], stored: StoredEvent, state: dict[str, Any]) -> Any:
    """``mapper.to_domain_event(stored)``, given the state it would decode (``decode_parsed`` of
    the parsed ``stored.state``): the rest of the library's ``Mapper.to_domain_event`` (9.5), for
    a mapper without cipher or compressor. A restore parses each line once, not once for its
    bytes and again for its event. Raises where the library would; a caller falls back to the
    mapper for its words (tests/store/test_restore_lean.py compares the two on every event of a
    season)."""
    if mapper.cipher is not None or mapper.compressor is not None:
        raise TypeError("the mapper encrypts or compresses: its own to_domain_event decodes")
    cls = resolve_topic(stored.topic)
    id_type = cast(Hashable, type(stored.originator_id))  # as the library casts it
    state["originator_id"] = find_id_convertor(cls, id_type)(stored.originator_id)
    state["originator_version"] = stored.originator_version
    class_version = getattr(cls, "class_version", 1)
    from_version = state.pop("class_version", 1)
    while from_version < class_version:
        getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
        from_version += 1
    event = _new_object(cls)
    _set_slot(event, "__dict__", state)
    return event

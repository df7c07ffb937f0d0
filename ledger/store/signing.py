"""Signed checkpoints: Ed25519 over (position, chain hash, time) (docs/decisions/0007).

The signed message (version 1) is::

    b"skate-ledger checkpoint v1\\n" ‖ position (8 bytes, unsigned big-endian) ‖ chain hash (32 bytes)
    ‖ len(signed_at) (4 bytes, unsigned big-endian) ‖ signed_at (UTF-8, ISO 8601 in UTC)

A key file is the PKCS#8 PEM of an Ed25519 private key (written 0600, never printed); its public
key is written beside it as ``FILE.pub`` (SubjectPublicKeyInfo PEM).
"""

from __future__ import annotations

import json
import os
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.domain.errors import InvalidInputError, LedgerError
from ledger.store.chain import HASH_SIZE, Checkpoint

if TYPE_CHECKING:  # cryptography is imported by the functions that sign or check, when they run
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DOMAIN = b"skate-ledger checkpoint v1\n"
KEY_ENV = "SKATE_LEDGER_KEY"


class NothingToSignError(LedgerError, ValueError):
    """Raised when a checkpoint is asked of an empty ledger."""


def message(position: int, chain_hash: bytes, signed_at: str) -> bytes:
    if len(chain_hash) != HASH_SIZE:
        raise ValueError(f"a chain hash has {HASH_SIZE} bytes, not {len(chain_hash)}")
    at = signed_at.encode("utf-8")
    return b"".join((DOMAIN, struct.pack(">Q", position), chain_hash, struct.pack(">I", len(at)), at))


def raw_public(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign(key: Ed25519PrivateKey, position: int, chain_hash: bytes,
         signed_at: datetime | None = None) -> Checkpoint:
    moment = (signed_at or datetime.now(UTC)).astimezone(UTC).isoformat()
    return Checkpoint(position=position, hash=chain_hash, signed_at=moment,
                      public_key=raw_public(key.public_key()),
                      signature=key.sign(message(position, chain_hash, moment)))


def signature_holds(checkpoint: Checkpoint, public_key: bytes | None = None) -> bool:
    """Whether the checkpoint is signed by ``public_key`` (by its own key when None)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if public_key is not None and checkpoint.public_key != public_key:
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(checkpoint.public_key)
        key.verify(checkpoint.signature, message(checkpoint.position, checkpoint.hash, checkpoint.signed_at))
    except (InvalidSignature, ValueError):
        return False
    return True


# -- key files ------------------------------------------------------------------------------------
def generate_key_file(path: Path) -> bytes:
    """Write a new private key to ``path`` (0600; refuses to overwrite) and its public key to
    ``path.pub``; returns the raw public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public = public_key_path(path)
    for target in (path, public):
        if target.exists():
            raise InvalidInputError(f"{target} exists already; the key is not overwritten")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        public.write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    except OSError as e:
        raise InvalidInputError(f"{path}: cannot write the key ({e.strerror})") from None
    return raw_public(key.public_key())


def public_key_path(path: Path) -> Path:
    return path.with_name(path.name + ".pub")


def read_private_key(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as e:
        raise InvalidInputError(f"{path}: cannot read the key ({e.strerror})") from None
    except (ValueError, TypeError):
        raise InvalidInputError(f"{path}: is not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInputError(f"{path}: is not an Ed25519 key")
    return key


def read_public_key(path: Path) -> bytes:
    """The raw public key in a public key file (PEM), or of a private key file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        data = path.read_bytes()
    except OSError as e:
        raise InvalidInputError(f"{path}: cannot read the key ({e.strerror})") from None
    try:
        key: Any = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            raise InvalidInputError(f"{path}: is not a PEM Ed25519 key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInputError(f"{path}: is not an Ed25519 key")
    return raw_public(key)


def configured_key(path: str | Path | None = None) -> Ed25519PrivateKey | None:
    """The key of ``--key``, else of ``$SKATE_LEDGER_KEY``, else None."""
    chosen = path or os.environ.get(KEY_ENV)
    return read_private_key(Path(chosen)) if chosen else None


# -- checkpoints as JSON (printed by `checkpoint`, read by `verify --checkpoint`) -----------------
def checkpoint_json(checkpoint: Checkpoint) -> dict[str, Any]:
    return {"position": checkpoint.position, "hash": checkpoint.hash.hex(),
            "signed_at": checkpoint.signed_at, "public_key": checkpoint.public_key.hex(),
            "signature": checkpoint.signature.hex()}


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Checkpoints from a file of JSON objects, one a line, as ``checkpoint`` prints them."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInputError(f"{path}: cannot be read ({e})") from None
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            found.append(Checkpoint(position=int(obj["position"]), hash=bytes.fromhex(obj["hash"]),
                                    signed_at=str(obj["signed_at"]),
                                    public_key=bytes.fromhex(obj["public_key"]),
                                    signature=bytes.fromhex(obj["signature"])))
        except (ValueError, KeyError, TypeError):
            raise InvalidInputError(f"{path}:{number}: is not a checkpoint") from None
    return found

"""AES-256-GCM sealing under a master keyring kept outside the database (R7).

Sealed blob: b"\x01" | key id (8 bytes) | nonce (12) | ciphertext+tag. The associated data
binds a blob to its row (e.g. "factor:ostf…"), so a sealed seed copied onto another row
does not open. Several keys may be present; new blobs use the active one (rotation).
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"


class SealingError(Exception):
    pass


class Sealer:
    def __init__(self, keys: dict[str, bytes], active: str) -> None:
        if active not in keys:
            raise SealingError("active key missing from keyring")
        self._aead = {kid: AESGCM(key) for kid, key in keys.items()}
        self._keys = dict(keys)
        self.active = active

    def derive_key(self, purpose: str) -> bytes:
        """A separate key for one purpose (HKDF, RFC 5869), so no key serves two algorithms."""
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"twofold:" + purpose.encode()).derive(self._keys[self.active])

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._aead)

    def seal(self, plaintext: bytes, context: str) -> bytes:
        nonce = secrets.token_bytes(12)
        kid = self.active.encode()
        return VERSION + kid + nonce + self._aead[self.active].encrypt(nonce, plaintext, context.encode())

    def open(self, blob: bytes, context: str) -> bytes:
        if len(blob) < 1 + 8 + 12 + 16 or blob[:1] != VERSION:
            raise SealingError("not a sealed blob")
        kid = blob[1:9].decode()
        aead = self._aead.get(kid)
        if aead is None:
            raise SealingError(f"sealing key {kid} is not in the keyring")
        try:
            return aead.decrypt(blob[9:21], blob[21:], context.encode())
        except InvalidTag as exc:
            raise SealingError("sealed blob failed authentication") from exc


def _new_kid() -> str:
    return "k" + secrets.token_hex(4)[:7]


def load_or_create_keyring(path: Path, *, create: bool) -> Sealer:
    """Read the keyring file; create it (mode 0600, O_EXCL so racing processes agree) when
    asked to. Format: {"active": kid, "keys": {kid: base64(32 bytes)}}."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise SealingError(
                f"master key file {path} is missing; restore it (sealed secrets need it) "
                "or point TWOFOLD_MASTER_KEY_FILE at it"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        kid = _new_kid()
        body = json.dumps({"active": kid, "keys": {kid: base64.b64encode(os.urandom(32)).decode()}})
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
    for _ in range(50):  # another process may be writing it right now
        text = path.read_text()
        if text:
            break
        import time

        time.sleep(0.05)
    data = json.loads(text)
    keys = {kid: base64.b64decode(v) for kid, v in data["keys"].items()}
    if any(len(k) != 32 or len(kid) != 8 for kid, k in keys.items()):
        raise SealingError("master key file holds a key that is not 32 bytes with an 8-character id")
    return Sealer(keys, data["active"])

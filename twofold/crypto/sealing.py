"""AES-256-GCM sealing under a master keyring kept outside the database (R7).

Sealed blob: b"\x01" | key id (8 bytes) | nonce (12) | ciphertext+tag. The associated data
binds a blob to its row (e.g. "factor:ostf…"), so a sealed seed copied onto another row
does not open. The key id in the header is how each row records the key it is sealed under
(services.master_keys reads it to re-seal and to count). Several keys may be present; new
blobs use the active one (rotation: `twofold keys rotate-master`).

A Sealer built from the file re-reads it when it changes (a rotation while the server runs):
before sealing or deriving, and when a blob names a key it does not hold.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"
KEY_ID_LENGTH = 8


class SealingError(Exception):
    pass


def key_id_of(blob: bytes) -> str | None:
    """The id of the key a blob is sealed under (its header), None if it is no sealed blob."""
    if len(blob) < 1 + KEY_ID_LENGTH or blob[:1] != VERSION:
        return None
    return blob[1:1 + KEY_ID_LENGTH].decode(errors="replace")


def _derive(key: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"twofold:" + purpose.encode()).derive(key)


class _Ring:
    """One reading of the keyring: replaced whole, so a reader never sees half of two."""

    def __init__(self, keys: dict[str, bytes], active: str) -> None:
        if active not in keys:
            raise SealingError("active key missing from keyring")
        self.keys = dict(keys)
        self.active = active
        self.aead = {kid: AESGCM(key) for kid, key in keys.items()}
        self.derived: dict[tuple[str, str], bytes] = {}

    def derived_key(self, kid: str, purpose: str) -> bytes:
        found = self.derived.get((kid, purpose))
        if found is None:
            found = self.derived[(kid, purpose)] = _derive(self.keys[kid], purpose)
        return found


class Sealer:
    def __init__(self, keys: dict[str, bytes], active: str, path: Path | None = None) -> None:
        self._ring = _Ring(keys, active)
        self._path = Path(path) if path is not None else None
        self._stamp = _stamp(self._path) if self._path is not None else None

    @property
    def active(self) -> str:
        return self._ring.active

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._ring.keys)

    def refresh(self) -> bool:
        """Re-read the keyring file if it changed since it was read; True if it did. A file
        that cannot be read now leaves the keys as they were (writers replace it atomically)."""
        if self._path is None:
            return False
        stamp = _stamp(self._path)
        if stamp is None or stamp == self._stamp:
            return False
        try:
            keys, active = read_keyring(self._path)
            self._ring = _Ring(keys, active)
        except (OSError, ValueError, SealingError):
            return False
        self._stamp = stamp
        return True

    def derive_key(self, purpose: str) -> bytes:
        """A separate key for one purpose (HKDF, RFC 5869), so no key serves two algorithms:
        from the active master key, for making new values."""
        self.refresh()
        ring = self._ring
        return ring.derived_key(ring.active, purpose)

    def derived_keys(self, purpose: str) -> list[bytes]:
        """That purpose's key from every master key, the active one first: for checking a value
        made before a rotation (a sent code, a QR link) while the old key is still held."""
        self.refresh()
        ring = self._ring
        return [ring.derived_key(kid, purpose) for kid in [ring.active, *sorted(set(ring.keys) - {ring.active})]]

    def seal(self, plaintext: bytes, context: str) -> bytes:
        self.refresh()
        ring = self._ring
        nonce = secrets.token_bytes(12)
        sealed = ring.aead[ring.active].encrypt(nonce, plaintext, context.encode())
        return VERSION + ring.active.encode() + nonce + sealed

    def open(self, blob: bytes, context: str) -> bytes:
        kid = key_id_of(blob)
        if kid is None or len(blob) < 1 + KEY_ID_LENGTH + 12 + 16:
            raise SealingError("not a sealed blob")
        aead = self._ring.aead.get(kid)
        if aead is None and self.refresh():  # sealed by a rotation this process has not read yet
            aead = self._ring.aead.get(kid)
        if aead is None:
            raise SealingError(f"sealing key {kid} is not in the keyring")
        try:
            return aead.decrypt(blob[9:21], blob[21:], context.encode())
        except InvalidTag as exc:
            raise SealingError("sealed blob failed authentication") from exc


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def new_key_id() -> str:
    return "k" + secrets.token_hex(4)[:7]


def new_key() -> bytes:
    return os.urandom(32)


def _body(keys: dict[str, bytes], active: str) -> str:
    return json.dumps({"active": active, "keys": {kid: base64.b64encode(k).decode() for kid, k in keys.items()}})


def read_keyring(path: Path) -> tuple[dict[str, bytes], str]:
    """Format: {"active": kid, "keys": {kid: base64(32 bytes)}}."""
    data = json.loads(Path(path).read_text())
    keys = {kid: base64.b64decode(v) for kid, v in data["keys"].items()}
    if any(len(k) != 32 or len(kid) != KEY_ID_LENGTH for kid, k in keys.items()):
        raise SealingError("master key file holds a key that is not 32 bytes with an 8-character id")
    if data["active"] not in keys:
        raise SealingError("master key file names an active key it does not hold")
    return keys, data["active"]


def write_keyring(path: Path, keys: dict[str, bytes], active: str) -> None:
    """Replace the file atomically (a reader sees the old file or the new one, never a part),
    mode 0600, flushed to disk before and after the rename."""
    if active not in keys:
        raise SealingError("active key missing from keyring")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(_body(keys, active))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load_or_create_keyring(path: Path, *, create: bool) -> Sealer:
    """Read the keyring file; create it (mode 0600, O_EXCL so racing processes agree) when
    asked to."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise SealingError(
                f"master key file {path} is missing; restore it (sealed secrets need it) "
                "or point TWOFOLD_MASTER_KEY_FILE at it"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        kid = new_key_id()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(_body({kid: new_key()}, kid))
                fh.flush()
                os.fsync(fh.fileno())
    for _ in range(50):  # another process may be writing it right now
        if path.read_text():
            break
        time.sleep(0.05)
    try:
        keys, active = read_keyring(path)
    except (ValueError, KeyError, TypeError) as exc:
        raise SealingError(f"master key file {path} is not a twofold keyring ({type(exc).__name__})") from None
    return Sealer(keys, active, path)

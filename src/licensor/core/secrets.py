"""The installation's shared secrets, sealed with a key-encryption key that each host is given.

Several hosts serve one installation from one database, so what they must all hold (the signing
keys' private halves, the portal's secret for forms and links) lives in the database, sealed
with pynacl's SecretBox (XSalsa20-Poly1305) under the key-encryption key (KEK):
`LICENSOR_SECRET_KEY`, or the file `LICENSOR_SECRET_KEY_FILE` names, or, on a single host given
neither, `LICENSOR_HOME/secret-key`, made on first use (owner-only). A copy of the database
alone opens none of them; each sealed value names the KEK that sealed it (a fingerprint, not
the key), so a host given another KEK says which one it lacks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import stat
import threading
from collections.abc import Callable
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from licensor.config import Settings
from licensor.core.clock import wall_clock
from licensor.core.db import Database
from licensor.core.errors import LicensorError
from licensor.core.models import InstallationSecretRow, SigningKeyRow

KEK_FILE = "secret-key"
_PREFIX = "sealed-v1"


def generate_key() -> str:
    """A new KEK as LICENSOR_SECRET_KEY takes it: base64 (URL-safe) of 32 random bytes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(SecretBox.KEY_SIZE)).decode()


def ensure_home(home: Path) -> None:
    """The data directory, owner-only when made here (it holds the database, the KEK, mail)."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)


def decode_key(text: str, where: str) -> bytes:
    value = text.strip()
    try:
        key = bytes.fromhex(value) if len(value) == 64 else base64.urlsafe_b64decode(
            value.replace("+", "-").replace("/", "_") + "=" * (-len(value) % 4))
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != SecretBox.KEY_SIZE:
        raise LicensorError("SECRET_KEY_INVALID", f"The key-encryption key from {where} is not "
                            "32 bytes in base64 or hex; make one with `licensor secrets "
                            "generate-key` and give every host the same.", {"source": where})
    return key


def _check_owner_only(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise LicensorError("SECRET_KEY_EXPOSED", f"The key-encryption key file {path} can be "
                            f"read or changed by other users (mode {mode:o}); make it owner-only "
                            f"with `chmod 600 {path}` and start again.",
                            {"path": str(path), "mode": f"{mode:o}"})


def _generated(home: Path) -> bytes:
    """LICENSOR_HOME/secret-key, made once (O_EXCL: of two processes starting together, one
    writes and both read it)."""
    path = home / KEK_FILE
    if not path.exists():
        ensure_home(home)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(generate_key() + "\n")
    _check_owner_only(path)
    text = path.read_text()
    if not text.strip():  # being written by another process this instant
        text = path.read_text()
    return decode_key(text, str(path))


class Sealer:
    """Seals and opens values under one KEK."""

    def __init__(self, key: bytes, source: str) -> None:
        self._box = SecretBox(key)
        self._key = key
        self.source = source
        self.kek_id = hashlib.sha256(b"licensor-kek:" + key).hexdigest()[:8]

    def key_text(self) -> str:
        """The KEK as LICENSOR_SECRET_KEY takes it (for a backup, which must open what it holds)."""
        return base64.urlsafe_b64encode(self._key).decode()

    def seal(self, plain: bytes) -> str:
        sealed = base64.b64encode(self._box.encrypt(plain)).decode()
        return f"{_PREFIX}:{self.kek_id}:{sealed}"

    def open(self, sealed: str, what: str) -> bytes:
        prefix, kek_id, body = (sealed.split(":", 2) + ["", ""])[:3]
        try:
            if prefix != _PREFIX or kek_id != self.kek_id:
                raise CryptoError
            return self._box.decrypt(base64.b64decode(body))
        except (CryptoError, ValueError, binascii.Error):
            raise LicensorError(
                "SECRET_KEY_MISMATCH", f"{what}: sealed with key-encryption key {kek_id}, "
                f"but this host's key ({self.source}) is {self.kek_id}; give every host the "
                "same LICENSOR_SECRET_KEY (or LICENSOR_SECRET_KEY_FILE) and restart it.",
                {"sealed_with": kek_id, "host_key": self.kek_id}, status=503) from None


def sealer_for(settings: Settings) -> Sealer:
    if settings.secret_key is not None:
        return Sealer(decode_key(settings.secret_key.get_secret_value(), "LICENSOR_SECRET_KEY"),
                      "LICENSOR_SECRET_KEY")
    if settings.secret_key_file is not None:
        path = settings.secret_key_file
        if not path.is_file():
            raise LicensorError("SECRET_KEY_INVALID", f"LICENSOR_SECRET_KEY_FILE names {path}, "
                                "which is not a file; point it at the key-encryption key every "
                                "host shares.", {"source": str(path)})
        _check_owner_only(path)
        return Sealer(decode_key(path.read_text(), str(path)), str(path))
    return Sealer(_generated(settings.home), str(settings.home / KEK_FILE))


class Secrets:
    """This process's way to the shared secrets: the KEK, read on first use, and the opened
    secrets, kept for the life of the process (they never change once made)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._sealer: Sealer | None = None
        self._opened: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def sealer(self) -> Sealer:
        if self._sealer is None:
            self._sealer = sealer_for(self._settings)
        return self._sealer

    def shared(self, db: Database, name: str, make: Callable[[], bytes]) -> bytes:
        """The secret `name`, made by `make` and stored by the first host that asks."""
        held = self._opened.get(name)
        if held is not None:
            return held
        with self._lock:
            sealed = self._read(db, name)
            if sealed is None:
                self._check_same_kek(db, name)
                try:
                    with db.transaction() as session:
                        session.add(InstallationSecretRow(
                            name=name, value=self.sealer.seal(make()), created_at=wall_clock()))
                except IntegrityError:
                    pass  # another host or process stored it first: theirs is the one
                sealed = self._read(db, name)
            assert sealed is not None
            value = self.sealer.open(sealed, f"The installation secret {name!r}")
            self._opened[name] = value
            return value

    def put(self, db: Database, name: str, value: bytes, *, replace: bool = False) -> bool:
        """Store `value` as the secret `name`; False when one is there and not replaced."""
        with db.transaction() as session:
            row = session.get(InstallationSecretRow, name)
            if row is not None and not replace:
                return False
            if row is None:
                session.add(InstallationSecretRow(name=name, value=self.sealer.seal(value),
                                                  created_at=wall_clock()))
            else:
                row.value = self.sealer.seal(value)
        self._opened.pop(name, None)
        return True

    def names(self, db: Database) -> dict[str, str]:
        """Each stored secret's name and the fingerprint of the KEK that sealed it."""
        with db.reader() as session:
            rows = session.query(InstallationSecretRow.name, InstallationSecretRow.value).all()
        return {name: (value.split(":", 2) + [""])[1] for name, value in rows}

    def _check_same_kek(self, db: Database, name: str) -> None:
        """A host given another KEK than the installation's must not make a shared secret that
        the others cannot open: the KEK of what is sealed already decides."""
        with db.reader() as session:
            sealed = session.scalar(select(SigningKeyRow.private_key)
                                    .where(SigningKeyRow.private_key.is_not(None)).limit(1))
        if sealed is not None:
            self.sealer.open(sealed, f"The signing keys (the installation secret {name!r} is "
                                     "not made yet)")

    @staticmethod
    def _read(db: Database, name: str) -> str | None:
        with db.reader() as session:
            row = session.get(InstallationSecretRow, name)
            return row.value if row is not None else None

"""Signing keys: generated on first start, private halves sealed in the database, rotatable.

New License Keys are signed with the active key; older keys keep validating ("verifying")
until an administrator retires their signing key. Public keys are published for verifiers.
"""

from __future__ import annotations

import base64
import hashlib
import stat
import threading
import time
from datetime import datetime
from pathlib import Path

from nacl.signing import SigningKey
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from licensor.core import audit
from licensor.core.errors import LicensorError
from licensor.core.models import SigningKeyRow
from licensor.core.secrets import Secrets
from licensor.verify import Verifier

RELOAD_SECONDS = 30.0
# Built once: the validation hot path's connection compiles each statement object once.
_ACTIVE_KID = (select(SigningKeyRow.kid, SigningKeyRow.private_key).where(SigningKeyRow.status == "active")
               .order_by(SigningKeyRow.created_at.desc()).limit(1))


def kid_for(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:8]


def _check_owner_only(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise LicensorError("SIGNING_KEY_EXPOSED", f"The signing key file {path} can be read or "
                            f"changed by other users (mode {mode:o}); make it owner-only with "
                            f"`chmod 600 {path}` and start again.",
                            {"path": str(path), "mode": f"{mode:o}"}, status=500)


def _unavailable(kid: str, why: str) -> LicensorError:
    return LicensorError("SIGNING_KEY_UNAVAILABLE", f"This host cannot sign with the active key "
                         f"{kid}: {why}", {"kid": kid}, status=503)


class Keyring:
    def __init__(self, keys_dir: Path, secrets: Secrets) -> None:
        self.keys_dir = keys_dir  # private keys made before they lived in the database
        self.secrets = secrets
        self._lock = threading.Lock()
        self._signers: dict[str, SigningKey] = {}
        self._verifier: Verifier | None = None
        self._loaded_at = 0.0
        self._answer_signer: tuple[str, SigningKey] | None = None
        self._answer_signer_at = 0.0

    # -- private keys: sealed in the database (older ones on disk until imported) ----------
    def _path(self, kid: str) -> Path:
        return self.keys_dir / f"{kid}.ed25519"

    def check_private_files(self) -> None:
        """Refuse to work with a private key file that other users can read (and sign with) or
        change; the server and the CLI check before they sign."""
        if not self.keys_dir.is_dir():
            return
        for path in sorted(self.keys_dir.glob("*.ed25519")):
            _check_owner_only(path)

    def disk_keys(self) -> dict[str, SigningKey]:
        """The private keys in LICENSOR_HOME/keys (an installation from before keys lived in the
        database), by kid."""
        self.check_private_files()
        found: dict[str, SigningKey] = {}
        for path in sorted(self.keys_dir.glob("*.ed25519")) if self.keys_dir.is_dir() else []:
            key = SigningKey(base64.b64decode(path.read_bytes().strip()))
            found[kid_for(bytes(key.verify_key))] = key
        return found

    def _load_private(self, kid: str, sealed: str | None) -> SigningKey:
        key = self._signers.get(kid)
        if key is not None:
            return key
        if sealed is not None:
            try:
                key = SigningKey(self.secrets.sealer.open(sealed, f"The signing key {kid}"))
            except LicensorError as exc:
                if exc.code != "SECRET_KEY_MISMATCH":  # the KEK given wrongly: said as it is
                    raise
                raise _unavailable(kid, exc.message) from None
        else:
            path = self._path(kid)
            if not path.exists():
                raise _unavailable(kid, f"it is not in the database and not in {self.keys_dir}; "
                                   "run `licensor keys import` on the host that has it.")
            _check_owner_only(path)
            key = SigningKey(base64.b64decode(path.read_bytes().strip()))
        if kid_for(bytes(key.verify_key)) != kid:
            raise _unavailable(kid, "the private key stored for it belongs to another key.")
        self._signers[kid] = key
        return key

    def seal(self, key: SigningKey) -> str:
        return self.secrets.sealer.seal(bytes(key))

    # -- lifecycle --------------------------------------------------------------------------
    def _new_key(self, session: Session, now: datetime) -> SigningKeyRow:
        key = SigningKey.generate()
        kid = kid_for(bytes(key.verify_key))
        # Sealed in the row that makes it active: every host can sign with it the moment the
        # rotation commits.
        row = SigningKeyRow(kid=kid, public_key=base64.b64encode(bytes(key.verify_key)).decode(),
                            status="active", created_at=now, private_key=self.seal(key))
        session.add(row)
        session.flush()
        return row

    def active(self, session: Session) -> SigningKeyRow | None:
        return session.scalars(select(SigningKeyRow).where(SigningKeyRow.status == "active")
                               .order_by(SigningKeyRow.created_at.desc())).first()

    def ensure_active(self, session: Session, now: datetime) -> SigningKeyRow:
        row = self.active(session)
        if row is None:
            row = self._new_key(session, now)
            audit.record(session, actor="system", action="signing_key.created",
                         entity_type="signing_key", entity_id=row.kid, before=None,
                         after={"kid": row.kid, "status": "active"}, now=now)
            self.invalidate()
        return row

    def rotate(self, session: Session, now: datetime, actor: str) -> SigningKeyRow:
        old = self.active(session)
        if old is not None:
            old.status = "verifying"
        row = self._new_key(session, now)
        audit.record(session, actor=actor, action="signing_key.rotated", entity_type="signing_key",
                     entity_id=row.kid, before={"active": old.kid if old else None},
                     after={"active": row.kid}, now=now)
        self.invalidate()
        return row

    def retire(self, session: Session, kid: str, now: datetime, actor: str) -> SigningKeyRow:
        row = session.get(SigningKeyRow, kid)
        if row is None:
            raise LicensorError("SIGNING_KEY_NOT_FOUND", f"No signing key {kid}; list them with "
                                "GET /v1/signing-keys.", {"kid": kid})
        if row.status == "active":
            raise LicensorError("SIGNING_KEY_ACTIVE", "The active signing key cannot be retired; "
                                "rotate first, then retire the old key.", {"kid": kid})
        before = row.status
        row.status, row.retired_at = "retired", now
        audit.record(session, actor=actor, action="signing_key.retired", entity_type="signing_key",
                     entity_id=kid, before={"status": before}, after={"status": "retired"},
                     now=now)
        self.invalidate()
        return row

    def import_private(self, session: Session, key: SigningKey, now: datetime,
                       actor: str) -> str:
        """Seal a private key into the database under its own kid (published kids never change):
        "imported" for a key the database names without its private half, "added" (verifying)
        for one it does not name, "present" when the database holds it already."""
        kid = kid_for(bytes(key.verify_key))
        row = session.get(SigningKeyRow, kid)
        if row is not None and row.private_key is not None:
            return "present"
        if row is None:
            row = SigningKeyRow(kid=kid, status="verifying", created_at=now,
                                public_key=base64.b64encode(bytes(key.verify_key)).decode())
            session.add(row)
            outcome = "added"
        else:
            outcome = "imported"
        row.private_key = self.seal(key)
        session.flush()
        audit.record(session, actor=actor, action="signing_key.imported",
                     entity_type="signing_key", entity_id=kid, before=None,
                     after={"kid": kid, "status": row.status, "outcome": outcome}, now=now)
        self._signers[kid] = key
        return outcome

    def export_private(self, session: Session) -> dict[str, SigningKey]:
        """Every private key this host can open (retired ones too), by kid."""
        return {row.kid: self._load_private(row.kid, row.private_key) for row in self.all(session)
                if row.private_key is not None or self._path(row.kid).exists()}

    def all(self, session: Session) -> list[SigningKeyRow]:
        return list(session.scalars(select(SigningKeyRow).order_by(SigningKeyRow.created_at)))

    # -- signing and verifying ---------------------------------------------------------------
    def signer(self, session: Session) -> tuple[str, SigningKey]:
        row = self.active(session)
        if row is None:
            raise LicensorError("SIGNING_KEY_NOT_FOUND", "No active signing key; start the "
                                "server once or run `licensor keys rotate`.", status=500)
        return row.kid, self._load_private(row.kid, row.private_key)

    def problem(self, session: Session) -> str | None:
        """Why this host cannot sign, or None: said at start and by GET /healthz."""
        try:
            self.signer(session)
        except LicensorError as exc:
            return f"{exc.code}: {exc.message}"
        return None

    def invalidate(self) -> None:
        with self._lock:
            self._verifier = None
            self._answer_signer = None

    def answer_signer(self, session: Session | Connection) -> tuple[str, SigningKey]:
        """The active key for signing answers (validate, update check), cached like the
        verifier: every answer is signed, so the key is not looked up for each one."""
        held = self._answer_signer
        if held is None or time.monotonic() - self._answer_signer_at > RELOAD_SECONDS:
            active = session.execute(_ACTIVE_KID).first()
            if active is None:
                raise LicensorError("SIGNING_KEY_NOT_FOUND", "No active signing key; start the "
                                    "server once or run `licensor keys rotate`.", status=500)
            held = (active[0], self._load_private(active[0], active[1]))
            with self._lock:
                self._answer_signer, self._answer_signer_at = held, time.monotonic()
        return held

    def verifier(self, session: Session | Connection, *, refresh: bool = False) -> Verifier:
        """Public keys that still validate, cached; reloaded every 30 s (other workers rotate)."""
        verifier = self._verifier
        if verifier is None or refresh or time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            rows = session.execute(select(SigningKeyRow.kid, SigningKeyRow.public_key)
                                   .where(SigningKeyRow.status != "retired")).all()
            verifier = Verifier({kid: base64.b64decode(pk) for kid, pk in rows})
            with self._lock:
                self._verifier, self._loaded_at = verifier, time.monotonic()
        return verifier

"""`licensor backup PATH` and `licensor restore PATH`: the database and the signing keys, together.

A backup without the private signing keys cannot issue a License Key again, and keys without the
database cannot say which licenses are revoked, so one file holds both: a tar archive with
`manifest.json`, the key-encryption key that opens the secrets sealed in the database
(`secret-key`, core/secrets.py), the database (SQLite through its online backup API, a
consistent copy while the server runs; PostgreSQL through `pg_dump --format=custom`, one snapshot) and `keys/` (private
keys of an installation from before keys lived in the database, not yet imported).

The file holds private keys and customers' addresses: it is created owner-only (0600), and it
must be kept like the keys themselves (docs/security.md). A restore goes into an empty data
directory and an empty database only; it never merges into a live installation.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from licensor import __version__
from licensor.config import Settings
from licensor.core.errors import LicensorError
from licensor.core.secrets import KEK_FILE, Sealer, decode_key, sealer_for

FORMAT = "licensor-backup-v1"
_KEY_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}\.ed25519$")


@dataclass(frozen=True)
class Report:
    path: Path
    database: str  # sqlite | postgresql
    keys: int


# -- the database's kind and the PostgreSQL tools -------------------------------------------

def _url(settings: Settings) -> URL:
    return make_url(settings.resolved_database_url)


def _kind(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        return "postgresql"
    raise LicensorError("BACKUP_KIND_MISMATCH", f"Backups support SQLite and PostgreSQL, not "
                        f"{url.get_backend_name()}.", {"database": url.get_backend_name()})


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's environment for the URL: the password never appears on a command line."""
    env = dict(os.environ)
    for var, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[var] = str(value)
    sslmode = url.query.get("sslmode")  # e.g. sslmode=require
    if isinstance(sslmode, str):
        env["PGSSLMODE"] = sslmode
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise LicensorError("PG_TOOLS_MISSING", f"{name} is not installed or not on PATH; "
                            "install the PostgreSQL client of the server's major version (e.g. "
                            "`apt-get install postgresql-client`).", {"tool": name})
    return path


def _tool_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if match is None:
        raise LicensorError("PG_TOOLS_MISSING", f"Cannot read the version of {path}: {out!r}.")
    return int(match.group(1))


def _server_major(url: URL) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    finally:
        engine.dispose()


def _require_major(tool: str, have: int, need: int, what: str) -> None:
    if have < need:
        raise LicensorError("PG_TOOLS_TOO_OLD", f"{tool} is version {have} but {what} is "
                            f"version {need}; install the PostgreSQL {need} client tools and try "
                            "again.", {"tool": tool, "tool_version": have, "needed": need})


# -- backup ------------------------------------------------------------------------------------

def backup(settings: Settings, path: Path, *, force: bool = False) -> Report:
    """Write the database and the signing keys to `path` (owner-only)."""
    url = _url(settings)
    kind = _kind(url)
    if path.exists() and not force:
        raise LicensorError("BACKUP_EXISTS", f"{path} exists already; choose another path or "
                            "pass --force to replace it.", {"path": str(path)})
    manifest: dict[str, Any] = {"format": FORMAT, "licensor_version": __version__,
                                "created_at": datetime.now(UTC).isoformat(), "database": kind}
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="licensor-backup-") as tmp:
        if kind == "sqlite":
            database_file = Path(tmp) / "database.sqlite"
            _sqlite_copy(Path(str(url.database)), database_file)
        else:
            database_file = Path(tmp) / "database.pgdump"
            pg_dump = _tool("pg_dump")
            server, tool = _server_major(url), _tool_major(pg_dump)
            _require_major("pg_dump", tool, server, "the database server")
            manifest.update(server_major=server, pg_dump_major=tool)
            _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(database_file)], _pg_env(url), "pg_dump")
        keys = sorted(p for p in settings.keys_dir.glob("*.ed25519") if p.is_file())
        manifest["keys"] = [p.name for p in keys]
        # The database holds the private keys sealed: the file must also hold what opens them.
        kek = (sealer_for(settings).key_text() + "\n").encode()
        manifest["secret_key"] = KEK_FILE
        partial = path.with_name(f".{path.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when a partial file of an earlier attempt was there
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
            tar.add(database_file, arcname=database_file.name)
            for key in keys:
                _add_bytes(tar, f"keys/{key.name}", key.read_bytes())
            _add_bytes(tar, KEK_FILE, kek)
        os.replace(partial, path)
    return Report(path, kind, len(keys))


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while the server writes."""
    if not source.exists():
        raise LicensorError("BACKUP_NOT_FOUND", f"There is no database at {source}; check "
                            "LICENSOR_HOME and LICENSOR_DATABASE_URL.", {"path": str(source)})
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, check=False, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise LicensorError("BACKUP_FAILED", f"{what} failed: {done.stderr.strip()[-1000:]}",
                            {"tool": what, "exit_code": done.returncode})


# -- restore -------------------------------------------------------------------------------------

def restore(settings: Settings, path: Path) -> Report:
    """Put a backup's database and keys into this (empty) installation."""
    if not path.is_file():
        raise LicensorError("BACKUP_NOT_FOUND", f"There is no backup file at {path}.",
                            {"path": str(path)})
    url = _url(settings)
    kind = _kind(url)
    try:
        tar = tarfile.open(path, mode="r:gz")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, OSError) as exc:
        raise _invalid(path, str(exc)) from None
    with tar, tempfile.TemporaryDirectory(prefix="licensor-restore-") as tmp:
        manifest = _manifest(tar, path)
        if manifest.get("database") != kind:
            raise LicensorError(
                "BACKUP_KIND_MISMATCH", f"This backup holds a {manifest.get('database')} "
                f"database but LICENSOR_DATABASE_URL names {kind}; restore into the same kind "
                "of database.", {"backup": manifest.get("database"), "target": kind})
        keys = [str(k) for k in manifest.get("keys", [])]
        if not all(_KEY_NAME.match(k) for k in keys):
            raise _invalid(path, "a key file name is not one Licensor writes")
        _check_keys_free(settings.keys_dir, {k: _member(tar, f"keys/{k}", path) for k in keys})
        kek = _member(tar, KEK_FILE, path) if manifest.get("secret_key") else None
        if kek is not None:
            _check_kek(settings, kek)
        member = "database.sqlite" if kind == "sqlite" else "database.pgdump"
        database_file = Path(tmp) / member
        database_file.write_bytes(_member(tar, member, path))
        if kind == "sqlite":
            _sqlite_restore(database_file, Path(str(url.database)))
        else:
            _pg_restore(database_file, url, manifest)
        _write_keys(settings.keys_dir, {k: _member(tar, f"keys/{k}", path) for k in keys})
        if kek is not None and settings.secret_key is None and settings.secret_key_file is None:
            _write_kek(settings.home / KEK_FILE, kek)
    return Report(path, kind, len(keys))


def _invalid(path: Path, why: str) -> LicensorError:
    return LicensorError("BACKUP_INVALID", f"{path} is not a Licensor backup ({why}); give the "
                         "file that `licensor backup` wrote.", {"path": str(path)})


def _member(tar: tarfile.TarFile, name: str, path: Path) -> bytes:
    """One named member's bytes; never extract by the archive's own names (no path tricks)."""
    try:
        handle = tar.extractfile(name)
    except KeyError:
        handle = None
    if handle is None:
        raise _invalid(path, f"{name} is missing")
    return handle.read()


def _manifest(tar: tarfile.TarFile, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(_member(tar, "manifest.json", path))
    except ValueError:
        raise _invalid(path, "manifest.json is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _invalid(path, f"the format is not {FORMAT}")
    return manifest


def _not_empty(what: str, where: str) -> LicensorError:
    return LicensorError("RESTORE_TARGET_NOT_EMPTY", f"{what} at {where} is not empty; restore "
                         "into a new data directory (LICENSOR_HOME) and an empty database, "
                         "never over a live installation.", {"target": where})


def _check_keys_free(keys_dir: Path, keys: dict[str, bytes]) -> None:
    for name, data in keys.items():
        existing = keys_dir / name
        if existing.exists() and existing.read_bytes() != data:
            raise _not_empty("The signing-key folder", str(keys_dir))


def _check_kek(settings: Settings, kek: bytes) -> None:
    """A host given its own KEK must be given the backup's; a single host takes the backup's
    into LICENSOR_HOME/secret-key, which must not hold another."""
    if settings.secret_key is None and settings.secret_key_file is None:
        existing = settings.home / KEK_FILE
        if existing.exists() and existing.read_bytes().strip() != kek.strip():
            raise _not_empty("The key-encryption key file", str(existing))
        return
    if Sealer(decode_key(kek.decode(), "the backup"), "the backup").kek_id != sealer_for(settings).kek_id:
        raise LicensorError("SECRET_KEY_MISMATCH", "This backup's secrets are sealed with "
                            "another key-encryption key than LICENSOR_SECRET_KEY(_FILE) gives; "
                            "unset it to restore the backup's own key into LICENSOR_HOME, or "
                            "give the key the backup was made with.", status=409)


def _write_kek(target: Path, kek: bytes) -> None:
    if target.exists():
        return  # the same key (checked before anything was written)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(kek)


def _write_keys(keys_dir: Path, keys: dict[str, bytes]) -> None:
    if not keys:
        return
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    for name, data in keys.items():
        target = keys_dir / name
        if target.exists():
            continue  # the same key (checked before anything was written)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)


def _sqlite_restore(source: Path, target: Path) -> None:
    if target.exists():
        conn = sqlite3.connect(target)
        try:
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                  ).fetchone()[0]
        finally:
            conn.close()
        if tables:
            raise _not_empty("The database", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)


def _pg_restore(dump: Path, url: URL, manifest: dict[str, Any]) -> None:
    pg_restore = _tool("pg_restore")
    tool = _tool_major(pg_restore)
    _require_major("pg_restore", tool, int(manifest.get("pg_dump_major", 0)),
                   "the pg_dump that wrote this backup")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN "
                "('pg_catalog', 'information_schema')")).scalar_one()
    finally:
        engine.dispose()
    if tables:
        raise _not_empty("The database", f"{url.host}/{url.database}")
    _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          "--dbname", str(url.database), str(dump)], _pg_env(url), "pg_restore")

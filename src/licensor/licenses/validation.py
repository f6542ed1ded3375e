"""The read connection of the validation hot path.

Every launch of a vendor's app validates its License Information, so `POST
/v1/licenses/validate` is served on the event loop itself: no threadpool hop, no ORM session,
one long-lived connection per process that only this path uses (the event loop is one thread,
so it is never shared between threads). Each validation runs `licenses.validate` on it, which
reads the license by primary key with a pre-built statement and never writes. The connection
is in autocommit mode (each SELECT is its own snapshot; no transaction stays open between
requests) and read-only at the database.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from json.encoder import JSONEncoder, encode_basestring
from typing import Any

from nacl.bindings import crypto_sign, crypto_sign_BYTES
from sqlalchemy import Select
from sqlalchemy.engine import Dialect

from licensor.core import signed_answers
from licensor.core.context import Context
from licensor.core.db import UTCDateTime
from licensor.licenses import service as licenses
from licensor.licenses.enums import LicenseStatus
from licensor.verify import UNKNOWN_KEY, VALID
from licensor.verify.answers import header_value, signed_message

PATH = "/v1/licenses/validate"
_pid = os.getpid()  # this process's, kept so that no request asks the kernel (a system call)


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)
_Compiled = tuple[str, Sequence[str] | None, dict[str, Any], list[tuple[int, Any]]]


class ReadOnlyConnection:
    """A raw DB-API connection in autocommit mode that runs SELECT statements only.

    It does what `Connection.execute` does for these few statements (compile once, convert
    the columns with the columns' own SQLAlchemy types, e.g. aware UTC datetimes) at a third of
    its cost. The database session is read-only too (SQLite `PRAGMA query_only`, PostgreSQL
    `default_transaction_read_only`), so a write here fails instead of happening.
    """

    def __init__(self, ctx: Context) -> None:
        engine = ctx.db.read_engine
        self._dialect: Dialect = engine.dialect
        self._fairy = engine.raw_connection()
        raw: Any = self._fairy.dbapi_connection
        if ctx.db.is_sqlite:
            raw.execute("PRAGMA query_only = ON")
        else:
            raw.autocommit = True
            raw.execute("SET default_transaction_read_only = on")
        self.dbapi_connection: Any = raw
        self._compiled: dict[int, tuple[Select[Any], _Compiled]] = {}
        self.errors: tuple[type[BaseException], ...] = (self._dialect.loaded_dbapi.Error,)

    def _compile(self, statement: Select[Any]) -> _Compiled:
        held = self._compiled.get(id(statement))
        if held is not None and held[0] is statement:
            return held[1]
        if not isinstance(statement, Select):
            raise TypeError("the validation connection runs SELECT statements only")
        compiled = statement.compile(dialect=self._dialect)
        processors = [self._processor(column.type) for column in statement.selected_columns]
        entry: _Compiled = (str(compiled), compiled.positiontup if compiled.positional else None,
                            dict(compiled.params),
                            [(i, convert) for i, convert in enumerate(processors) if convert])
        if len(self._compiled) < 32:  # the module's pre-built statements; others compile anew
            self._compiled[id(statement)] = (statement, entry)
        return entry

    def _processor(self, type_: Any) -> Any:
        """What converts the column's values as SQLAlchemy would; for a time on SQLite, the
        same conversion without its regular expression (`_sqlite_time`)."""
        convert = type_.dialect_impl(self._dialect).result_processor(self._dialect, None)
        if self._dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
            return functools.partial(_sqlite_time, convert)
        return convert

    def execute(self, statement: Select[Any], params: Mapping[str, Any] | None = None
                ) -> _Rows:
        sql, positions, defaults, converters = self._compile(statement)
        values = {**defaults, **params} if params else defaults
        cursor = self.dbapi_connection.cursor()
        try:
            cursor.execute(sql, [values[p] for p in positions] if positions is not None
                           else values)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not converters:
            return _Rows(rows)
        converted = _Rows()
        for row in rows:  # only the columns whose type converts (e.g. times to aware UTC)
            values_ = list(row)
            for i, convert in converters:
                values_[i] = convert(values_[i])
            converted.append(tuple(values_))
        return converted

    def first(self, statement: Select[Any], value: Any) -> Sequence[Any] | None:
        """The first row of a statement with one parameter, converted: `execute(...).first()`
        without the parameter dict, the cursor kept and closed, or the list of rows."""
        sql, positions, defaults, converters = self._compile(statement)
        row = self.dbapi_connection.execute(
            sql, (value,) if positions is not None else dict.fromkeys(defaults, value)).fetchone()
        if row is None or not converters:
            return row  # type: ignore[no-any-return]
        values = list(row)
        for i, convert in converters:
            values[i] = convert(values[i])
        return values

    def scalar(self, statement: Select[Any], params: Mapping[str, Any] | None = None) -> Any:
        row = self.execute(statement, params).first()
        return None if row is None else row[0]

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a broken connection may fail to close too
            self._fairy.invalidate()  # never hand a read-only autocommit session to the pool


def _sqlite_time(convert: Callable[[Any], datetime | None], value: Any) -> datetime | None:
    """A time as SQLite holds it ("2026-12-08 01:02:03.000000", written by the column's type),
    read by `datetime.fromisoformat` as aware UTC; anything else by SQLAlchemy's `convert`
    (tests/perf/test_validation_connection.py: both read every time alike)."""
    if type(value) is str and len(value) == 26 and value[10] == " " and value[19] == ".":
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return convert(value)


class _Rows(list[tuple[Any, ...]]):
    def first(self) -> tuple[Any, ...] | None:
        return self[0] if self else None

    def all(self) -> list[tuple[Any, ...]]:
        return list(self)


def _connection(ctx: Context) -> ReadOnlyConnection:
    held = ctx.validation_connection
    if held is not None and held[0] == _pid:  # a forked worker opens its own
        conn: ReadOnlyConnection = held[1]
        return conn
    conn = ReadOnlyConnection(ctx)
    ctx.validation_connection = (_pid, conn)
    return conn


def _drop(ctx: Context) -> None:
    held, ctx.validation_connection = ctx.validation_connection, None
    if held is not None and held[0] == _pid:
        held[1].close()


def validate(ctx: Context, license_name: str, license_key: str,
             product: str | None = None) -> dict[str, Any]:
    """`licenses.validate` on the hot path's connection, as the API's JSON answer."""
    conn = _connection(ctx)
    try:
        return licenses.validate(ctx, conn, license_name, license_key,  # type: ignore[arg-type]
                                 product).to_json()
    except conn.errors:
        _drop(ctx)  # the database restarted or dropped us: reconnect once
        return licenses.validate(ctx, _connection(ctx), license_name,  # type: ignore[arg-type]
                                 license_key, product).to_json()


def validate_signed(ctx: Context, license_name: str, license_key: str, product: str | None,
                    nonce: str | None) -> tuple[bytes, str]:
    """The signed answer: (body bytes, Licensor-Signature value)."""
    issued_at = signed_answers.issued_at_now()
    conn = _connection(ctx)
    try:
        return _signed(ctx, conn, license_name, license_key, product, nonce, issued_at)
    except conn.errors:
        # The database restarted or dropped us: reconnect once; a second failure is a 500.
        _drop(ctx)
        return _signed(ctx, _connection(ctx), license_name, license_key, product, nonce,
                        issued_at)


def close(ctx: Context) -> None:
    _drop(ctx)


# -- the answer, composed as the route's JSON encoder writes it ---------------------------------

_MESSAGE = signed_message(PATH, b"")  # "POST <path>\n", then the body
_string = encode_basestring  # what the route's encoder (ensure_ascii=False) writes for a str
_encode = JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # signed_answers' own


def _json(value: Any) -> str:
    if value is None:
        return "null"
    if type(value) is str:
        return _string(value)  # type: ignore[no-any-return]
    if type(value) is int:
        return int.__repr__(value)
    return _encode(value)  # an int, or a str enum (written as its text)


def _signed(ctx: Context, conn: ReadOnlyConnection, license_name: str, license_key: str,
            product: str | None, nonce: str | None, issued_at: str) -> tuple[bytes, str]:
    """`licenses.validate`, then the answer `signed_answers.sign_with` gives for it, byte for
    byte (tests/perf/test_validate_answer.py): the same verdict, read with one lookup whose
    row stays a tuple, written straight into the answer's JSON text."""
    verdict = licenses.verify_signature(ctx, conn, license_name, license_key,  # type: ignore[arg-type]
                                        product)
    claims = verdict.claims
    if verdict.code != VALID or claims is None:
        head = f'{{"valid":false,"code":{_string(verdict.code)},"license":null'
    else:
        found = conn.first(licenses._LICENSE_BY_ID, claims.license_id)  # type: ignore[arg-type]
        if found is None:
            head = f'{{"valid":false,"code":"{UNKNOWN_KEY}","license":null'
        else:
            head = _with_license(found, claims.issued_at)
    body = f'{head},"issued_at":{_string(issued_at)},"nonce":{_json(nonce)}}}'.encode()
    kid, key = ctx.keyring.answer_signer(conn)  # type: ignore[arg-type]
    signature = crypto_sign(_MESSAGE + body, signed_answers._secret(key))[:crypto_sign_BYTES]
    return body, header_value(kid, signature)


def _with_license(found: Sequence[Any], key_issued_at: int) -> str:
    """The answer's start for a key whose license is found (service.validate's verdict)."""
    lid, prod, seats, status, maint, major, superseded_by, issued = found
    valid = "true"
    if status == LicenseStatus.REVOKED:
        code, valid = "REVOKED", "false"
    elif status == LicenseStatus.SUPERSEDED:
        code = "SUPERSEDED"
    elif int(issued.timestamp()) != key_issued_at:  # an earlier key of this same license
        code, superseded_by = "SUPERSEDED", lid
    else:
        code = "VALID"
    until = "null" if maint is None else f'"{maint.isoformat().replace("+00:00", "Z")}"'
    return (f'{{"valid":{valid},"code":"{code}","license":{{"id":{_json(lid)},'
            f'"product":{_json(prod)},"seats":{_json(seats)},"status":{_json(status)},'
            f'"maintenance_until":{until},"major_version":{_json(major)},'
            f'"superseded_by":{_json(superseded_by)}}}')

"""The hot path's read connection (licenses/validation.py) reads rows as SQLAlchemy would, with
less work: times on SQLite without SQLAlchemy's regular expression, and no system call per
request to learn which process it runs in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.dialects import sqlite

from licensor.core.context import Context
from licensor.core.db import UTCDateTime
from licensor.licenses import service as licenses
from licensor.licenses import validation
from licensor.licenses.models import LicenseRow
from licensor.verify import name_digest
from tests.builders import create_license


@pytest.fixture(autouse=True)
def closed_after(ctx: Context) -> Iterator[None]:
    """The read-only connection a test opens is closed after it, never handed to the pool."""
    yield
    validation.close(ctx)

DIALECT = sqlite.dialect()
SQLALCHEMY = UTCDateTime().dialect_impl(DIALECT).result_processor(DIALECT, None)
STORE = UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
times = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31),
                     timezones=st.just(UTC))


@given(times)
@settings(max_examples=300)
def test_a_time_as_sqlite_holds_it_is_read_as_sqlalchemy_reads_it(moment: datetime) -> None:
    stored = STORE(moment)  # the text SQLite keeps, written by the column's type
    assert isinstance(stored, str)
    read = validation._sqlite_time(SQLALCHEMY, stored)
    assert read == SQLALCHEMY(stored) == moment and read.tzinfo is UTC


@pytest.mark.parametrize("text", ["2026-12-08 01:02:03", "2026-12-08", "2026-12-08T01:02:03Z",
                                  None])
def test_any_other_text_is_left_to_sqlalchemy(text: str | None) -> None:
    assert validation._sqlite_time(SQLALCHEMY, text) == SQLALCHEMY(text)


def test_the_rows_read_are_aware_utc(ctx: Context) -> None:
    row = create_license(ctx)
    later = datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    with ctx.db.transaction() as session:
        session.execute(update(LicenseRow).where(LicenseRow.id == row.id)
                        .values(maintenance_until=later))
    found = validation._connection(ctx).first(licenses._LICENSE_BY_ID, row.id)
    assert found is not None
    assert found[4] == later and found[4].tzinfo is not None
    assert found[7].utcoffset() == timedelta(0)


def test_a_forked_process_knows_the_connection_is_not_its_own(ctx: Context) -> None:
    held = validation._connection(ctx)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child knows it is another process, so it would not use the parent's
        # connection (opening one here would take the parent's pooled one: not tried)
        held_by = ctx.validation_connection[0] if ctx.validation_connection else None
        ok = validation._pid == os.getpid() and held_by not in (None, validation._pid)
        os.write(writer, b"1" if ok else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(reader, 1) == b"1"
    assert validation._connection(ctx) is held


def test_a_license_name_is_digested_once_for_its_many_launches() -> None:
    name = "Digested Once Ltd"
    before = name_digest.cache_info()
    first = name_digest(name)
    assert name_digest(name) == first
    after = name_digest.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses + 1
    with pytest.raises(ValueError):  # a name outside Unicode 14.0: refused every time
        name_digest("\U000e01f0x")
    with pytest.raises(ValueError):
        name_digest("\U000e01f0x")

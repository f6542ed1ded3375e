"""`licensor licenses import` / `bulk-issue`: batches in transactions, resumable, bad rows
reported with their row numbers, marketplace licenses with their SEN."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from licensor.bulk import service as bulk
from licensor.bulk.models import ImportJobRow, ImportJobRowRow
from licensor.cli import app
from licensor.core.context import Context
from licensor.core.errors import LicensorError
from licensor.core.models import AuditRow
from licensor.licenses import service as licenses
from licensor.licenses.models import LicenseRow

HEADER = "product,seats,license_name,email,sen,purchased_at,maintenance_until\n"


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def desktop_rows(count: int) -> list[str]:
    return [f"desktop,{i % 7 + 1},Customer {i} Ltd,buyer{i}@example.test,,2025-03-0{i % 9 + 1},"
            for i in range(count)]


def count(ctx: Context, what: object) -> int:
    with ctx.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)  # type: ignore[arg-type]


def test_a_100_row_import_makes_100_valid_licenses_in_batches(ctx: Context,
                                                                tmp_path: Path) -> None:
    audit_before = count(ctx, AuditRow)
    source = write_csv(tmp_path / "licenses.csv", desktop_rows(100))
    result = bulk.run(ctx, source, kind="import", batch_size=30)
    assert (result.total, result.imported_now, result.batches) == (100, 100, 4)
    assert count(ctx, LicenseRow) == 100
    assert count(ctx, AuditRow) - audit_before == 4  # one audit entry per batch
    with ctx.db.transaction() as session:
        job = session.get(ImportJobRow, result.job_id)
        assert job is not None and (job.status, job.done_rows) == ("done", 100)
        row = session.scalars(select(LicenseRow).where(
            LicenseRow.license_name == "Customer 5 Ltd")).one()
        assert (row.seats, row.channel, row.purchased_at.isoformat()) == (
            6, "direct", "2025-03-06T00:00:00+00:00")
        verdict = licenses.validate(ctx, session, row.license_name, row.license_key)
        assert verdict.code == "VALID"
    info = bulk.license_information(ctx, result.job_id)
    assert [r["row"] for r in info] == list(range(2, 102))


def test_an_interrupted_import_resumes_without_duplicates(ctx: Context, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "licenses.csv", desktop_rows(100))
    batches = 0

    def crash_in_third_batch(_n: int) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise KeyboardInterrupt  # e.g. Ctrl-C or a killed process, mid-transaction

    with pytest.raises(KeyboardInterrupt):
        bulk.run(ctx, source, kind="import", batch_size=25, on_batch=crash_in_third_batch)
    assert count(ctx, LicenseRow) == 50  # the third batch rolled back whole
    resumed = bulk.run(ctx, source, kind="import", batch_size=25)
    assert (resumed.resumed, resumed.already_done, resumed.imported_now) == (True, 50, 50)
    again = bulk.run(ctx, source, kind="import", batch_size=25)
    assert (again.already_done, again.imported_now) == (100, 0)
    assert count(ctx, LicenseRow) == count(ctx, ImportJobRowRow) == 100
    with ctx.db.transaction() as session:
        names = session.scalars(select(LicenseRow.license_name)).all()
    assert len(set(names)) == 100


def test_bad_rows_are_reported_with_row_numbers_and_codes(ctx: Context,
                                                          tmp_path: Path) -> None:
    lines = desktop_rows(6)
    lines[1] = "no-such-product,3,Bad Product Co,a@example.test,,,"
    lines[3] = "desktop,lots,Bad Seats Co,b@example.test,,,"
    lines[4] = "desktop,3,Bad Mail Co,not-an-email,,,"
    lines[5] = "desktop,3,Bad Date Co,c@example.test,,yesterday,"
    source = write_csv(tmp_path / "bad.csv", lines)
    with pytest.raises(LicensorError) as caught:
        bulk.run(ctx, source, kind="import")
    assert caught.value.code == "INVALID_REQUEST"
    rows = caught.value.details["rows"]
    assert [(r["row"], r["code"]) for r in rows] == [
        (3, "UNKNOWN_PRODUCT"), (5, "INVALID_SEATS"), (6, "INVALID_REQUEST"),
        (7, "INVALID_REQUEST")]
    assert "email" in rows[2]["message"] and "purchased_at" in rows[3]["message"]
    assert count(ctx, LicenseRow) == 0


def test_a_file_without_the_required_columns_is_refused(ctx: Context, tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_text("product,license_name\ndesktop,Acme\n")
    with pytest.raises(LicensorError) as caught:
        bulk.run(ctx, source, kind="import")
    assert caught.value.details["missing"] == ["seats", "email"]


def test_marketplace_import_keeps_each_sen(ctx: Context, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "market.csv", [
        "confluence-server,25,Market One,one@example.test,SEN-L100001,2025-01-15,2026-01-15",
        "jira-server,,Market Two,two@example.test,SEN-L100002,,",
    ])
    bulk.run(ctx, source, kind="import", channel="marketplace")
    with ctx.db.transaction() as session:
        found = {r.sen: r for r in session.scalars(select(LicenseRow))}
    assert set(found) == {"SEN-L100001", "SEN-L100002"}
    assert found["SEN-L100001"].channel == "marketplace"
    assert found["SEN-L100001"].maintenance_until.isoformat() == "2026-01-15T00:00:00+00:00"
    assert found["SEN-L100002"].seats is None  # the unlimited tier

    again = write_csv(tmp_path / "again.csv", [
        "jira-server,10,Taken Co,t@example.test,SEN-L100001,,",
        "jira-server,10,No Sen Co,n@example.test,,,",
        "desktop,10,Direct Only Co,d@example.test,SEN-L9,,",
        "jira-server,10,Twice A,a@example.test,SEN-L7,,",
        "jira-server,10,Twice B,b@example.test,SEN-L7,,",
    ])
    with pytest.raises(LicensorError) as caught:
        bulk.run(ctx, again, kind="import", channel="marketplace")
    assert [(r["row"], r["code"]) for r in caught.value.details["rows"]] == [
        (2, "INVALID_REQUEST"), (3, "INVALID_REQUEST"), (4, "INVALID_REQUEST"),
        (6, "INVALID_REQUEST")]
    messages = [r["message"] for r in caught.value.details["rows"]]
    assert "already belongs" in messages[0] and "needs its SEN" in messages[1]
    assert "marketplace channel" in messages[2] and "row 5" in messages[3]


def test_bulk_issue_issues_as_of_now_and_refuses_past_dates(ctx: Context,
                                                            tmp_path: Path) -> None:
    source = write_csv(tmp_path / "new.csv", ["desktop,5,New Co,new@example.test,,,"])
    result = bulk.run(ctx, source, kind="bulk-issue")
    assert result.imported_now == 1
    with ctx.db.transaction() as session:
        row = session.scalars(select(LicenseRow)).one()
        assert row.purchased_at == row.created_at
    dated = write_csv(tmp_path / "dated.csv", desktop_rows(1))
    with pytest.raises(LicensorError) as caught:
        bulk.run(ctx, dated, kind="bulk-issue")
    assert "licenses import" in caught.value.details["rows"][0]["message"]


Run = Callable[..., str]


@pytest.fixture
def cli(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("LICENSOR_HOME", str(ctx.settings.home))
    monkeypatch.setenv("LICENSOR_DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("LICENSOR_SANDBOX", "1")
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["licenses", *args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_cli_import_with_marketplace_channel_and_keys_out(cli: Run, ctx: Context,
                                                          tmp_path: Path) -> None:
    source = write_csv(tmp_path / "m.csv", [
        "confluence-server,10,Cli Market,m@example.test,SEN-L555,2025-02-01,"])
    keys = tmp_path / "keys.csv"
    out = cli("import", "--channel", "marketplace", "--keys-out", str(keys), str(source))
    assert "Imported 1 license(s)" in out
    with keys.open(encoding="utf-8") as fh:
        (written,) = list(csv.DictReader(fh))
    assert (written["row"], written["sen"], written["license_name"]) == ("2", "SEN-L555",
                                                                        "Cli Market")
    with ctx.db.transaction() as session:
        verdict = licenses.validate(ctx, session, "Cli Market", written["license_key"])
    assert verdict.code == "VALID"
    assert "0 license(s)" in cli("import", "--channel", "marketplace", str(source))


def test_cli_reports_bad_rows_and_exits_2(cli: Run, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "b.csv", ["desktop,0,Zero Seats,z@example.test,,,"])
    out = cli("bulk-issue", str(source), code=2)
    assert "INVALID_SEATS" in out and "INVALID_REQUEST" in out


def test_an_imported_license_key_is_the_one_a_single_issue_would_sign(ctx: Context,
                                                                      tmp_path: Path) -> None:
    source = write_csv(tmp_path / "licenses.csv", desktop_rows(1))
    bulk.run(ctx, source, kind="import")
    with ctx.db.transaction() as session:
        row = session.scalars(select(LicenseRow)).one()
        kid, signing_key = ctx.keyring.signer(session)
        assert row.kid == kid
        assert row.license_key == licenses.license_key(
            kid, signing_key, license_id=row.id, product=row.product, seats=row.seats,
            license_name=row.license_name, issued=row.issued_at,
            maintenance_until=row.maintenance_until, major_version=row.major_version)

"""The CLI's records as JSON, the sandbox clock, the catalog, job progress and `./run` help."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _issue(cli) -> dict:
    return json.loads(cli("licenses", "issue", "desktop", "--seats", "2", "--name", "Acme Inc",
                          "--email", "a@acme.test"))


def test_records_print_as_json(cli) -> None:
    lic = _issue(cli)
    listed = json.loads(cli("licenses", "list", "--email", "a@acme.test", "--json"))
    assert [(r["id"], r["seats"], r["status"]) for r in listed] == [(lic["id"], 2, "active")]
    keys = json.loads(cli("keys", "list", "--json"))
    assert keys and {"kid", "status", "public_key"} <= set(keys[0])
    cli("tokens", "create", "ops")
    tokens = json.loads(cli("tokens", "list", "--json"))
    assert [(t["name"], t["status"], t["expires_at"]) for t in tokens] == [("ops", "active",
                                                                             None)]
    assert json.loads(cli("audit", "verify", "--json"))["ok"] is True
    revoked = json.loads(cli("licenses", "revoke", lic["id"], "chargeback", "--json"))
    assert revoked["id"] == lic["id"] and revoked["status"] == "revoked"


def test_bulk_import_prints_its_job_as_json(cli, tmp_path: Path) -> None:
    source = tmp_path / "old.csv"
    source.write_text("product,seats,license_name,email,sen,purchased_at,maintenance_until\n"
                      "desktop,3,Old Co,o@old.test,,2014-05-01,\n", encoding="utf-8")
    job = json.loads(cli("licenses", "import", str(source), "--json"))
    assert (job["total"], job["imported_now"], job["already_done"]) == (1, 1, 0)
    again = json.loads(cli("licenses", "import", str(source), "--json"))
    assert (again["job_id"], again["imported_now"], again["resumed"]) == (job["job_id"], 0, True)


def test_offline_verify_prints_the_claims_as_json(cli) -> None:
    lic = _issue(cli)
    out = json.loads(cli("licenses", "verify", "--name", "Acme Inc", "--key",
                         lic["license_key"], "--offline"))
    assert out["valid"] is True and out["code"] == "VALID"
    assert out["claims"]["license_id"] == lic["id"] and out["claims"]["seats"] == 2
    assert isinstance(out["claims"]["issued_at"], int)


def test_jobs_run_reports_each_job_with_its_count(cli) -> None:
    from licensor.core import jobs

    out = cli("jobs", "run")
    names = [job.name for job in jobs.registered()]
    assert names
    for name in names:
        assert any(line.split()[:2] == [name, "0"] for line in out.splitlines()), out
    assert "all jobs" in out
    # Reconciliation of payments in doubt runs first, before the jobs (money that may have moved).
    assert set(json.loads(cli("jobs", "run", "--json"))) == {"payments_reconcile", *names}


def test_clock_show_set_advance(cli) -> None:
    assert json.loads(cli("clock", "show", "--json"))["frozen"] is False
    assert json.loads(cli("clock", "set", "2016-01-31T00:00:00Z")) == {
        "now": "2016-01-31T00:00:00Z"}
    shown = json.loads(cli("clock", "show", "--json"))
    assert shown == {"now": "2016-01-31T00:00:00Z", "frozen": True}
    moved = json.loads(cli("clock", "advance", "1d"))
    assert moved["now"] == "2016-02-01T00:00:00Z" and isinstance(moved["jobs"], dict)
    assert json.loads(cli("clock", "advance", "3600"))["now"] == "2016-02-01T01:00:00Z"
    assert "INVALID_TIME" in cli("clock", "set", "2016-01-31", code=2)
    assert "INVALID_DURATION" in cli("clock", "advance", "soon", code=2)


def test_clock_is_refused_outside_sandbox(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LICENSOR_SANDBOX", "0")
    for args in (("show",), ("set", "2016-01-31T00:00:00Z"), ("advance", "60")):
        assert "NOT_SANDBOX" in cli("clock", *args, code=2)


def test_catalog_show_and_edit(cli, tmp_path: Path) -> None:
    desktop = json.loads(cli("catalog", "show", "desktop"))
    assert desktop["code"] == "desktop"
    catalog = json.loads(cli("catalog", "show"))
    assert "desktop" in [p["code"] for p in catalog["products"]]

    desktop["name"] = "Balsamiq Mockups for Desktop (2016)"
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"products": [desktop]}))
    assert "1 product(s)" in cli("catalog", "edit", str(good))
    assert json.loads(cli("catalog", "show", "desktop"))["name"] == desktop["name"]

    broken = dict(desktop, name="")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([broken]))
    out = cli("catalog", "edit", str(bad), code=2)
    assert "INVALID_CATALOG" in out and "(name)" in out and "desktop" in out
    assert json.loads(cli("catalog", "show", "desktop"))["name"] == desktop["name"]

    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    assert "INVALID_CATALOG" in cli("catalog", "edit", str(garbage), code=2)


def test_run_without_a_word_prints_help_and_serves_nothing() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LICENSOR_")}
    done = subprocess.run([str(ROOT / "run")], capture_output=True, text=True, timeout=120,
                          env=env, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr
    assert "./run serve" in done.stdout and "./run test" in done.stdout
    assert "Commands" in done.stdout and "Licensor on http" not in done.stdout

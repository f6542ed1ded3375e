"""`licensor releases add|list` and `licensor updates check` on the same database as the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from licensor.core.context import Context
from tests.builders import create_license
from tests.conftest import Run


def test_releases_add_and_list(cli: Run) -> None:
    added = json.loads(cli("releases", "add", "jira-server", "3.11.0",
                           "--released-at", "2018-06-01T09:00:00+02:00"))
    assert added == {"product": "jira-server", "version": "3.11.0",
                     "released_at": "2018-06-01T07:00:00Z", "channel": "stable", "notes": "",
                     "created": True}
    assert json.loads(cli("releases", "add", "jira-server", "3.11.0", "--released-at",
                          "2018-06-02"))["created"] is False
    listed = json.loads(cli("releases", "list", "jira-server", "--json"))
    versions = [r["version"] for r in listed]
    assert versions.index("3.11.0") == versions.index("3.10.0") + 1
    assert "3.11.0" in cli("releases", "list", "jira-server")
    assert "INVALID_VERSION" in cli("releases", "add", "jira-server", "3.x", code=2)
    assert "UNKNOWN_PRODUCT" in cli("releases", "list", "nope", code=2)
    cli("releases", "add", "jira-server", "3.12.0", "--released-at", "yesterday", code=2)


def test_updates_check(cli: Run, ctx: Context) -> None:
    lic = create_license(ctx, product="confluence-server", seats=10,
                         purchased_at=datetime(2015, 3, 11, 16, tzinfo=UTC))
    args = ("updates", "check", "--name", lic.license_name, "--key", lic.license_key)
    ok = json.loads(cli(*args, "--version", "3.3.0"))
    assert (ok["allowed"], ok["reason"], ok["latest_allowed"]) == (True, "ALLOWED", "3.3.0")
    late = json.loads(cli(*args, "--version", "3.4.0", code=1))
    assert late["reason"] == "MAINTENANCE_EXPIRED"
    assert late["maintenance_until"] == "2016-03-11T16:00:00Z"
    bad = cli("updates", "check", "--name", "Nobody", "--key", lic.license_key,
              "--version", "3.0.0", code=2)
    assert "INVALID_LICENSE" in bad

"""Staff accounts (API and CLI), console log-in, sessions, lockout and roles."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from licensor.core.context import Context
from licensor.core.web.console import STAFF_COOKIE
from licensor.staff.models import StaffSessionRow
from tests.conftest import ADMIN, Run
from tests.portal.helpers import csrf, field_error
from tests.staff.helpers import PASSWORD, console_post, issue, log_in, make_staff


def test_staff_api_adds_lists_and_removes(client: TestClient) -> None:
    made = make_staff(client, "support")
    assert set(made) == {"id", "email", "role"} and made["role"] == "support"
    listed = client.get("/v1/staff", headers=ADMIN).json()["data"]
    assert made in listed
    again = client.post("/v1/staff", json={"email": made["email"].upper(), "password": PASSWORD,
                                           "role": "admin"}, headers=ADMIN)
    assert again.status_code == 409 and again.json()["error"]["code"] == "STAFF_EXISTS"
    assert client.delete(f"/v1/staff/{made['id']}", headers=ADMIN).status_code == 204
    gone = client.delete(f"/v1/staff/{made['id']}", headers=ADMIN)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "STAFF_NOT_FOUND"


def test_staff_api_needs_the_admin_token_and_a_good_body(client: TestClient) -> None:
    body = {"email": "x@vendor.test", "password": PASSWORD, "role": "admin"}
    assert client.post("/v1/staff", json=body).status_code == 401
    short = client.post("/v1/staff", json={**body, "password": "short"}, headers=ADMIN)
    assert short.status_code == 422
    assert short.json()["error"]["details"]["field"] == "password"
    role = client.post("/v1/staff", json={**body, "role": "owner"}, headers=ADMIN)
    assert role.status_code == 422


def test_cli_staff_add_with_password_stdin(cli: Run, client: TestClient, ctx: Context) -> None:
    from typer.testing import CliRunner

    from licensor.cli import app

    result = CliRunner().invoke(app, ["staff", "add", "ops@vendor.test", "--role", "support",
                                      "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert '"role": "support"' in result.output
    token = csrf(client, "/admin/login")
    r = client.post("/admin/login", data={"csrf_token": token, "email": "ops@vendor.test",
                                          "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303


def test_console_needs_a_login_and_logs_out(client: TestClient) -> None:
    r = client.get("/admin/licenses?q=acme", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/admin/login?next=/admin/licenses%3Fq%3Dacme"
    page = client.get("/admin/login")
    assert 'for="email">Email<' in page.text and 'for="password">Password<' in page.text
    assert ">Log in</button>" in page.text
    log_in(client)
    assert client.get("/admin/licenses").status_code == 200
    token = csrf(client, "/admin/licenses")
    out = client.post("/admin/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.delete(STAFF_COOKIE)
    assert client.get("/admin/licenses", follow_redirects=False).status_code == 303


def test_a_wrong_password_is_refused_next_to_the_field_and_locks_after_ten(
        client: TestClient) -> None:
    member = make_staff(client)
    for _ in range(10):
        token = csrf(client, "/admin/login")
        r = client.post("/admin/login", data={"csrf_token": token, "email": member["email"],
                                              "password": "wrong"})
        assert r.status_code == 401
        assert "wrong" in (field_error(r.text, "password") or "")
    token = csrf(client, "/admin/login")
    r = client.post("/admin/login", data={"csrf_token": token, "email": member["email"],
                                          "password": PASSWORD})
    assert r.status_code == 429 and "locked" in (field_error(r.text, "password") or "")
    # The member is told once, by mail, and the lock is in the audit log.
    outbox = client.get(f"/v1/sandbox/outbox?to={member['email']}",
                        headers=ADMIN).json()["data"]
    assert [m["subject"] for m in outbox] == ["Sign-in to the console is locked"]
    assert f"wrong password for {member['email']}" in outbox[0]["body"]
    log_in(client)  # another member reads the audit log
    assert "staff.locked" in client.get("/admin/audit?entity_type=staff").text


def test_a_session_expires_after_twelve_hours_unused(client: TestClient, ctx: Context) -> None:
    log_in(client)
    assert client.get("/admin/licenses").status_code == 200
    with ctx.db.transaction() as session:
        for row in session.query(StaffSessionRow).all():
            row.last_used_at -= timedelta(hours=12, seconds=1)
    assert client.get("/admin/licenses", follow_redirects=False).status_code == 303


def test_a_form_without_csrf_is_refused(client: TestClient) -> None:
    log_in(client)
    lic = issue(client)
    r = client.post(f"/admin/licenses/{lic['id']}/revoke", data={"reason": "fraud"})
    assert r.status_code == 403 and "CSRF_TOKEN_INVALID" in r.text
    assert client.get(f"/v1/licenses/{lic['id']}", headers=ADMIN).json()["status"] == "active"


def test_support_may_resend_but_not_revoke(client: TestClient, ctx: Context) -> None:
    log_in(client, "support")
    lic = issue(client)
    page = client.get(f"/admin/licenses/{lic['id']}")
    assert ">Resend License Information</button>" in page.text
    assert ">Revoke</button>" not in page.text
    r = console_post(client, f"/admin/licenses/{lic['id']}/revoke", {"confirmed": "yes", "reason": "fraud"},
                     f"/admin/licenses/{lic['id']}")
    assert r.status_code == 403 and "FORBIDDEN" in r.text
    sent = console_post(client, f"/admin/licenses/{lic['id']}/resend", {},
                        f"/admin/licenses/{lic['id']}")
    assert sent.status_code == 303
    shown = client.get(sent.headers["location"]).text
    assert "sent again to " + lic["email"] in shown
    assert "license.information_resent" in shown and "staff:support-" in shown


def test_cli_asks_the_password_lists_and_removes(cli: Run, client: TestClient) -> None:
    from typer.testing import CliRunner

    from licensor.cli import app

    asked = CliRunner().invoke(app, ["staff", "add", "lead@vendor.test", "--role", "admin"],
                               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert asked.exit_code == 0, asked.output
    assert "Password" in asked.output and '"role": "admin"' in asked.output
    listed = cli("staff", "list")
    assert "lead@vendor.test" in listed
    staff_id = next(m["id"] for m in client.get("/v1/staff", headers=ADMIN).json()["data"]
                    if m["email"] == "lead@vendor.test")
    short = CliRunner().invoke(app, ["staff", "add", "x@vendor.test", "--role", "support",
                                     "--password-stdin"], input="short\n")
    assert short.exit_code == 2 and "INVALID_REQUEST" in short.output
    assert f"Removed {staff_id}" in cli("staff", "remove", staff_id)
    assert "lead@vendor.test" not in cli("staff", "list")
    cli("staff", "remove", staff_id, code=2)


def test_a_refusal_page_keeps_the_console_header(client: TestClient) -> None:
    member = log_in(client, "support")
    r = client.get("/admin/licenses/lic_unknown")
    assert r.status_code == 404 and "LICENSE_NOT_FOUND" in r.text
    assert f"{member['email']} (support)" in r.text

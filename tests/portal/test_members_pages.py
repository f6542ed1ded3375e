"""The members page: the owner invites by Email and Role (someone with an account joins at
once; someone without one is mailed, through a real SMTP server, and joins on signing up) and
removes members and pending invitations. Every form redirects after it acts."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from licensor.core.context import Context
from tests.core.smtp_servers import SmtpServer
from tests.portal.helpers import field_error, post
from tests.portal.test_account_self_service import mailed, mails_to, sign_up, smtp, text_of, web

__all__ = ["mailed", "smtp", "web"]  # the fixtures, imported to be used here


def new_site(web: TestClient) -> str:
    r = post(web, "/sites", {"action": "create", "name": "Rocket Co"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    found = re.search(r"/sites/([0-9a-f-]{36})", r.headers["location"])
    assert found, r.headers["location"]
    return found.group(1)


def rows(web: TestClient, site: str) -> str:
    return web.get(f"/sites/{site}/members").text


def test_an_invited_person_without_an_account_joins_on_signing_up(
        web: TestClient, mailed: Context, smtp: SmtpServer) -> None:
    sign_up(web, "owner@acme.test")
    site = new_site(web)
    members = f"/sites/{site}/members"
    r = post(web, members, {"action": "invite", "email": "Newbie@acme.test", "role": "staff"},
             follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, members + "?done=invited")
    assert "Invited, not signed up yet" in rows(web, site)
    [message] = mails_to(smtp, "Newbie@acme.test")
    assert message["Subject"] == "Ana Diaz invited you to Rocket Co"
    assert "/signup" in text_of(message) and "/v1/" not in text_of(message)

    web.cookies.clear()
    sign_up(web, "newbie@acme.test")  # the address in any case
    assert "Rocket Co" in web.get("/sites").text
    assert web.get(members).status_code == 200
    web.cookies.clear()
    assert post(web, "/login", {"email": "owner@acme.test", "password": "old-pw"},
                follow_redirects=False).status_code == 303
    page = rows(web, site)
    assert "Invited, not signed up yet" not in page
    assert re.search(r"<td>newbie@acme.test</td><td>Staff</td>", page)


def test_the_owner_removes_a_member_and_an_invitation(web: TestClient, mailed: Context,
                                                      smtp: SmtpServer) -> None:
    sign_up(web, "bo@acme.test")
    web.cookies.clear()
    sign_up(web, "owner@acme.test")
    site = new_site(web)
    members = f"/sites/{site}/members"
    added = post(web, members, {"action": "invite", "email": "bo@acme.test", "role": "member"},
                 follow_redirects=False)
    assert added.headers["location"] == members + "?done=added"  # has an account: no mail
    post(web, members, {"action": "invite", "email": "cy@acme.test", "role": "member"})
    page = rows(web, site)
    bo = re.search(r'name="member" value="([^"]+)"><button type="submit" '
                   r'aria-label="Remove [^"]*bo@acme.test', page)
    cy = re.search(r'name="member" value="([^"]+)"><button type="submit" '
                   r'aria-label="Remove cy@acme.test', page)
    assert bo and cy
    for member in (bo.group(1), cy.group(1)):
        r = post(web, members, {"action": "remove", "member": member}, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, members + "?done=removed")
    page = rows(web, site)
    assert "bo@acme.test" not in page and "cy@acme.test" not in page
    again = post(web, members, {"action": "remove", "member": bo.group(1)})
    assert again.status_code == 404 and "not on the site" in again.text
    assert [m["To"] for m in mails_to(smtp, "cy@acme.test")] == ["cy@acme.test"]

    web.cookies.clear()  # bo is off the site, and a later sign-up of cy joins nothing
    assert post(web, "/login", {"email": "bo@acme.test", "password": "old-pw"},
                follow_redirects=False).status_code == 303
    assert web.get(members).status_code == 404
    web.cookies.clear()
    sign_up(web, "cy@acme.test")
    assert "Rocket Co" not in web.get("/sites").text


def test_invite_refusals_are_shown_next_to_the_email_field(web: TestClient) -> None:
    sign_up(web, "owner@acme.test")
    site = new_site(web)
    members = f"/sites/{site}/members"
    bad = post(web, members, {"action": "invite", "email": "not an address", "role": "member"})
    assert bad.status_code == 422 and field_error(bad.text, "email") == \
        "Enter an email address such as ana@example.com."
    me = post(web, members, {"action": "invite", "email": "owner@acme.test", "role": "member"})
    assert me.status_code == 422 and "owner" in (field_error(me.text, "email") or "")


def test_only_the_owner_sees_invite_and_remove(web: TestClient, mailed: Context,
                                               smtp: SmtpServer) -> None:
    sign_up(web, "bo@acme.test")
    web.cookies.clear()
    sign_up(web, "owner@acme.test")
    site = new_site(web)
    post(web, f"/sites/{site}/members", {"action": "invite", "email": "bo@acme.test",
                                         "role": "staff"})
    web.cookies.clear()
    post(web, "/login", {"email": "bo@acme.test", "password": "old-pw"})
    page = rows(web, site)
    assert ">Invite</button>" not in page and ">Remove</button>" not in page
    refused = post(web, f"/sites/{site}/members", {"action": "remove", "member": "x"})
    assert refused.status_code == 403

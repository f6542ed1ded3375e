"""/google-drive: a signed-in customer subscribes a Google account (Google ID, Plan with its
prices, Billing interval, Card token in sandbox) and the subscription is the one the API
shows; refusals sit next to their field; /buy/google-drive, the home page and /sites lead
there, never to an API call."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.portal.helpers import field_error, post


def sign_up(client: TestClient, email: str = "ana@acme.test") -> str:
    r = post(client, "/signup", {"name": "Ana", "email": email, "password": "pw"},
             follow_redirects=False)
    assert r.status_code == 303, r.text
    return email


def subscribe(client: TestClient, **fields: str) -> object:
    return post(client, "/google-drive", {"google_id": "ana@gmail.test", "plan": "single",
                                          "interval": "year", "card_token": "tok_visa",
                                          **fields}, follow_redirects=False)


def test_a_google_account_is_subscribed_from_the_page(client: TestClient) -> None:
    anonymous = client.get("/google-drive").text
    assert "$5.00 a month" in anonymous and "/login?next=/google-drive" in anonymous
    sign_up(client)
    page = client.get("/google-drive").text
    for label in ("Google ID", "Plan", "Billing interval", "Card token"):
        assert f">{label}</label>" in page
    assert 'value="tok_visa"' in page and ">Subscribe</button>" in page
    assert "Single user: $5.00 a month or $50.00 a year" in page
    r = subscribe(client)
    assert (r.status_code, r.headers["location"]) == (303, "/google-drive?done=subscribed")
    done = client.get("/google-drive").text
    assert "ana@gmail.test" in done and "yearly" in done
    assert "ana@gmail.test" in client.get("/sites").text


def test_refusals_are_shown_next_to_their_fields(client: TestClient) -> None:
    sign_up(client)
    empty = subscribe(client, google_id="")
    assert empty.status_code == 422 and "Google ID" in (field_error(empty.text, "google_id") or "")
    declined = subscribe(client, card_token="tok_declined")
    assert declined.status_code == 402 and field_error(declined.text, "card_token")
    assert "ana@gmail.test" not in client.get("/sites").text  # nothing started
    assert subscribe(client).status_code == 303
    twice = subscribe(client)
    assert twice.status_code == 409 and "already has a subscription" in (
        field_error(twice.text, "google_id") or "")
    unknown = subscribe(client, google_id="bo@gmail.test", plan="nope")
    assert field_error(unknown.text, "plan")


def test_signed_out_the_form_sends_to_log_in(client: TestClient) -> None:
    r = post(client, "/google-drive", {"google_id": "ana@gmail.test", "plan": "single"},
             token_from="/lost-key", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=/google-drive")


def test_buy_home_and_sites_lead_to_google_drive(client: TestClient) -> None:
    buy = client.get("/buy/google-drive")
    assert buy.status_code == 200 and 'href="/google-drive"' in buy.text
    assert "/v1/" not in buy.text and "POST" not in buy.text
    assert 'href="/google-drive"' in client.get("/").text
    sign_up(client)
    assert 'href="/google-drive"' in client.get("/sites").text
    posted = post(client, "/buy/google-drive", {"seats": "1"}, token_from="/",
                  follow_redirects=False)
    assert (posted.status_code, posted.headers["location"]) == (303, "/buy/google-drive")

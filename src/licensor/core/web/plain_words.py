"""Refusals in a customer's words. A service's message is written for the API's callers and
may name a call ("POST /v1/licenses/lost-key sends it again"); a page shows the same message
with each call named as the page or button that does it, so a customer never reads an API
path or an HTTP word. Unknown calls lose the call, keeping the sentence readable."""

from __future__ import annotations

import re

# (the call as messages name it, what a customer does instead), most specific first
CALLS: tuple[tuple[str, str], ...] = (
    (r"\(lost it\? POST /v1/licenses/lost-key\)", "(lost it? Use the lost-key page, /lost-key)"),
    (r"\(POST /v1/licenses/lost-key sends it again\)",
     "(the lost-key page, /lost-key, sends it again)"),
    (r"POST /v1/licenses/lost-key", "the lost-key page (/lost-key)"),
    (r"restart its subscription with POST /v1/subscriptions first",
     "its owner restarts the subscription on its billing page first"),
    (r"Subscribe with POST /v1/subscriptions", "Subscribe on its page"),
    (r"log in with POST /v1/sessions instead", "log in instead"),
    (r"sign in again with POST /v1/sessions and use the new token", "log in again"),
    (r"ask them to sign up first \(POST /v1/accounts\), then add them",
     "invite them: they join when they sign up"),
    (r"\(POST /v1/quotes with coupon\)", ""),
    (r"GET /v1/products lists the catalog", "the pricing page (/pricing) lists every product"),
    (r"create a site \(POST /v1/sites\) and pass site_id",
     "create a site on your sites page and subscribe it there"),
)
# Anything left: "POST /v1/x/{id}", "(GET /v1/...)" and the like.
LEFT_OVER = re.compile(r"\s*\(?(?:with |see |use )?(?:GET|POST|PUT|PATCH|DELETE) /v1/\S*\)?")
API_WORDS = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE) /|/v1/")
# The API counts "seats"; a customer reads "users", as the catalog and the forms say.
SEATS = re.compile(r"\b([Ss])eat(s?)\b")


def _users(found: re.Match[str]) -> str:
    return ("U" if found.group(1) == "S" else "u") + "ser" + found.group(2)


def plain(message: object) -> str:
    text = SEATS.sub(_users, str(message))
    if "/v1/" not in text:
        return text
    for call, words in CALLS:
        text = re.sub(call, words, text)
    return LEFT_OVER.sub("", text).replace(" .", ".").replace("  ", " ")

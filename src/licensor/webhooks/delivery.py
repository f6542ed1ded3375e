"""Outbound webhooks: delivery after commit, never inside a transaction, as the mail outbox's.

A sender claims due deliveries with a lease written in a short transaction (`FOR UPDATE SKIP
LOCKED` on PostgreSQL; SQLite serializes writers), POSTs them with no transaction open, and
records each answer in a second short transaction, only for rows it still holds. So exactly one
process makes each attempt; a sender that dies leaves a lease that runs out, and another sends
again with the same `webhook-id` (at least once; receivers dedupe on it).
"""

from __future__ import annotations

import functools
import logging
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import certifi
import httpx
from sqlalchemy.orm import Session

from licensor.core import audit, jobs, leases, mail
from licensor.core.background import BackgroundSender
from licensor.webhooks import rules
from licensor.webhooks.models import WebhookEndpointRow
from licensor.webhooks.repository import (
    DISABLED,
    ENABLED,
    FAILED,
    SUCCEEDED,
    WebhookRepository,
)

if TYPE_CHECKING:
    from licensor.config import Settings
    from licensor.core.context import Context

from licensor.webhooks.service import _attempt, body_of, resolve, wall_clock

log = logging.getLogger("licensor.webhooks")

BATCH_SIZE = 5
# Longer than a batch can take (each POST is bounded by the timeout), so a live sender never
# loses its rows; short enough that a killed sender's rows go out again about a minute later.
LEASE = timedelta(seconds=BATCH_SIZE * rules.TIMEOUT_SECONDS + 15)
IDLE_RECHECK_SECONDS = 30.0  # the longest a sender sleeps while a retry is pending


# -- sending ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, detached from the database while it is being sent."""

    id: str
    msg_id: str
    url: str
    secrets: tuple[str, ...]
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int | None
    body: str | None
    duration_ms: int
    error: str | None = None
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return (self.status is not None and 200 <= self.status < 300
                and self.duration_ms <= rules.TIMEOUT_SECONDS * 1000)


def claim(session: Session, sender_id: str, now: datetime, limit: int = BATCH_SIZE
          ) -> list[Outgoing]:
    """Lease up to `limit` due deliveries to `sender_id`; the caller commits at once."""
    wall_now = wall_clock()
    repo = WebhookRepository(session)
    rows = repo.claimable(now, wall_now, limit)
    batch = []
    for row in rows:
        leases.take(row, sender_id, wall_now, LEASE)
        endpoint = repo.endpoint(row.endpoint_id)
        event = repo.event(row.event_id)
        assert endpoint is not None and event is not None
        live = rules.live_secrets(endpoint.secret, endpoint.previous_secret,
                                  endpoint.previous_secret_until, wall_now)
        batch.append(Outgoing(row.id, event.id, endpoint.url, tuple(live), body_of(event)))
    session.flush()
    return batch


def _pinned(url: str, settings: Settings) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL to call, extra headers and request extensions. In production the name is resolved
    here and every address checked; the request then goes to the address checked (the Host
    header and TLS name stay the URL's), so a name cannot resolve differently a moment later."""
    if settings.sandbox or settings.webhooks_allow_private:
        return url, {}, {}
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise PermissionError("production sends only to https:// URLs")
    host = parts.hostname or ""
    port = parts.port or 443
    addresses = resolve(host, port)
    refused = [a for a in addresses if rules.address_refused(a)]
    if refused or not addresses:
        raise PermissionError(f"refused: {host} resolves to {', '.join(refused) or 'nothing'}, "
                              "a loopback, private, link-local or multicast address")
    address = addresses[0]
    netloc = (f"[{address}]" if ":" in address else address) + (f":{parts.port}"
                                                                 if parts.port else "")
    return (urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")),
            {"host": parts.netloc}, {"sni_hostname": host})


def post(item: Outgoing, settings: Settings, client: httpx.Client) -> Answer:
    timestamp = int(time.time())
    headers = {"content-type": "application/json", "user-agent": "Licensor-Webhooks/1",
               "webhook-id": item.msg_id, "webhook-timestamp": str(timestamp),
               "webhook-signature": rules.signature_header(item.secrets, item.msg_id, timestamp,
                                                           item.body)}
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        url, extra, extensions = _pinned(item.url, settings)
        headers.update(extra)
        with client.stream("POST", url, content=item.body, headers=headers,
                           extensions=extensions) as response:
            kept = b""
            for chunk in response.iter_bytes():
                kept += chunk
                if len(kept) >= rules.BODY_KEPT:
                    break
            retry_after = None
            if response.status_code in (429, 503):
                retry_after = rules.parse_retry_after(response.headers.get("retry-after"),
                                                      datetime.now(UTC))
            return Answer(response.status_code,
                          kept[:rules.BODY_KEPT].decode("utf-8", errors="replace"), elapsed(),
                          retry_after=retry_after)
    except (PermissionError, OSError, httpx.HTTPError) as exc:
        return Answer(None, None, elapsed(), error=f"{type(exc).__name__}: {exc}"[:1000])


def vendor_address(settings: Settings) -> str:
    return settings.vendor_email or parseaddr(settings.sender)[1]


def _disable(session: Session, endpoint: WebhookEndpointRow, reason: str, now: datetime,
             settings: Settings) -> None:
    endpoint.status, endpoint.disabled_reason, endpoint.updated_at = DISABLED, reason, now
    log.warning("webhook endpoint %s (%s) disabled: %s", endpoint.id, endpoint.url, reason)
    audit.record(session, actor="system", action="webhook_endpoint.disabled",
                 entity_type="webhook_endpoint", entity_id=endpoint.id, before=None,
                 after={"reason": reason}, now=now)
    mail.enqueue_mail(session, "notice", to=vendor_address(settings), now=now,
                      subject=f"Webhook endpoint disabled: {endpoint.url}",
                      paragraphs=[(f"Licensor stopped sending events to {endpoint.url} "
                                  f"({endpoint.id}): {reason}."),
                                  ("Fix the receiver, then enable it again with PATCH "
                                  f"/v1/webhook-endpoints/{endpoint.id} "
                                  "{\"status\": \"enabled\"}; events it missed can be sent "
                                  "again with POST /v1/events/{id}/redeliver.")])


def record_answers(session: Session, sender_id: str, answers: dict[str, Answer], now: datetime,
                   settings: Settings) -> int:
    """Record each answer for the deliveries `sender_id` still holds and schedule what is
    retried. Returns how many succeeded."""
    repo = WebhookRepository(session)
    succeeded = 0
    for row in repo.held(list(answers), sender_id):
        answer = answers[row.id]
        endpoint = repo.endpoint(row.endpoint_id, for_update=True)
        assert endpoint is not None
        leases.release(row)
        row.next_attempt_at = None
        row.attempted_at, row.duration_ms = now, answer.duration_ms
        row.response_status, row.response_body, row.error = (answer.status, answer.body,
                                                             answer.error)
        if answer.ok:
            row.status, endpoint.failing_since = SUCCEEDED, None
            succeeded += 1
            continue
        row.status = FAILED
        if answer.status is not None and not 200 <= answer.status < 300:
            row.error = row.error or f"answered {answer.status}"
        elif answer.status is not None:
            row.error = f"answered after {answer.duration_ms} ms (more than 10 s)"
        if answer.status == 410:
            _disable(session, endpoint, "the receiver answered 410 Gone", now, settings)
            continue
        due = rules.next_attempt(row.attempt, now, answer.retry_after)
        if due is not None:
            event = repo.event(row.event_id)
            assert event is not None
            session.add(_attempt(event, endpoint.id, row.attempt + 1, due))
        endpoint.failing_since = endpoint.failing_since or now
        if endpoint.status == ENABLED and now - endpoint.failing_since >= rules.DISABLE_AFTER:
            _disable(session, endpoint, "every delivery failed for 3 days", now, settings)
    session.flush()
    return succeeded


def deliver_due(ctx: Context, sender_id: str, client: httpx.Client) -> tuple[int, int]:
    """One round: claim due deliveries, POST them with no transaction open, record the answers.
    Returns (claimed, succeeded)."""
    if not _any_due(ctx):
        return 0, 0
    with ctx.db.transaction() as session:
        batch = claim(session, sender_id, ctx.clock.now(session))
    if not batch:
        return 0, 0
    done = 0
    for item in batch:
        answer = post(item, ctx.settings, client)
        # Recorded one by one: a process killed mid-batch sends again only the delivery it was
        # making, not those it had finished.
        with ctx.db.transaction() as session:
            done += record_answers(session, sender_id, {item.id: answer},
                                   ctx.clock.now(session), ctx.settings)
    return len(batch), done


def deliver_all_due(ctx: Context) -> int:
    """Rounds until nothing is due (failures wait for their retry time); returns how many
    succeeded."""
    if not _any_due(ctx):
        return 0  # the common case: no HTTP client is set up for nothing to send
    total = attempted = 0
    with _client() as client:
        while True:
            claimed, done = deliver_due(ctx, sender(ctx).sender_id, client)
            total, attempted = total + done, attempted + claimed
            if claimed == 0:
                break
    if attempted > total:
        ctx.mailer.wake(ctx)  # an endpoint disabled just now: its vendor is mailed
    return total


def _any_due(ctx: Context) -> bool:
    """Answered without taking SQLite's write lock."""
    with ctx.db.reader() as session:
        return WebhookRepository(session).any_due(ctx.clock.now(session), wall_clock())


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for the process: loading the CA certificates costs more CPU than a
    round of deliveries, and a context is safe to share between clients and threads."""
    return ssl.create_default_context(cafile=certifi.where())


def _client() -> httpx.Client:
    # No redirects: a 3xx is an answer, and following one could lead to an address not checked.
    return httpx.Client(timeout=rules.TIMEOUT_SECONDS, follow_redirects=False, trust_env=False,
                        verify=_tls())


def seconds_to_next(ctx: Context) -> float | None:
    with ctx.db.reader() as session:
        soonest = WebhookRepository(session).soonest_pending(wall_clock())
        if soonest is None:
            return None
        return max((soonest - ctx.clock.now(session)).total_seconds(), 0.0)


# -- the background sender ------------------------------------------------------------------------

class Sender(BackgroundSender):
    """This process's webhook sender: woken after commits (the response never waits on a
    receiver), and again when a pending retry falls due."""

    def __init__(self) -> None:
        # close() stops at once (a round can take a minute of slow receivers); after a failed
        # round the sender looks again within IDLE_RECHECK_SECONDS.
        super().__init__("licensor-webhooks", log, "webhook", finish_on_close=False,
                         close_timeout=15.0, after_error=IDLE_RECHECK_SECONDS)

    def send_round(self, ctx: Context) -> float | None:
        deliver_all_due(ctx)
        wait = seconds_to_next(ctx)
        # Also wakes for rows a dead sender's lease held, once it has run out.
        return min(max(wait, 0.05), IDLE_RECHECK_SECONDS) if wait is not None \
            else IDLE_RECHECK_SECONDS


_SENDER_LOCK = threading.Lock()


def sender(ctx: Context) -> Sender:
    with _SENDER_LOCK:
        found: Sender | None = ctx.webhook_sender
        if found is None:
            found = ctx.webhook_sender = Sender()
        return found


def wake(ctx: Context) -> None:
    sender(ctx).wake(ctx)


def close(ctx: Context) -> None:
    found: Sender | None = ctx.webhook_sender
    if found is not None:
        found.close()


# -- jobs -------------------------------------------------------------------------------------------

@jobs.job("webhooks", order=950)
def webhooks_job(ctx: Context, session: Session, now: datetime) -> int:
    """Prune events older than 90 days (their deliveries with them), and disable endpoints whose
    deliveries have all failed for 3 days even when no attempt is being made right now."""
    done = WebhookRepository(session).prune_events(now - rules.EVENTS_KEPT)
    for endpoint in WebhookRepository(session).failing_since_before(now - rules.DISABLE_AFTER):
        _disable(session, endpoint, "every delivery failed for 3 days", now, ctx.settings)
        done += 1
    session.flush()
    return done

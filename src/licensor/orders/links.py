"""The buyer's secret links to their order page (mailed with the order): only hashes are
stored; each mail about the order carries a new link, and the ones it replaces keep working
(an accounts-payable clerk's invoice mail, once the order is paid) until the order is refunded
or OLD_LINKS_LAST after it."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, object_session

from licensor.core.context import Context
from licensor.core.tokens import token_hash
from licensor.orders.models import OrderRow
from licensor.orders.repository import OrderRepository

OLD_LINKS_LAST = timedelta(days=365)


def issue_link(order: OrderRow) -> str:
    """A new secret for the buyer's link to their order page: only its hash is stored, and the
    latest mail about the order carries the one link that works. The token stays on the row
    object for the rest of this request (`link_token`), for the page that answers it."""
    token = secrets.token_urlsafe(24)
    session = object_session(order)
    if session is not None:  # the link it replaces keeps working (order_by_link)
        OrderRepository(session).keep_old_link(order)
    order.link_token_hash = token_hash(token)
    order.__dict__["_link_token"] = token  # not a column: lives as long as this object
    return token


def link_token(order: OrderRow) -> str | None:
    token = order.__dict__.get("_link_token")
    return token if isinstance(token, str) else None


def order_link(ctx: Context, order: OrderRow, token: str) -> str:
    return f"{ctx.settings.public_url.rstrip('/')}/orders/{order.id}?token={token}"


def order_by_link(session: Session, order_id: str, token: str,
                  now: datetime | None = None) -> OrderRow | None:
    """The order of a secret link, or None for any wrong id or token (the page says 404). The
    latest mail's link always works; an older one (the invoice mail's, once a receipt was
    mailed) until the order is refunded or OLD_LINKS_LAST after the order."""
    repo = OrderRepository(session)
    row = repo.get(order_id[:64])
    if row is None or row.link_token_hash is None or not token:
        return None
    if is_latest_link(row, token):
        return row
    if row.status == "refunded" or (now is not None and now >= row.created_at + OLD_LINKS_LAST):
        return None
    return row if repo.has_old_link(row.id, token_hash(token[:200])) else None


def is_latest_link(order: OrderRow, token: str) -> bool:
    return order.link_token_hash is not None and hmac.compare_digest(
        order.link_token_hash, token_hash(token[:200]))

"""One error type for everything a user can cause; its code decides the HTTP status."""

from __future__ import annotations

from typing import Any

# Every error code the API answers with, and its HTTP status.
STATUS_BY_CODE: dict[str, int] = {
    "INVALID_REQUEST": 422,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "IDEMPOTENCY_KEY_REUSED": 422,
    "IDEMPOTENCY_KEY_IN_USE": 409,
    "INVALID_CATALOG": 422,
    "UNKNOWN_PRODUCT": 404,
    "NOT_UPGRADABLE": 409,
    "LICENSE_NOT_FOUND": 404,
    "INVALID_LICENSE": 422,
    "LICENSE_SUPERSEDED": 409,
    "LICENSE_REVOKED": 409,
    "LICENSE_ALREADY_REVOKED": 409,
    "SEATS_EXHAUSTED": 409,
    "NOT_REGISTERED": 404,
    "INVALID_SEATS": 422,
    "INVALID_TIER": 422,
    "PRODUCT_NOT_PERPETUAL": 409,
    "SIGNING_KEY_NOT_FOUND": 404,
    "SIGNING_KEY_ACTIVE": 409,
    "SIGNING_KEY_EXPOSED": 500,
    # This host cannot open the active signing key (another key-encryption key, or a key made
    # before keys lived in the database and missing here): refused before anything is charged.
    "SIGNING_KEY_UNAVAILABLE": 503,
    "SECRET_KEY_MISMATCH": 503,
    "SECRET_KEY_INVALID": 500,
    "SECRET_KEY_EXPOSED": 500,
    # Quotes, orders, payment
    "UPGRADE_NOT_LARGER": 409,
    "UPGRADE_VIA_MARKETPLACE": 409,
    "SOLD_BY_MARKETPLACE": 409,
    "SINGLE_USER_ONLY": 409,
    "NO_MAINTENANCE": 409,
    "QUOTE_NOT_FOUND": 404,
    "QUOTE_EXPIRED": 409,
    "QUOTE_STALE": 409,
    "QUOTE_ALREADY_ORDERED": 409,
    "ORDER_NOT_FOUND": 404,
    "RECEIPT_NOT_FOUND": 404,
    "ORDER_NOT_CANCELABLE": 409,
    "ORDER_NOT_PAYABLE": 409,
    "ORDER_NOT_REFUNDABLE": 409,
    "PAYMENT_METHOD_NOT_ALLOWED": 409,
    "CARD_DECLINED": 402,
    "PAYMENT_FAILED": 402,
    "PAYMENT_ACTION_REQUIRED": 402,
    "PAYMENT_IN_PROGRESS": 409,
    "PAYMENT_INTERRUPTED": 409,
    # The card processor did not answer: not reached (nothing charged), or its answer was lost
    "PROCESSOR_UNAVAILABLE": 503,
    "PAYMENT_UNCONFIRMED": 503,
    "REFUND_WINDOW_PASSED": 409,
    # Tax, currencies, credit notes
    "COUNTRY_REQUIRED": 422,
    "INVALID_VAT_ID": 422,
    "TAX_RATE_MISSING": 409,
    "CURRENCY_NOT_OFFERED": 409,
    "CREDIT_NOTE_NOT_FOUND": 404,
    "WEBHOOK_SIGNATURE_INVALID": 400,
    "PAYLOAD_TOO_LARGE": 413,
    # Releases and updates
    "UNKNOWN_VERSION": 404,
    "INVALID_VERSION": 422,
    "UNKNOWN_PLATFORM": 404,
    "DOWNLOAD_NOT_ALLOWED": 403,
    "DOWNLOAD_LINK_EXPIRED": 410,
    "LINK_EXPIRED": 410,
    "INVALID_TTL": 422,
    # Accounts, sites, subscriptions
    "EMAIL_TAKEN": 409,
    "INVALID_CREDENTIALS": 401,
    "NOT_BILLING_ADMIN": 403,
    "NOT_SITE_OWNER": 403,
    "SITE_NOT_FOUND": 404,
    "PROJECT_NOT_FOUND": 404,
    "ACCOUNT_NOT_FOUND": 404,
    "MEMBER_NOT_FOUND": 404,
    "NOT_STAFF": 409,
    # The admin console's staff
    "STAFF_EXISTS": 409,
    "STAFF_NOT_FOUND": 404,
    "PLAN_LIMIT_REACHED": 409,
    "PLAN_TOO_SMALL": 409,
    "NO_CHANGE": 409,
    "UNKNOWN_PLAN": 422,
    "ALREADY_SUBSCRIBED": 409,
    "SUBSCRIPTION_NOT_FOUND": 404,
    "SUBSCRIPTION_NOT_ACTIVE": 409,
    "SITE_SUSPENDED": 403,
    "CURRENCY_MISMATCH": 409,
    # Marketplace migration
    "CLOUD_NOT_ELIGIBLE": 409,
    "TIER_MISMATCH": 409,
    "ALREADY_MARKETPLACE": 409,
    "MIGRATION_NOT_FOUND": 404,
    "MIGRATION_ALREADY_OPEN": 409,
    "MIGRATION_NOT_PENDING": 409,
    "PRODUCT_NOT_MIGRATABLE": 409,
    "SEN_IN_USE": 409,
    # Abuse defences: rate limits, lockout, sessions, backups
    "RATE_LIMITED": 429,
    "TOKEN_NOT_FOUND": 404,
    "INVALID_DURATION": 422,
    # The sandbox clock (CLI)
    "NOT_SANDBOX": 409,
    "INVALID_TIME": 422,
    "BACKUP_NOT_FOUND": 404,
    "BACKUP_INVALID": 422,
    "BACKUP_EXISTS": 409,
    "BACKUP_KIND_MISMATCH": 409,
    "RESTORE_TARGET_NOT_EMPTY": 409,
    "PG_TOOLS_MISSING": 409,
    "PG_TOOLS_TOO_OLD": 409,
    # The portal's pages
    "CSRF_TOKEN_INVALID": 403,
    "RESEND_LIMIT_REACHED": 429,
    "INVOICE_NOT_FOUND": 404,
    # Outbound webhooks
    "INVALID_URL": 422,
    "UNKNOWN_EVENT_TYPE": 422,
    "WEBHOOK_ENDPOINT_NOT_FOUND": 404,
    "EVENT_NOT_FOUND": 404,
    "BACKUP_FAILED": 500,
    # Outgoing mail
    "MAIL_NOT_FOUND": 404,
    "MAIL_NOT_FAILED": 409,
    # licensor revocations export FILE
    "FILE_NOT_WRITTEN": 422,
    "UNKNOWN_COUPON": 404,
    "COUPON_NOT_APPLICABLE": 409,
    "COUPON_EXPIRED": 409,
    "COUPON_EXHAUSTED": 409,
    "COUPON_ALREADY_USED": 409,
    "COUPON_EXISTS": 409,
    "COMPANION_NOT_ELIGIBLE": 409,
    "CREDIT_ALREADY_USED": 409,
    "NOTHING_TO_CREDIT": 409,
    "ACADEMIC_NOT_AVAILABLE": 409,
    "INTERNAL": 500,
}


class LicensorError(Exception):
    """A refusal with a stable machine code, a sentence telling the user what to do, and details."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None,
                 status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.headers = headers  # e.g. Retry-After on RATE_LIMITED
        self.code = code
        self.message = message
        self.details = details or {}
        self.status = status if status is not None else STATUS_BY_CODE.get(code, 400)

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}

    def __repr__(self) -> str:
        return f"LicensorError({self.code!r}, {self.message!r})"

"""JSON shapes of subscriptions and invoices as the API shows them (also webhooks' `data`)."""

from __future__ import annotations

from typing import Any

from licensor.core.money import Money
from licensor.core.web.views import iso
from licensor.subscriptions.models import InvoiceRow, SubscriptionRow


def subscription_view(sub: SubscriptionRow) -> dict[str, Any]:
    return {"id": sub.id, "product": sub.product, "plan": sub.plan, "interval": sub.interval,
            "status": sub.status, "current_period_start": iso(sub.current_period_start),
            "current_period_end": iso(sub.current_period_end),
            "cancel_at_period_end": sub.cancel_at_period_end,
            "credit_balance": Money(sub.credit_balance, sub.currency).to_json(),
            "site_id": sub.site_id, "google_id": sub.google_id}


def invoice_view(row: InvoiceRow) -> dict[str, Any]:
    def m(amount: int) -> dict[str, Any]:
        return Money(amount, row.currency).to_json()
    return {"id": row.id, "number": row.number, "subscription_id": row.subscription_id,
            "reason": row.reason, "created_at": iso(row.created_at),
            "lines": [{**x, "amount": m(x["amount"]),
                       "period_start": x["period_start"].replace("+00:00", "Z"),
                       "period_end": x["period_end"].replace("+00:00", "Z")}
                      for x in row.lines],
            "net": m(row.net), "credit_applied": m(row.credit_applied),
            "amount_paid": m(row.amount_paid), "charge_id": row.charge_id}

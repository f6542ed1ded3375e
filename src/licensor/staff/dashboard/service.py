"""The dashboard's figures over the last 12 months, from aggregate queries only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from licensor.core.money import Money
from licensor.licenses import queries as license_queries
from licensor.marketplace import queries as marketplace_queries
from licensor.orders import queries as order_queries
from licensor.staff import rules
from licensor.staff.repository import DashboardRepository
from licensor.subscriptions import queries as subscription_queries

REVENUE_KINDS = ("new", "upgrade", "renewal", "subscription")
COLOURS = {"new": "#1457c4", "upgrade": "#1c7c3a", "renewal": "#c77700",
           "subscription": "#7a3fb8", "licenses": "#1457c4", "upgrades": "#1c7c3a"}


@dataclass
class Revenue:
    """One currency's revenue: per kind, per month (minor units)."""

    currency: str
    by_kind: dict[str, list[int]]

    def month_total(self, i: int) -> Money:
        return Money(sum(v[i] for v in self.by_kind.values()), self.currency)

    def cell(self, kind: str, i: int) -> Money:
        return Money(self.by_kind[kind][i], self.currency)

    def total(self) -> Money:
        return Money(sum(sum(v) for v in self.by_kind.values()), self.currency)


@dataclass
class Dashboard:
    months: list[str]
    revenue: list[Revenue]
    new_licenses: list[int]
    upgrades: list[int]
    active_subscriptions: int
    mrr: list[Money]
    open_invoices: int
    open_invoice_totals: list[Money]
    overdue_invoices: int
    pending_migrations: int
    failed_mail: int
    charts: dict[str, str] = field(default_factory=dict)


def build(session: Session, now: datetime) -> Dashboard:
    months = rules.months_back(now)
    index = {m: i for i, m in enumerate(months)}
    since = rules.first_moment(months[0])
    repo = DashboardRepository(session)

    revenue: dict[str, dict[str, list[int]]] = {}

    def slot(currency: str) -> dict[str, list[int]]:
        return revenue.setdefault(currency, {k: [0] * len(months) for k in REVENUE_KINDS})

    upgrades = [0] * len(months)
    for month, kind, currency, total, count in order_queries.revenue_per_month(session, since):
        if month not in index:
            continue
        kind = kind if kind in REVENUE_KINDS else "new"
        slot(currency)[kind][index[month]] += total
        if kind == "upgrade":
            upgrades[index[month]] += count
    for month, currency, total in subscription_queries.revenue_per_month(session, since):
        if month in index:
            slot(currency)["subscription"][index[month]] += total
    new_licenses = [0] * len(months)
    for month, count in license_queries.new_per_month(session, since):
        if month in index:
            new_licenses[index[month]] += count

    active, mrr = 0, dict[str, int]()
    for currency, interval, count, basis in subscription_queries.active_totals(session):
        active += count
        mrr[currency] = mrr.get(currency, 0) + rules.monthly_amount(basis, interval)
    invoices = order_queries.open_invoices(session, now)
    board = Dashboard(
        months=months, revenue=[Revenue(c, k) for c, k in sorted(revenue.items())],
        new_licenses=new_licenses, upgrades=upgrades, active_subscriptions=active,
        mrr=[Money(v, c) for c, v in sorted(mrr.items())],
        open_invoices=sum(n for _c, n, _t, _o in invoices),
        open_invoice_totals=[Money(t, c) for c, _n, t, _o in sorted(invoices)],
        overdue_invoices=sum(o for _c, _n, _t, o in invoices),
        pending_migrations=marketplace_queries.open_migrations(session),
        failed_mail=repo.failed_mail())
    for r in board.revenue:
        digits = Money(0, r.currency).digits
        board.charts[f"revenue-{r.currency}"] = rules.bar_chart(
            f"Revenue per month ({r.currency})", months,
            [rules.Series(k, r.by_kind[k], COLOURS[k]) for k in REVENUE_KINDS],
            scale=10 ** digits)
    board.charts["licenses"] = rules.bar_chart(
        "New licenses and upgrades per month", months,
        [rules.Series("new licenses", new_licenses, COLOURS["licenses"]),
         rules.Series("upgrades", upgrades, COLOURS["upgrades"])])
    return board

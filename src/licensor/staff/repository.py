"""Every query of staff accounts and their console sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.orm import Session

from licensor.core.models import AuditRow, MailRow
from licensor.licenses.service import LicenseRow
from licensor.marketplace.service import MigrationRequestRow
from licensor.orders.service import OrderRow
from licensor.staff.models import StaffRow, StaffSessionRow
from licensor.subscriptions.access import SubscriptionRow
from licensor.subscriptions.billing import InvoiceRow


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, staff_id: str) -> StaffRow | None:
        return self.session.get(StaffRow, staff_id)

    def lock(self, staff_id: str) -> StaffRow | None:
        """The member's row, locked until the transaction ends (one sign-in at a time)."""
        return self.session.get(StaffRow, staff_id, with_for_update=True, populate_existing=True)

    def by_email(self, email: str) -> StaffRow | None:
        return self.session.scalars(
            select(StaffRow).where(StaffRow.email_key == email.strip().casefold())).first()

    def all(self) -> list[StaffRow]:
        return list(self.session.scalars(select(StaffRow).order_by(StaffRow.email_key)))

    def admins(self) -> int:
        return len(list(self.session.scalars(select(StaffRow.id)
                                             .where(StaffRow.role == "admin"))))

    def add(self, row: StaffRow) -> None:
        self.session.add(row)
        self.session.flush()

    def remove(self, row: StaffRow) -> None:
        self.session.execute(delete(StaffSessionRow).where(StaffSessionRow.staff_id == row.id))
        self.session.delete(row)
        self.session.flush()


class StaffSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: StaffSessionRow) -> None:
        self.session.add(row)
        self.session.flush()

    def by_hash(self, token_hash: str) -> tuple[StaffSessionRow, StaffRow] | None:
        row = self.session.execute(
            select(StaffSessionRow, StaffRow)
            .join(StaffRow, StaffSessionRow.staff_id == StaffRow.id)
            .where(StaffSessionRow.token_hash == token_hash)).first()
        return None if row is None else (row[0], row[1])

    def get(self, token_hash: str) -> StaffSessionRow | None:
        return self.session.get(StaffSessionRow, token_hash)


class ConsoleSearchRepository:
    """The console's look-ups across capabilities: read-only queries on their tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def licenses_matching(self, text: str, limit: int) -> list[LicenseRow]:
        """By license name (contains, any case), email (exact, any case), SEN or id."""
        folded = text.casefold()
        pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (select(LicenseRow)
                 .where(or_(func.lower(LicenseRow.license_name).like(pattern, escape="\\"),
                            func.lower(LicenseRow.email) == folded,
                            LicenseRow.sen == text, LicenseRow.id == text))
                 .order_by(LicenseRow.created_at.desc()).limit(limit))
        return list(self.session.scalars(query))

    def licenses_by_ids(self, ids: list[str]) -> list[LicenseRow]:
        if not ids:
            return []
        return list(self.session.scalars(select(LicenseRow).where(LicenseRow.id.in_(ids))))

    def license_ids_of_order(self, text: str) -> list[str]:
        """The license an order number (or order id) made or changed."""
        return [i for i in self.session.scalars(
            select(OrderRow.license_id).where(or_(OrderRow.number == text,
                                                  OrderRow.id == text))) if i]

    def predecessors(self, license_id: str) -> list[LicenseRow]:
        return list(self.session.scalars(select(LicenseRow)
                                         .where(LicenseRow.superseded_by == license_id)))

    def orders_of(self, license_ids: list[str]) -> list[OrderRow]:
        return list(self.session.scalars(select(OrderRow)
                                         .where(OrderRow.license_id.in_(license_ids))
                                         .order_by(OrderRow.created_at)))

    def migrations_of(self, license_ids: list[str]) -> list[MigrationRequestRow]:
        return list(self.session.scalars(
            select(MigrationRequestRow).where(MigrationRequestRow.license_id.in_(license_ids))
            .order_by(MigrationRequestRow.created_at)))

    def audit_of(self, entity_ids: list[str]) -> list[AuditRow]:
        return list(self.session.scalars(select(AuditRow)
                                         .where(AuditRow.entity_id.in_(entity_ids))
                                         .order_by(AuditRow.seq)))

    def audit_page(self, entity_type: str | None, entity_id: str | None,
                   limit: int) -> list[AuditRow]:
        query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)
        if entity_type:
            query = query.where(AuditRow.entity_type == entity_type)
        if entity_id:
            query = query.where(AuditRow.entity_id == entity_id)
        return list(self.session.scalars(query))

    def audit_entity_types(self) -> list[str]:
        return list(self.session.scalars(select(AuditRow.entity_type).distinct()
                                         .order_by(AuditRow.entity_type)))


def _month_key(value: Any) -> str:
    """'YYYY-MM' of what _month grouped on (text on SQLite, a timestamp on PostgreSQL)."""
    return f"{value:%Y-%m}" if isinstance(value, datetime) else str(value)


class DashboardRepository:
    """The dashboard's figures: aggregate queries only (GROUP BY month over an indexed time
    range), so their cost follows the months shown, not the rows stored."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _month(self, column: Any) -> Any:
        """The month of a timestamp column, grouped on: SQLite stores DateTime as ISO text (its
        first 7 characters); PostgreSQL truncates (cheaper per row than formatting)."""
        if self.session.get_bind().dialect.name == "sqlite":
            return func.substr(column, 1, 7)
        return func.date_trunc("month", column)

    def order_revenue(self, since: datetime) -> list[tuple[str, str, str, int, int]]:
        """(month, kind, currency, total minor units, count) of orders paid and not refunded."""
        month = self._month(OrderRow.paid_at)
        rows = self.session.execute(
            select(month, OrderRow.kind, OrderRow.currency, func.sum(OrderRow.total_amount),
                   func.count())
            .where(OrderRow.status == "fulfilled", OrderRow.paid_at >= since)
            .group_by(month, OrderRow.kind, OrderRow.currency))
        return [(_month_key(m), str(k), str(c), int(t or 0), int(n)) for m, k, c, t, n in rows]

    def subscription_revenue(self, since: datetime) -> list[tuple[str, str, int]]:
        month = self._month(InvoiceRow.created_at)
        rows = self.session.execute(
            select(month, InvoiceRow.currency, func.sum(InvoiceRow.amount_paid))
            .where(InvoiceRow.created_at >= since).group_by(month, InvoiceRow.currency))
        return [(_month_key(m), str(c), int(t or 0)) for m, c, t in rows]

    def new_licenses(self, since: datetime) -> list[tuple[str, int]]:
        """Licenses issued per month that replace none (upgrades and renewals re-issue)."""
        month = self._month(LicenseRow.created_at)
        rows = self.session.execute(
            select(month, func.count()).where(LicenseRow.created_at >= since,
                                              LicenseRow.supersedes.is_(None))
            .group_by(month))
        return [(_month_key(m), int(n)) for m, n in rows]

    def active_subscriptions(self) -> list[tuple[str, str, int, int]]:
        """(currency, interval, count, sum of what a whole period is paid) of active ones."""
        rows = self.session.execute(
            select(SubscriptionRow.currency, SubscriptionRow.interval, func.count(),
                   func.sum(SubscriptionRow.basis_amount))
            .where(SubscriptionRow.status == "active")
            .group_by(SubscriptionRow.currency, SubscriptionRow.interval))
        return [(str(c), str(i), int(n), int(t or 0)) for c, i, n, t in rows]

    def open_invoices(self, now: datetime) -> list[tuple[str, int, int, int]]:
        """(currency, count, total, overdue count) of invoice orders awaiting payment."""
        overdue = func.sum(case((OrderRow.due_at < now, 1), else_=0))
        rows = self.session.execute(
            select(OrderRow.currency, func.count(), func.sum(OrderRow.total_amount), overdue)
            .where(OrderRow.status == "awaiting_payment", OrderRow.payment_method == "invoice")
            .group_by(OrderRow.currency))
        return [(str(c), int(n), int(t or 0), int(o or 0)) for c, n, t, o in rows]

    def open_migrations(self, statuses: tuple[str, ...]) -> int:
        return int(self.session.scalar(select(func.count()).select_from(MigrationRequestRow)
                                       .where(MigrationRequestRow.status.in_(statuses))) or 0)

    def failed_mail(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(MailRow)
                                       .where(MailRow.status == "failed")) or 0)

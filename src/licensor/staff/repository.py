"""Every query of staff accounts and their console sessions."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from licensor.core.models import AuditRow, MailRow
from licensor.staff.models import StaffRow, StaffSessionRow


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
    """The console's look-ups in the audit log (other capabilities' tables are read through
    their queries modules)."""

    def __init__(self, session: Session) -> None:
        self.session = session

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


class DashboardRepository:
    """The dashboard's figures of core's tables; the capabilities' figures come from their
    queries modules (aggregate queries only: GROUP BY month over an indexed time range, so
    their cost follows the months shown, not the rows stored)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def failed_mail(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(MailRow)
                                       .where(MailRow.status == "failed")) or 0)

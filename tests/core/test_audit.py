"""The audit log is append-only and hash-chained: edits and deletions are detected."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from licensor.core.audit import entries_for, verify_chain
from licensor.core.context import Context
from licensor.core.models import AuditRow
from tests.builders import create_license, license_info


def test_every_change_is_recorded_with_before_and_after(client: TestClient, ctx: Context,
                                                        admin) -> None:
    lic = create_license(ctx)
    client.post("/v1/registrations", json={**license_info(lic), "user": "ann"})
    client.post(f"/v1/licenses/{lic.id}/revoke", json={"reason": "refund"}, headers=admin)
    with ctx.db.reader() as s:
        actions = [(e.action, e.actor) for e in entries_for(s, lic.id)]
        revoked = entries_for(s, lic.id)[-1]
    assert actions == [("license.issued", "test"), ("registration.created", "public"),
                       ("license.revoked", "admin")]
    assert '"status":"active"' in revoked.before and '"status":"revoked"' in revoked.after


def test_chain_verifies_and_detects_tampering(ctx: Context) -> None:
    for i in range(3):
        create_license(ctx, license_name=f"Co {i}")
    with ctx.db.reader() as s:
        report = verify_chain(s)
    assert report.ok and report.entries >= 4  # the signing key's entry and three licenses
    with ctx.db.transaction() as s:
        second = s.scalars(select(AuditRow).order_by(AuditRow.seq).offset(2)).first()
        s.execute(update(AuditRow).where(AuditRow.seq == second.seq)
                  .values(actor="someone else"))
    with ctx.db.reader() as s:
        report = verify_chain(s)
    assert not report.ok and report.broken_at == second.seq


def test_chain_detects_a_deleted_entry(ctx: Context) -> None:
    for i in range(3):
        create_license(ctx, license_name=f"Co {i}")
    with ctx.db.transaction() as s:
        s.execute(delete(AuditRow).where(AuditRow.seq == 2))
    with ctx.db.reader() as s:
        assert verify_chain(s).broken_at == 3
    with ctx.db.transaction() as s:
        last = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc())).first()
        s.execute(delete(AuditRow).where(AuditRow.seq >= last.seq))
        s.execute(delete(AuditRow).where(AuditRow.seq <= 2))
    with ctx.db.reader() as s:
        assert not verify_chain(s).ok

"""Small builders for tests (no factory framework): create_<entity> with sensible defaults."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from licensor.services import catalog, licenses
from licensor.services.context import Context
from licensor.store.models import LicenseRow


def create_license(ctx: Context, *, product: str = "desktop", seats: int | None = 3,
                   license_name: str = "Acme Inc", email: str = "buyer@acme.test",
                   now: datetime | None = None, **kw: Any) -> LicenseRow:
    with ctx.db.transaction() as session:
        moment = now or ctx.clock.now(session)
        row = licenses.issue_license(ctx, session, product=catalog.get_product(session, product),
                                     seats=seats, license_name=license_name, email=email,
                                     now=moment, actor="test", **kw)
    return row


def license_info(row: LicenseRow) -> dict[str, str]:
    return {"license_name": row.license_name, "license_key": row.license_key}

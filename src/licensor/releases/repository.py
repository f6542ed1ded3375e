"""Queries of release artifacts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from licensor.releases.models import ArtifactRow


class ArtifactRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, product: str, version: str, platform: str) -> ArtifactRow | None:
        return self.session.get(ArtifactRow, (product, version, platform))

    def for_product(self, product: str) -> Sequence[ArtifactRow]:
        return self.session.scalars(select(ArtifactRow).where(ArtifactRow.product == product)
                                    .order_by(ArtifactRow.version, ArtifactRow.platform)).all()

    def for_release(self, product: str, version: str) -> Sequence[ArtifactRow]:
        return self.session.scalars(select(ArtifactRow).where(
            ArtifactRow.product == product, ArtifactRow.version == version)
            .order_by(ArtifactRow.platform)).all()

    def count_download(self, product: str, version: str, platform: str) -> None:
        # One statement, so concurrent downloads never lose a count.
        self.session.execute(update(ArtifactRow).where(
            ArtifactRow.product == product, ArtifactRow.version == version,
            ArtifactRow.platform == platform).values(downloads=ArtifactRow.downloads + 1))

"""Tables of release artifacts: one file per release and platform, with its download count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from licensor.core.db import Base, UTCDateTime


class ArtifactRow(Base):
    """The file of one release for one platform. `storage_key` names it in the artifact store;
    `downloads` counts downloads begun from the first byte (a resumed download is not another)."""

    __tablename__ = "release_artifacts"
    product: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    kid: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(512))
    downloads: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        ForeignKeyConstraint(["product", "version"], ["releases.product", "releases.version"]),
    )

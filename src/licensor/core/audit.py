"""Append-only, hash-chained audit log of every state change (who, what, when, before/after)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from licensor.core.models import AuditHeadRow, AuditRow

GENESIS = "0" * 64


def canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str,
               entity_type: str, entity_id: str, before: str | None, after: str | None) -> str:
    material = json.dumps([prev_hash, seq, at.isoformat(), actor, action, entity_type, entity_id,
                           before, after], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def record(session: Session, *, actor: str, action: str, entity_type: str, entity_id: str,
           before: Any, after: Any, now: datetime) -> AuditRow:
    """Append one entry. Locks the chain head so concurrent writers chain one after another."""
    head = session.get(AuditHeadRow, 1, with_for_update=True)
    if head is None:
        head = AuditHeadRow(id=1, seq=0, hash=GENESIS)
        session.add(head)
    seq = head.seq + 1
    b, a = canonical(before), canonical(after)
    digest = entry_hash(head.hash, seq, now, actor, action, entity_type, entity_id, b, a)
    row = AuditRow(seq=seq, at=now, actor=actor, action=action, entity_type=entity_type,
                   entity_id=entity_id, before=b, after=a, prev_hash=head.hash, hash=digest)
    session.add(row)
    head.seq, head.hash = seq, digest
    session.flush()
    return row


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    broken_at: int | None = None
    reason: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    prev, expected_seq, count = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = session.scalars(select(AuditRow).where(AuditRow.seq > last_seq)
                               .order_by(AuditRow.seq).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return ChainReport(False, count, row.seq, f"entry {expected_seq} is missing")
            if row.prev_hash != prev:
                return ChainReport(False, count, row.seq, "link to the previous entry broken")
            digest = entry_hash(prev, row.seq, row.at, row.actor, row.action, row.entity_type,
                                row.entity_id, row.before, row.after)
            if digest != row.hash:
                return ChainReport(False, count, row.seq, "entry altered after it was written")
            prev, expected_seq, count, last_seq = row.hash, row.seq + 1, count + 1, row.seq
    head = session.get(AuditHeadRow, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        return ChainReport(False, count, head.seq, "entries removed from the end of the log")
    return ChainReport(True, count)


def entries_for(session: Session, entity_id: str) -> list[AuditRow]:
    return list(session.scalars(select(AuditRow).where(AuditRow.entity_id == entity_id)
                                .order_by(AuditRow.seq)))

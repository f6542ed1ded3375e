"""In-process domain events, handled inside the same transaction as the change that emits them.

A capability reacts to another's change without the two importing each other, e.g. a
migration request moves to `pending` when the upgrade it waits for is fulfilled:

    @events.on("license.upgraded")
    def _(ctx, session, now, *, old, new, order): ...

Emitters document their event names and keyword arguments next to the `emit` call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from licensor.core.context import Context

Handler = Callable[..., None]
_HANDLERS: dict[str, list[Handler]] = defaultdict(list)


def on(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[name].append(fn)
        return fn
    return register


def emit(ctx: Context, session: Session, now: datetime, name: str, **payload: Any) -> None:
    for handler in _HANDLERS.get(name, []):
        handler(ctx, session, now, **payload)

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


def emit(ctx: Context | None, session: Session, now: datetime, name: str, **payload: Any
         ) -> None:
    """Run the handlers of `name` in the caller's transaction. `ctx` is None only where the
    emitter has none (a handler of such an event must not need it)."""
    for handler in _HANDLERS.get(name, []):
        handler(ctx, session, now, **payload)


# After a commit, outboxes written in the transaction (mail, webhooks) are told to send: the
# request boundary and the jobs loop call `committed`, and a capability registers its sender.
Waker = Callable[["Context"], None]
_AFTER_COMMIT: list[Waker] = []


def after_commit(fn: Waker) -> Waker:
    _AFTER_COMMIT.append(fn)
    return fn


def committed(ctx: Context) -> None:
    for fn in _AFTER_COMMIT:
        fn(ctx)

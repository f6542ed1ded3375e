"""Paging of short lists held in memory (API.md: every list takes `?limit=&cursor=` and answers
`{"data": [...], "next_cursor": ...}`). The cursor is the key of the last item of the previous
page; without `limit` the whole list is one page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from licensor.core.errors import LicensorError
from licensor.core.web.deps import page_limit

T = TypeVar("T")


def page_of(items: Sequence[T], key: Callable[[T], str], limit: int | None,
            cursor: str | None, maximum: int = 1000) -> tuple[list[T], str | None]:
    size = page_limit(limit, default=max(len(items), 1), maximum=max(maximum, len(items)))
    start = 0
    if cursor:
        keys = [key(item) for item in items]
        if cursor not in keys:
            raise LicensorError("INVALID_REQUEST", "cursor is not one this list returned; start "
                                "again without it.", {"field": "cursor"})
        start = keys.index(cursor) + 1
    page = list(items[start:start + size])
    more = start + size < len(items)
    return page, (key(page[-1]) if more and page else None)

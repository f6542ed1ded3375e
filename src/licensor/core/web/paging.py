"""Paging, one way for every list: it takes `?limit=&cursor=` and answers
`{"data": [...], "next_cursor": ...}`, where the cursor is the key of the last item shown and
is given only when another item follows it (never for an empty last page).

Short lists held in memory go through `page_of` (without `limit` the whole list is one page);
lists read from the database fetch one row more than the page (`fetch_size`) and go through
`keyset_page`, which learns from that extra row whether a next page exists."""

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


def fetch_size(size: int) -> int:
    """How many rows to read for a page of `size`: one more tells whether another page follows."""
    return size + 1


def keyset_page(rows: Sequence[T], size: int, key: Callable[[T], str]) -> tuple[list[T], str | None]:
    """The page of `rows` (read with `fetch_size(size)`) and the cursor of the next page."""
    page = list(rows[:size])
    return page, (key(page[-1]) if len(rows) > size and page else None)

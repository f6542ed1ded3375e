"""No NUL character (U+0000) gets into Licensor: refused in every request, on every database.

SQLite stores a NUL in text and PostgreSQL refuses it (so the same request worked on one and
failed on the other). One check for every route, pages included, as an app-wide dependency: it
reads what FastAPI already read and parsed (the body, the JSON, the form are cached on the
request), and looks closer only when the raw text can hold a NUL at all: `\\u0000` in JSON, `%00`
in a URL-encoded body, query string or path. The validate hot path hands such a body over to the
route, so the check covers it too.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

from licensor.core.errors import LicensorError
from licensor.core.nul import nul_field

_JSON_NUL = b"\\u0000"
_URL_NUL = b"%00"


def _refused(field: str) -> LicensorError:
    return LicensorError("INVALID_REQUEST", f"The field '{field}' contains a NUL character "
                         "(U+0000), which no text in Licensor may hold; remove it and send the "
                         "request again.", {"field": field})


def _form_field(raw: bytes) -> str | None:
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "body"
    return None


async def refuse_nul(request: Request) -> None:
    """422 INVALID_REQUEST naming the field that holds a NUL character."""
    if "\x00" in request.url.path:
        raise _refused("path")
    query = request.scope.get("query_string", b"")
    if _URL_NUL in query or b"\x00" in query:
        raise _refused(_form_field(query) or "query")
    content_type = request.headers.get("content-type", "").lower()
    if "json" not in content_type and "x-www-form-urlencoded" not in content_type:
        return  # no text fields: nothing to read (an upload is not held in memory here)
    body = await request.body()
    if "json" in content_type and _JSON_NUL in body:
        try:
            parsed = await request.json()
        except (ValueError, RecursionError):
            return  # not JSON: the route refuses it as such
        field = nul_field(parsed)
        if field is not None:
            raise _refused(field)
    elif "x-www-form-urlencoded" in content_type and (_URL_NUL in body or b"\x00" in body):
        raise _refused(_form_field(body) or "body")

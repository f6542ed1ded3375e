"""The one error handler: every refusal leaves as {"error": {code, message, details}}."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from licensor.core.errors import LicensorError

log = logging.getLogger("licensor.api")


def error_response(code: str, message: str, status: int,
                   details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details or {}}},
                        status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _not_json(request: Request, errors: Sequence[Any]) -> bool:
    """A body was expected but not sent as JSON (FastAPI then reads no fields from it)."""
    content_type = request.headers.get("content-type", "").lower()
    return "json" not in content_type and any(
        tuple(e.get("loc", ()))[:1] == ("body",) for e in errors)


def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if _not_json(request, errors):
        return error_response("INVALID_REQUEST", "The request body must be JSON: send it with "
                              "Content-Type: application/json.", 422,
                              {"field": "body", "content_type":
                               request.headers.get("content-type", "")[:100]})
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid", "type": "invalid"}
    if first.get("type") == "json_invalid":
        return error_response("INVALID_REQUEST", "The request body is not valid JSON; send a JSON "
                              "object with Content-Type: application/json.", 422,
                              {"field": "body"})
    field = _field(tuple(first.get("loc", ())))
    msg = str(first.get("msg", "is invalid"))
    if first.get("type") == "missing":
        message = f"The field '{field}' is required."
    else:
        message = f"The field '{field}' is invalid: {msg}."
    details = {"field": field, "errors": [
        {"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", "")),
         "type": str(e.get("type", ""))} for e in errors[:20]]}
    return error_response("INVALID_REQUEST", message, 422, details)


def http_error(exc: StarletteHTTPException) -> JSONResponse:
    """The JSON answer to a refusal the router makes (no such address, wrong method, an
    unreadable body); the portal answers browsers with a page instead (core/web/portal)."""
    if exc.status_code == 404:
        return error_response("NOT_FOUND", "There is nothing at this address; see /docs for "
                              "the API.", 404)
    if exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        methods = [m.strip() for m in allow.split(",") if m.strip()]
        return error_response("METHOD_NOT_ALLOWED", f"This address takes only "
                              f"{' or '.join(methods) or 'other methods'}; see /docs.", 405,
                              {"allowed": methods}, headers=dict(exc.headers or {}))
    if exc.status_code == 400 and isinstance(exc.__cause__, RecursionError):
        return error_response("INVALID_REQUEST", "The request body's JSON is nested too "
                              "deeply to read; send a flat JSON object with the documented "
                              "fields.", 422, {"field": "body"})
    if exc.status_code == 400:  # e.g. a body that is not UTF-8
        return error_response("INVALID_REQUEST", "The request body could not be read; send "
                              "UTF-8 JSON.", 422, {"field": "body"})
    return error_response("INVALID_REQUEST" if exc.status_code < 500 else "INTERNAL",
                          str(exc.detail), exc.status_code)


def install(app: FastAPI) -> None:
    @app.exception_handler(LicensorError)
    async def _licensor(_req: Request, exc: LicensorError) -> JSONResponse:
        return error_response(exc.code, exc.message, exc.status, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_error(request, exc)

    @app.exception_handler(DataError)
    async def _data(_req: Request, exc: DataError) -> JSONResponse:
        # The database refused a value of the request (PostgreSQL: a NUL character in text, a
        # number out of range): bad input, never a 500. The transaction was rolled back.
        log.warning("request value refused by the database: %s", exc.orig)
        return error_response("INVALID_REQUEST", "The request contains a value that cannot be "
                              "stored (for example a NUL character in a text or a number out of "
                              "range); correct it and try again.", 422, {"field": "unknown"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        return http_error(exc)

    @app.exception_handler(Exception)
    async def _bug(_req: Request, exc: Exception) -> JSONResponse:
        return bug_response(exc)


def bug_response(exc: Exception) -> JSONResponse:
    """A fault of ours (a bug, a dependency down): logged with its trace, answered 500."""
    log.exception("unhandled error", exc_info=exc)
    return error_response("INTERNAL", "Something went wrong on our side; nothing was "
                          "changed. Try again, and report it if it persists.", 500)

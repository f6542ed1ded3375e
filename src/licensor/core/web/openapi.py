"""What `/openapi.json` says about every operation: the error envelope and the codes each
operation can answer with, the bearer-token schemes, the Idempotency-Key header, examples.

Capabilities declare the codes their service raises (`refusals(...)`); the refusals that the
machinery adds to every request of a kind (a body that is not JSON, a body too large, a rate
limit, a missing token, an Idempotency-Key in use) are added here once, by `document()`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, ClassVar

from fastapi import FastAPI, Query, Security
from fastapi.openapi.utils import get_openapi
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    WithJsonSchema,
)

from licensor.core.errors import STATUS_BY_CODE
from licensor.core.web.views import ABSENT, iso, overlay

ADMIN_SCHEME = HTTPBearer(auto_error=False, scheme_name="AdminToken",
                          description="An administrator's token: LICENSOR_ADMIN_TOKEN or one made "
                                      "with `licensor tokens create NAME`.")
ACCOUNT_SCHEME = HTTPBearer(auto_error=False, scheme_name="AccountToken",
                            description="A customer's session token, from POST /v1/accounts or "
                                        "POST /v1/sessions.")

# Dependencies that name the scheme of a protected operation in /openapi.json (the dependency
# that checks the token reads the header itself).
AdminCredentials = Annotated[HTTPAuthorizationCredentials | None, Security(ADMIN_SCHEME)]
AccountCredentials = Annotated[HTTPAuthorizationCredentials | None, Security(ACCOUNT_SCHEME)]

def _utc_text(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


# A time in an answer: RFC 3339 text in UTC with a Z, written from a row's datetime (or kept as
# the text a view built), never parsed again on the way out.
Timestamp = Annotated[str, BeforeValidator(_utc_text),
                      WithJsonSchema({"type": "string", "format": "date-time",
                                      "example": "2026-01-15T09:30:00Z"})]


def _rfc3339_text(value: Any) -> Any:
    # Pydantic would read 0 or 1.5 as seconds since 1970: a time must be written out.
    if not isinstance(value, str | datetime):
        # ValueError, not TypeError: pydantic turns only the former into a 422 naming the field.
        raise ValueError("must be an RFC 3339 time such as 2026-01-15T09:30:00Z")  # noqa: TRY004
    return value


# A time in a request: RFC 3339 text with an offset; a number is refused.
TimeInput = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text),
                      Field(json_schema_extra={"format": "date-time"})]


# `limit` of a list read page by page (default 50) and of a short list (default: all of it).
Limit = Annotated[int | None, Query(ge=1, le=500, description="Items per page, 1 to 500")]
LongLimit = Annotated[int | None, Query(ge=1, le=1000, description="Items per page, 1 to 1000")]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the previous "
                                                                "page")]


def example(value: Any) -> ConfigDict:
    """The `model_config` of a model with its example (the operations using it show it)."""
    return ConfigDict(json_schema_extra={"examples": [value]})


class Answer(BaseModel):
    """Base of every response model. Fields a view adds that a model does not name yet are
    passed through, never dropped: clients rely on the answers as they are. An answer is built
    from its row by the model (`Model.model_validate(row)`; `views.overlay` adds what the row
    does not hold), so its shape is written once."""
    model_config = ConfigDict(extra="allow", from_attributes=True)
    # Fields never read from the row, only from `view`'s values (a secret the row keeps).
    not_from_row: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def view(cls, row: Any, **values: Any) -> dict[str, Any]:
        """The answer of `row` as JSON data, with `values` in place of (or beside) the row's
        attributes; a field the row does not have is left out, as a hand-built view would."""
        hidden = {name: ABSENT for name in cls.not_from_row if name not in values}
        source = overlay(row, **hidden, **values) if values or hidden else row
        return cls.model_validate(source).model_dump(mode="json", exclude_unset=True)


class Money(Answer):
    amount: int = Field(description="Minor units (cents): 8900 is 89.00")
    currency: str = Field(examples=["USD"])

    model_config = example({"amount": 8900,
                                                               "currency": "USD"})


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine code, UPPER_SNAKE")
    message: str = Field(description="What went wrong and what to do about it")
    details: dict[str, Any] = Field(description="Facts about the refusal (e.g. the field)")


class ErrorEnvelope(BaseModel):
    """Every refusal."""
    error: ErrorBody


class Status(Answer):
    status: str


def refusals(*codes: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of an operation that can answer with these codes, grouped by status."""
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(STATUS_BY_CODE[code], []).append(code)
    return {status: _refusal(names) for status, names in by_status.items()}


def _refusal(codes: list[str]) -> dict[str, Any]:
    unique = sorted(set(codes))
    return {"model": ErrorEnvelope, "description": "Codes: " + ", ".join(unique),
            "x-error-codes": unique,
            "content": {"application/json": {"example": _error_example(unique[0])}}}


def _error_example(code: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": "What went wrong, and what to do about it.",
                      "details": {}}}


def _add_codes(operation: dict[str, Any], status: int, *codes: str) -> None:
    responses = operation.setdefault("responses", {})
    entry = responses.get(str(status))
    if entry is None or "x-error-codes" not in entry:
        entry = _refusal(list(codes))
        entry.pop("model")
        entry["content"] = {"application/json": {
            "schema": {"$ref": "#/components/schemas/ErrorEnvelope"},
            "example": _error_example(min(codes))}}
        responses[str(status)] = entry
        return
    merged = sorted(set(entry["x-error-codes"]) | set(codes))
    entry["x-error-codes"] = merged
    entry["description"] = "Codes: " + ", ".join(merged)


# Bodies an endpoint reads as a plain dict, to answer its own coded refusals, but that the
# document still types: the component's name -> what builds its type when the document is built
# (a quote request is one of the quote kinds registered by then).
_TYPED_BODIES: dict[str, Callable[[], Any]] = {}
_TYPED_BODY = "x-typed-body"


def typed_body(name: str, build: Callable[[], Any]) -> dict[str, Any]:
    """The `openapi_extra` of an operation whose body is the type `build()` returns, published
    as the component `name`."""
    _TYPED_BODIES[name] = build
    return {_TYPED_BODY: name}


IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Optional. The same key with the same body answers the first response "
                   "again (for 24 hours); with another body it is refused "
                   "(IDEMPOTENCY_KEY_REUSED).",
    "schema": {"type": "string", "maxLength": 255}, "example": "order-2026-0001"}


def document(app: FastAPI, rate_limited: set[tuple[str, str]]) -> None:
    """Replace the app's OpenAPI builder with one that adds what every operation shares."""
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            _finish(schema, rate_limited)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _finish(schema: dict[str, Any], rate_limited: set[tuple[str, str]]) -> None:
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorEnvelope", _envelope_schema())
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            _finish_operation(schema, path, method, operation, rate_limited)
    # FastAPI's own {"detail": [...]} shapes: no answer has them (every 422 is the envelope).
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)


def _envelope_schema() -> dict[str, Any]:
    return {"title": "ErrorEnvelope", "type": "object", "required": ["error"],
            "description": "Every refusal.",
            "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}}}


def _finish_operation(schema: dict[str, Any], path: str, method: str, operation: dict[str, Any],
                      rate_limited: set[tuple[str, str]]) -> None:
    body = operation.get("requestBody")
    params = operation.get("parameters", [])
    if body is not None:
        _type_body(schema, body, operation.pop(_TYPED_BODY, None))
    if body is not None or params:
        _add_codes(operation, 422, "INVALID_REQUEST")
    if body is not None:
        _add_codes(operation, 413, "PAYLOAD_TOO_LARGE")
        _copy_example(schema, body)
    if any(p.get("in") == "path" for p in params):
        _add_codes(operation, 404, "NOT_FOUND")
    if operation.get("security"):
        _add_codes(operation, 401, "UNAUTHENTICATED")
    if (method.upper(), path) in rate_limited:
        _add_codes(operation, 429, "RATE_LIMITED")
    if method == "post":
        operation["parameters"] = [*params, IDEMPOTENCY_HEADER]
        _add_codes(operation, 409, "IDEMPOTENCY_KEY_IN_USE")
        # INVALID_REQUEST too: a key over 255 characters.
        _add_codes(operation, 422, "IDEMPOTENCY_KEY_REUSED", "INVALID_REQUEST")
    for status, response in operation.get("responses", {}).items():
        if status.startswith("2"):
            _copy_example(schema, response)


def _type_body(schema: dict[str, Any], body: dict[str, Any], typed: str | None) -> None:
    """The body's schema as a component a generator makes a class of: the declared type of a
    body read by hand, the model of an optional body (not "anyOf [model, null]")."""
    media = body.get("content", {}).get("application/json")
    if media is None:
        return
    inline = media.get("schema", {})
    if typed is not None:
        components = schema["components"]["schemas"]
        built = TypeAdapter(_TYPED_BODIES[typed]()).json_schema(
            ref_template="#/components/schemas/{model}")
        for name, definition in built.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault(typed, {"title": typed, **built})
        if inline.get("examples") and "example" not in media:
            media["example"] = inline["examples"][0]
        media["schema"] = {"$ref": f"#/components/schemas/{typed}"}
        return
    options = inline.get("anyOf", [])
    refs = [o for o in options if "$ref" in o]
    if len(options) == 2 and len(refs) == 1 and {"type": "null"} in options:
        media["schema"] = refs[0]
        body["required"] = False


def _copy_example(schema: dict[str, Any], holder: dict[str, Any]) -> None:
    """The operation's example, from the example its model carries (written once, with it)."""
    media = holder.get("content", {}).get("application/json")
    if not media or "example" in media or "examples" in media:
        return
    inline = media.get("schema", {})
    refs = [inline, *inline.get("anyOf", [])]  # an optional body is anyOf [model, null]
    ref = next((r["$ref"] for r in refs if "$ref" in r), "")
    model = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else inline
    examples = model.get("examples")
    if examples:
        media["example"] = examples[0]

"""The ceiling that validation is measured against: a bare Starlette endpoint that parses the
same JSON and verifies one Ed25519 signature (no database, no framework beyond Starlette).

Started by bench/validate.py as `uvicorn ceiling:app` with the same uvicorn settings as
`licensor serve`; it reads the public keys from the benchmark's database once at start.
"""

from __future__ import annotations

import base64
import json
import os

from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError
from sqlalchemy import create_engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from licensor.verify import SIGNATURE_BYTES, key_bytes


def _public_keys() -> dict[bytes, bytes]:
    engine = create_engine(os.environ["LICENSOR_DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kid, public_key FROM signing_keys")).all()
    engine.dispose()
    return {bytes.fromhex(kid): base64.b64decode(pk) for kid, pk in rows}


KEYS = _public_keys()


async def validate(request: Request) -> JSONResponse:
    body = json.loads(await request.body())
    raw = key_bytes(body["license_key"])
    message, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    try:
        crypto_sign_open(signature + message, KEYS[raw[1:5]])
    except BadSignatureError:
        return JSONResponse({"valid": False, "code": "BAD_SIGNATURE", "license": None})
    return JSONResponse({"valid": True, "code": "VALID", "license": None})


app = Starlette(routes=[Route("/v1/licenses/validate", validate, methods=["POST"])])

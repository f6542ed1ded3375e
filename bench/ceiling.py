"""The ceiling that validation is measured against: a bare Starlette endpoint that does the
least the endpoint must: parse the same JSON, verify one Ed25519 signature (the key's) and sign
its answer with Ed25519 as Licensor does (Licensor-Signature); no database, no framework beyond
Starlette.

Started by bench/validate.py as `uvicorn ceiling:app` with the same uvicorn settings as
`licensor serve`; it reads the public keys from the benchmark's database once at start.
"""

from __future__ import annotations

import base64
import json
import os

from nacl.bindings import crypto_sign, crypto_sign_BYTES, crypto_sign_open
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey
from sqlalchemy import create_engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from licensor.verify import SIGNATURE_BYTES, key_bytes


def _public_keys() -> dict[bytes, bytes]:
    engine = create_engine(os.environ["LICENSOR_DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kid, public_key FROM signing_keys")).all()
    engine.dispose()
    return {bytes.fromhex(kid): base64.b64decode(pk) for kid, pk in rows}


KEYS = _public_keys()
_SIGNER = SigningKey.generate()
SECRET = bytes(_SIGNER) + bytes(_SIGNER.verify_key)


def answer(content: dict[str, object]) -> Response:
    body = json.dumps(content, separators=(",", ":")).encode()
    signature = crypto_sign(b"POST /v1/licenses/validate\n" + body, SECRET)[:crypto_sign_BYTES]
    return Response(body, media_type="application/json",
                    headers={"Licensor-Signature": base64.b64encode(signature).decode()})


async def validate(request: Request) -> Response:
    body = json.loads(await request.body())
    raw = key_bytes(body["license_key"])
    message, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    try:
        crypto_sign_open(signature + message, KEYS[raw[1:5]])
    except BadSignatureError:
        return answer({"valid": False, "code": "BAD_SIGNATURE", "license": None})
    return answer({"valid": True, "code": "VALID", "license": None})


app = Starlette(routes=[Route("/v1/licenses/validate", validate, methods=["POST"])])

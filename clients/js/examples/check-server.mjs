// Checks a running Licensor with this verifier: signed answers (and that replayed, edited,
// misdirected and old ones are refused), the revocation list, a revoked key offline. An example
// of the calls an app makes; tests/licenses/test_js_live.py runs it against a real server.
// Usage: node examples/check-server.mjs BASE_URL LICENSE_NAME LICENSE_KEY REVOKED_NAME REVOKED_KEY
// Prints one JSON object with the codes it got.

import { publicKeysFromJson, Verifier } from '../src/index.js';

const [base, name, key, revokedName, revokedKey] = process.argv.slice(2);
const keys = publicKeysFromJson(await (await fetch(`${base}/v1/signing-keys`)).json());
const verifier = new Verifier(keys);

async function ask(path, body, nonce) {
  const response = await fetch(base + path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...body, nonce }),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { bytes, signature: response.headers.get('Licensor-Signature') };
}

const nonce = crypto.randomUUID();
const validate = await ask('/v1/licenses/validate', { license_name: name, license_key: key }, nonce);
const update = await ask('/v1/updates/check', { license_name: name, license_key: key,
  version: '3.0.0' }, nonce);
const check = (path, answer, n, extra = {}) => verifier.verifyAnswer({ path, body: answer.bytes,
  signature: answer.signature, nonce: n, maxAge: 60, ...extra }).code;
const edited = Uint8Array.from(validate.bytes);
edited[edited.indexOf(0x3a) + 1] ^= 0x01; // one byte after the first ':'

const listText = await (await fetch(`${base}/v1/revocations`)).text();
const list = verifier.checkRevocationList(listText);

console.log(JSON.stringify({
  validate: check('/v1/licenses/validate', validate, nonce),
  verdict: JSON.parse(new TextDecoder().decode(validate.bytes)).code,
  update: check('/v1/updates/check', update, nonce),
  replayed: check('/v1/licenses/validate', validate, 'another-nonce'),
  edited: check('/v1/licenses/validate', { ...validate, bytes: edited }, nonce),
  misdirected: check('/v1/licenses/validate', update, nonce),
  too_old: check('/v1/licenses/validate', validate, nonce, { now: Date.now() / 1000 + 3600 }),
  list: list.code,
  revoked_offline: verifier.verify(revokedName, revokedKey, { revocations: list.revocations }).code,
  valid_offline: verifier.verify(name, key, { revocations: list.revocations }).code,
}));

// How an app installs an update and proves its license offline, with this verifier.
// Usage: node examples/offline-install.mjs BASE_URL LICENSE_NAME LICENSE_KEY PLATFORM FINGERPRINT
// Prints one JSON object with the verdicts it got.

import { publicKeysFromJson, verifyArtifact, verifyLicenseFile } from '@licensor/verify';

const [base, name, key, platform, fingerprint] = process.argv.slice(2);
const info = { license_name: name, license_key: key };
const post = async (path, body) => (await fetch(base + path, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
})).json();
// The vendor's public keys: fetched once, then kept (shipped inside the app, for instance).
const keys = publicKeysFromJson(await (await fetch(`${base}/v1/signing-keys`)).json());

// 1. The newest release this license may update to, and its file: check it before installing.
const offer = await post('/v1/downloads', { ...info, platform });
const data = new Uint8Array(await (await fetch(offer.url)).arrayBuffer()); // follows redirects
const artifact = verifyArtifact(data, offer, keys); // VALID, DIGEST_MISMATCH, BAD_SIGNATURE…
const tampered = verifyArtifact(new Uint8Array([...data, 33]), offer, keys);

// 2. A license file for this machine, encrypted with the License Key: the app keeps it and
//    checks it at every start, with no network, until it expires.
const document = await post('/v1/licenses/checkout',
  { ...info, fingerprint, encrypt: true, ttl: 30 * 24 * 3600 });
const check = await verifyLicenseFile(document, keys, { licenseKey: key, fingerprint });
const elsewhere = await verifyLicenseFile(document, keys,
  { licenseKey: key, fingerprint: 'another-machine' });

console.log(JSON.stringify({
  version: offer.version, artifact, tampered, license_file: check.code,
  license_id: check.license?.id ?? null, elsewhere: elsewhere.code,
}));

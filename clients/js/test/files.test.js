// The JavaScript license-file and artifact checks against the shared vectors (made by
// tests/verify/test_file_vectors.py from Licensor's signer): every code the Python reference
// gives, this gives too.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { publicKeysFromJson, verifyArtifact, verifyLicenseFile } from '../src/index.js';

const vectors = JSON.parse(readFileSync(new URL('./files.json', import.meta.url), 'utf8'));
const keys = publicKeysFromJson(vectors.signing_keys);

test('license files', async (t) => {
  const codes = new Set();
  for (const c of vectors.license_files) {
    await t.test(c.name, async () => {
      const options = { licenseKey: c.license_key, fingerprint: c.fingerprint, now: c.now };
      const result = await verifyLicenseFile(c.document, keys, options);
      assert.equal(result.code, c.expect.code);
      assert.equal(result.valid, c.expect.code === 'VALID');
      assert.equal(result.license?.id ?? null, c.expect.license_id);
      // The parsed document, and the /v1/signing-keys answer itself, give the same answer.
      let parsed = null;
      try { parsed = JSON.parse(c.document); } catch { /* not JSON: checked as text above */ }
      if (parsed !== null) {
        const again = await verifyLicenseFile(parsed, vectors.signing_keys, options);
        assert.equal(again.code, c.expect.code);
      }
      codes.add(result.code);
    });
  }
  assert.deepEqual([...codes].sort(), ['BAD_SIGNATURE', 'DECRYPTION_FAILED', 'EXPIRED',
    'FINGERPRINT_MISMATCH', 'MALFORMED', 'UNKNOWN_KEY', 'VALID']);
});

test('artifacts', async (t) => {
  for (const c of vectors.artifacts) {
    await t.test(c.name, () => {
      const data = Uint8Array.from(atob(c.data), (ch) => ch.charCodeAt(0));
      assert.equal(verifyArtifact(data, c.artifact, keys), c.expect);
      const chunks = [data.subarray(0, 100), data.subarray(100)];
      assert.equal(verifyArtifact(chunks, c.artifact, keys), c.expect);
    });
  }
});

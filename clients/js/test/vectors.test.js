// The JavaScript verifier against the shared vectors (made by tests/verify/test_vectors.py
// from Licensor's signer): every code the Python reference gives, this gives too.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { normalizeLicenseName, publicKeysFromJson, Verifier } from '../src/index.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'));
const verifier = new Verifier(publicKeysFromJson(vectors.signing_keys));

test('License Keys', async (t) => {
  for (const c of vectors.keys) {
    await t.test(c.name, () => {
      const revocations = c.revocation_list === null ? null
        : verifier.checkRevocationList(c.revocation_list, { now: 1_780_000_000 }).revocations;
      const verdict = verifier.verify(c.license_name, c.license_key,
        { product: c.product, revocations });
      assert.equal(verdict.code, c.expect);
      assert.equal(verdict.valid, c.expect === 'VALID');
      if (verdict.valid) assert.match(verdict.claims?.licenseId ?? '', /^lic_[0-9a-f]{32}$/);
    });
  }
});

test('signed answers', async (t) => {
  for (const c of vectors.answers) {
    await t.test(c.name, () => {
      const check = verifier.verifyAnswer({ path: c.path, body: new TextEncoder().encode(c.body),
        signature: c.signature, nonce: c.nonce, now: c.now, maxAge: c.max_age });
      assert.equal(check.code, c.expect);
      assert.equal(check.ok, c.expect === 'VERIFIED');
    });
  }
});

test('revocation lists', async (t) => {
  for (const c of vectors.revocation_lists) {
    await t.test(c.name, () => {
      const check = verifier.checkRevocationList(c.document,
        { now: c.now, lastSequence: c.last_sequence });
      assert.equal(check.code, c.expect.code);
      assert.equal(check.revocations?.sequence ?? null, c.expect.sequence);
      assert.deepEqual(check.revocations ? [...check.revocations.licenses].sort() : null,
        c.expect.licenses);
      // The same document parsed first gives the same answer.
      let parsed = null;
      try { parsed = JSON.parse(c.document); } catch { /* not JSON: checked as text above */ }
      if (parsed !== null && typeof parsed === 'object') {
        assert.equal(verifier.checkRevocationList(parsed,
          { now: c.now, lastSequence: c.last_sequence }).code, c.expect.code);
      }
    });
  }
});

test('License Name normalization', () => {
  for (const [text, normalized] of vectors.names.samples) {
    assert.equal(normalizeLicenseName(text), normalized, JSON.stringify(text));
  }
  const differing = [];
  for (const line of vectors.names.characters.split('\n')) {
    const [character, normalized] = line.split('\t');
    if (normalizeLicenseName(character) !== normalized) {
      differing.push(`U+${character.codePointAt(0).toString(16)}`);
    }
  }
  assert.deepEqual(differing, [], `${differing.length} characters normalize differently`);
});

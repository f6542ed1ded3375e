// License files and release artifacts, checked offline exactly as the Python reference
// `licensor.verify` (verify/files.py) does; test/files.json, generated from the real signer,
// holds both to it. Formats: docs/releases.md in the Licensor repository.
//
// verifyLicenseFile is asynchronous (it answers a Promise): an encrypted file is opened with
// WebCrypto's AES-GCM, which Node 20+, Electron and browsers all have. verifyArtifact is not.

import * as ed from '@noble/ed25519';
import { sha256 } from '@noble/hashes/sha2.js';

import { decodeBase64url, keyBytes, publicKeysFromJson, rfc3339Seconds } from './index.js';

export const LICENSE_FILE_FORMAT = 'licensor-license-file-v1';
export const ARTIFACT_FORMAT = 'licensor-artifact-v1';
const PLAIN = 'ed25519';
const ENCRYPTED = 'aes-256-gcm+ed25519';
const NONCE_BYTES = 12;

export const EXPIRED = 'EXPIRED';
export const FINGERPRINT_MISMATCH = 'FINGERPRINT_MISMATCH';
export const DECRYPTION_FAILED = 'DECRYPTION_FAILED';
export const DIGEST_MISMATCH = 'DIGEST_MISMATCH';

const LICENSE_FIELDS = ['id', 'product', 'seats', 'license_name', 'status', 'maintenance_until',
  'major_version'];
const SIGNATURE_TEXT = /^[A-Za-z0-9+/]{86}==$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * @typedef {object} LicenseFileCheck
 * @property {string} code  VALID, EXPIRED, BAD_SIGNATURE, UNKNOWN_KEY, FINGERPRINT_MISMATCH,
 *   DECRYPTION_FAILED or MALFORMED
 * @property {boolean} valid
 * @property {Record<string, unknown> | null} license  when VALID (and EXPIRED)
 * @property {number | null} issuedAt  Unix seconds
 * @property {number | null} expiresAt
 * @property {string | null} fingerprint  the machine the file is bound to
 */

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * kid → public key, from a Map, a plain object, or the /v1/signing-keys answer itself.
 * @param {any} keys
 * @returns {Map<string, Uint8Array>}
 */
function publicKeys(keys) {
  if (keys instanceof Map) return keys;
  if (isObject(keys) && Array.isArray(keys.data)) return publicKeysFromJson(/** @type {any} */ (keys));
  return new Map(Object.entries(keys ?? {}));
}

/**
 * null when the signature holds, else the verdict.
 * @param {Map<string, Uint8Array>} keys @param {unknown} kid @param {unknown} signatureText
 * @param {Uint8Array} message
 */
function signed(keys, kid, signatureText, message) {
  if (typeof kid !== 'string' || typeof signatureText !== 'string') return 'MALFORMED';
  const publicKey = keys.get(kid);
  if (publicKey === undefined) return 'UNKNOWN_KEY';
  if (!SIGNATURE_TEXT.test(signatureText)) return 'MALFORMED';
  const signature = Uint8Array.from(atob(signatureText), (ch) => ch.charCodeAt(0));
  try {
    // RFC 8032's stricter rules, as libsodium (behind PyNaCl) applies them.
    return ed.verify(signature, message, publicKey, { zip215: false }) ? null : 'BAD_SIGNATURE';
  } catch {
    return 'BAD_SIGNATURE';
  }
}

/** @param {Uint8Array} raw a License Key's bytes, as printed: base32 in groups of five */
function formatKey(raw) {
  let bits = 0;
  let value = 0;
  let text = '';
  for (const byte of raw) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += BASE32[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) text += BASE32[(value << (5 - bits)) & 31];
  return text.match(/.{1,5}/g)?.join('-') ?? '';
}

/**
 * The AES-256 key of an encrypted license file: SHA-256 of the License Key's text as printed
 * (+ "\n" + fingerprint when the file is bound to a machine).
 * @param {string} licenseKey @param {string | null | undefined} fingerprint
 */
export function contentKey(licenseKey, fingerprint) {
  let text = formatKey(keyBytes(licenseKey));
  if (fingerprint !== null && fingerprint !== undefined) text += `\n${fingerprint}`;
  return sha256(new TextEncoder().encode(text));
}

/**
 * @param {Uint8Array} raw @param {string | null | undefined} licenseKey
 * @param {string | null | undefined} fingerprint
 * @returns {Promise<Uint8Array | null>}
 */
async function decrypt(raw, licenseKey, fingerprint) {
  if (typeof licenseKey !== 'string' || raw.length < NONCE_BYTES + 16) return null;
  try {
    const key = await globalThis.crypto.subtle.importKey(
      'raw', contentKey(licenseKey, fingerprint), 'AES-GCM', false, ['decrypt']);
    const plain = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: raw.slice(0, NONCE_BYTES) }, key, raw.slice(NONCE_BYTES));
    return new Uint8Array(plain);
  } catch {
    return null; // a wrong key, a wrong fingerprint, or a key that is not one
  }
}

/** @param {Uint8Array} bytes @returns {Record<string, any> | null} */
function payloadOf(bytes) {
  let payload;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  if (!isObject(payload)) return null;
  const license = payload.license;
  const fingerprint = payload.fingerprint;
  if (!isObject(license) || !LICENSE_FIELDS.every((f) => f in license)
      || rfc3339Seconds(payload.issued_at) === null || rfc3339Seconds(payload.expires_at) === null
      || !(fingerprint === null || fingerprint === undefined || typeof fingerprint === 'string')) {
    return null;
  }
  return payload;
}

/**
 * @param {string} code @param {Partial<LicenseFileCheck>} [rest]
 * @returns {LicenseFileCheck}
 */
function check(code, rest = {}) {
  return { code, valid: code === 'VALID', license: null, issuedAt: null, expiresAt: null,
    fingerprint: null, ...rest };
}

/**
 * Check a license file (the parsed document or its JSON text) with the vendor's public keys.
 * @param {unknown} doc
 * @param {any} keys  a Map kid → key, publicKeysFromJson's answer, or /v1/signing-keys itself
 * @param {{licenseKey?: string | null, fingerprint?: string | null, now?: number}} [options]
 *   `now` in Unix seconds (default: the machine's clock)
 * @returns {Promise<LicenseFileCheck>}
 */
export async function verifyLicenseFile(doc, keys, { licenseKey = null, fingerprint = null,
  now = Date.now() / 1000 } = {}) {
  let document = doc;
  if (typeof document === 'string') {
    try { document = JSON.parse(document); } catch { return check('MALFORMED'); }
  }
  if (!isObject(document) || document.format !== LICENSE_FILE_FORMAT
      || (document.alg !== PLAIN && document.alg !== ENCRYPTED)
      || typeof document.payload !== 'string' || !/^[\x00-\x7f]*$/.test(document.payload)) {
    return check('MALFORMED');
  }
  const refused = signed(publicKeys(keys), document.kid, document.signature,
    new TextEncoder().encode(document.payload));
  if (refused !== null) return check(refused);
  let raw = decodeBase64url(document.payload);
  if (raw === null) return check('MALFORMED');
  if (document.alg === ENCRYPTED) {
    raw = await decrypt(raw, licenseKey, fingerprint);
    if (raw === null) return check(DECRYPTION_FAILED);
  }
  const payload = payloadOf(raw);
  if (payload === null) return check('MALFORMED');
  const bound = payload.fingerprint ?? null;
  if (bound !== null && bound !== fingerprint) return check(FINGERPRINT_MISMATCH, { fingerprint: bound });
  const issuedAt = rfc3339Seconds(payload.issued_at);
  const expiresAt = rfc3339Seconds(payload.expires_at);
  return check(expiresAt !== null && now > expiresAt ? EXPIRED : 'VALID',
    { license: payload.license, issuedAt, expiresAt, fingerprint: bound });
}

/** @param {Uint8Array | Iterable<Uint8Array>} data */
function digestHex(data) {
  const hash = sha256.create();
  if (data instanceof Uint8Array) hash.update(data);
  else for (const chunk of data) hash.update(chunk);
  return Array.from(hash.digest(), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * VALID when `data` (bytes, or an iterable of chunks) is the file the vendor signed as
 * `artifact` (a release's artifact or a download's answer); else DIGEST_MISMATCH,
 * BAD_SIGNATURE, UNKNOWN_KEY or MALFORMED.
 * @param {Uint8Array | Iterable<Uint8Array>} data
 * @param {Record<string, unknown>} artifact
 * @param {any} keys
 * @returns {string}
 */
export function verifyArtifact(data, artifact, keys) {
  const fields = ['product', 'version', 'platform', 'sha256'].map((f) => artifact?.[f]);
  if (!fields.every((f) => typeof f === 'string' && /^[\x00-\x7f]*$/.test(f) && !f.includes('\n'))) {
    return 'MALFORMED';
  }
  const [product, version, platform, digest] = /** @type {string[]} */ (fields);
  if (!/^[0-9a-f]{64}$/.test(digest)) return 'MALFORMED';
  const statement = new TextEncoder().encode(
    `${ARTIFACT_FORMAT}\n${product}\n${version}\n${platform}\n${digest}`);
  const refused = signed(publicKeys(keys), artifact.kid, artifact.signature, statement);
  if (refused !== null) return refused;
  return digestHex(data) === digest ? 'VALID' : DIGEST_MISMATCH;
}

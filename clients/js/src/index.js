// Verify Licensor License Information, signed answers and signed revocation lists in
// JavaScript (Electron apps, Node plugins), exactly as the Python reference `licensor.verify`
// does: the same inputs give the same codes (test/vectors.json, generated from the real
// signer, holds both to it). Formats: docs/key-format.md in the Licensor repository.

import * as ed from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';

import { CASEFOLD_EXCEPTIONS } from './casefold.js';
import { ASSIGNED, UNICODE_VERSION } from './unicode14.js';

// Synchronous verification: @noble/ed25519 needs a SHA-512 to do it without WebCrypto.
ed.hashes.sha512 = sha512;

// -- codes ------------------------------------------------------------------------------------

// A License Key's verdict (as in the validate answer).
export const VALID = 'VALID';
export const MALFORMED = 'MALFORMED';
export const UNKNOWN_KEY = 'UNKNOWN_KEY';
export const BAD_SIGNATURE = 'BAD_SIGNATURE';
export const NAME_MISMATCH = 'NAME_MISMATCH';
export const PRODUCT_MISMATCH = 'PRODUCT_MISMATCH';
export const REVOKED = 'REVOKED';

// A signed answer's check (VERIFIED, or the first check that failed).
export const VERIFIED = 'VERIFIED';
export const MISSING_SIGNATURE = 'MISSING_SIGNATURE';
export const MALFORMED_SIGNATURE = 'MALFORMED_SIGNATURE';
export const WRONG_PATH = 'WRONG_PATH';
export const MALFORMED_ANSWER = 'MALFORMED_ANSWER';
export const NONCE_MISMATCH = 'NONCE_MISMATCH';
export const TOO_OLD = 'TOO_OLD';
export const FROM_THE_FUTURE = 'FROM_THE_FUTURE';

// A revocation list's check (also MALFORMED, UNKNOWN_KEY, BAD_SIGNATURE).
export const CURRENT = 'CURRENT';
export const STALE = 'STALE';
export const ROLLED_BACK = 'ROLLED_BACK';

export const SIGNATURE_HEADER = 'Licensor-Signature';
export const SIGNED_PATHS = ['/v1/licenses/validate', '/v1/updates/check'];
export const CLOCK_DRIFT = 300; // seconds the app's and the server's clocks may disagree by
export const DEFAULT_MAX_AGE = 300; // seconds
export const DEFAULT_GRACE = 7 * 24 * 3600; // seconds past next_update before a list is stale
export const REVOCATIONS_FORMAT = 'licensor-revocations-v1';

/**
 * @typedef {object} Claims  What a License Key says, once its signature has been checked.
 * @property {string} licenseId
 * @property {string} product
 * @property {number | null} seats  null = unlimited
 * @property {number} issuedAt  Unix seconds, UTC
 * @property {string} kid
 * @property {number | null} maintenanceUntil  Unix seconds; null = product without maintenance
 * @property {number | null} majorVersion
 *
 * @typedef {object} Verdict
 * @property {string} code
 * @property {boolean} valid
 * @property {Claims | null} claims
 *
 * @typedef {object} RevocationList
 * @property {string} kid
 * @property {number} sequence
 * @property {number} issuedAt  Unix seconds
 * @property {number} nextUpdate  Unix seconds
 * @property {Set<string>} licenses  ids of the licenses that no longer validate
 *
 * @typedef {object} RevocationListCheck
 * @property {string} code  CURRENT or STALE (both carry the list), or why it was refused
 * @property {boolean} usable
 * @property {RevocationList | null} revocations
 *
 * @typedef {object} AnswerCheck
 * @property {string} code  VERIFIED or the first check that failed
 * @property {boolean} ok
 * @property {Record<string, unknown> | null} answer  the parsed body once the signature holds
 * @property {string | null} kid
 *
 * @typedef {Map<string, Uint8Array>} PublicKeys  kid → 32-byte Ed25519 public key
 */

// -- License Names ----------------------------------------------------------------------------

// Python's str.split() white space (str.isspace), so names collapse the same way.
const WHITE_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/**
 * The form of a License Name that a key is bound to: NFKC, case-folded, single spaces.
 * @param {string} name
 * @returns {string}
 */
export function normalizeLicenseName(name) {
  let folded = '';
  for (const ch of name.normalize('NFKC')) {
    // One code point at a time: toLowerCase on a whole string applies the final-sigma rule,
    // which case folding does not.
    folded += CASEFOLD_EXCEPTIONS.get(/** @type {number} */ (ch.codePointAt(0))) ?? ch.toLowerCase();
  }
  return folded.split(WHITE_SPACE).filter((part) => part !== '').join(' ');
}

/** @returns {RegExp} a character class of every code point the Unicode 14.0 table does not list */
function outsideUnicode14() {
  const hex = (/** @type {number} */ cp) => `\\u{${cp.toString(16)}}`;
  let gaps = '';
  let following = 0;
  for (const word of ASSIGNED.split(/\s+/).filter((w) => w !== '')) {
    const [first, last = first] = word.split('-').map((h) => parseInt(h, 16));
    if (first > following) gaps += `${hex(following)}-${hex(first - 1)}`;
    following = last + 1;
  }
  if (following <= 0x10ffff) gaps += `${hex(following)}-${hex(0x10ffff)}`;
  return new RegExp(`[${gaps}]`, 'u');
}

/** @type {RegExp | null} */
let unassigned = null;

/**
 * The first character of a License Name that Unicode 14.0 does not assign (or a lone
 * surrogate), or null. Such a name never matches a key: its normalization would follow the
 * runtime's Unicode tables (Node's ICU is newer than Python's unicodedata), so the rule reads the
 * Unicode 14.0 table shipped in unicode14.js instead, as licensor.verify does.
 * @param {string} name
 * @returns {string | null}
 */
export function unassignedCharacter(name) {
  if (unassigned === null) unassigned = outsideUnicode14();
  const found = unassigned.exec(name);
  return found === null ? null : found[0];
}

/**
 * @param {string} name  a License Name made of Unicode 14.0 characters
 * @returns {Uint8Array} the first 8 bytes of SHA-256 of the normalized name
 */
export function nameDigest(name) {
  const character = unassignedCharacter(name);
  if (character !== null) {
    const cp = /** @type {number} */ (character.codePointAt(0));
    throw new RangeError(`U+${cp.toString(16).toUpperCase().padStart(4, '0')} is not a character `
      + `of Unicode ${UNICODE_VERSION}: a License Name cannot contain it`);
  }
  return sha256(new TextEncoder().encode(normalizeLicenseName(name))).subarray(0, 8);
}

// -- License Keys -----------------------------------------------------------------------------

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const IGNORED = new Set([' ', '\t', '\r', '\n', '-', '_', '\u00a0', '\u2010', '\u2011', '\u2012',
  '\u2013', '\u2014']);
const TYPED = { 0: 'O', 1: 'I', 8: 'B' };
const HEADER_SIZE = 44;
const SIGNATURE_SIZE = 64;
const UNLIMITED = 0xffffffff;

class Malformed extends Error {}

/**
 * The raw bytes of a typed or pasted key (forgiving: separators, case, 0/1/8 for O/I/B).
 * @param {string} licenseKey
 * @returns {Uint8Array}
 */
export function keyBytes(licenseKey) {
  if (typeof licenseKey !== 'string') throw new Malformed('a License Key is text');
  let text = '';
  for (const ch of licenseKey) if (!IGNORED.has(ch)) text += ch;
  text = text.toUpperCase().replace(/[018]/g, (digit) => TYPED[/** @type {'0'|'1'|'8'} */ (digit)]);
  if (!text || text.length > 1024) throw new Malformed('empty or far too long');
  const padded = text + '='.repeat((8 - (text.length % 8)) % 8);
  const data = padded.replace(/=+$/, '');
  if (![0, 1, 3, 4, 6].includes(padded.length - data.length)) throw new Malformed('padding');
  return base32Decode(data);
}

/** @param {string} data */
function base32Decode(data) {
  const out = new Uint8Array(Math.floor((data.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const ch of data) {
    const digit = BASE32.indexOf(ch);
    if (digit < 0) throw new Malformed('not base32');
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

/** @param {Uint8Array} bytes */
function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Split raw key bytes into the signed message, the signature, the claims and the name digest.
 * @param {Uint8Array} raw
 */
export function parseKey(raw) {
  if (raw.length < HEADER_SIZE + SIGNATURE_SIZE) throw new Malformed('too short');
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw[0] !== 1) throw new Malformed('unknown format version');
  const productLength = raw[43];
  const end = HEADER_SIZE + productLength;
  if (raw.length !== end + SIGNATURE_SIZE) throw new Malformed('wrong length');
  const productBytes = raw.subarray(HEADER_SIZE, end);
  if (productBytes.some((b) => b > 0x7f)) throw new Malformed('product code is not ASCII');
  const seats = view.getUint32(33);
  const maintenance = view.getUint32(37);
  const major = view.getUint16(41);
  /** @type {Claims} */
  const claims = {
    licenseId: 'lic_' + hex(raw.subarray(5, 21)),
    product: String.fromCharCode(...productBytes),
    seats: seats === UNLIMITED ? null : seats,
    issuedAt: view.getUint32(29),
    kid: hex(raw.subarray(1, 5)),
    maintenanceUntil: maintenance || null,
    majorVersion: major || null,
  };
  return { message: raw.subarray(0, end), signature: raw.subarray(end), claims,
    digest: raw.subarray(21, 29) };
}

/**
 * @param {Uint8Array} publicKey @param {Uint8Array} signature @param {Uint8Array} message
 * @returns {boolean}
 */
function opens(publicKey, signature, message) {
  try {
    // RFC 8032's stricter rules, as libsodium (behind PyNaCl) applies them.
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** @param {Uint8Array} a @param {Uint8Array} b */
function equalBytes(a, b) {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/**
 * @param {string} code @param {Claims | null} claims
 * @returns {Verdict}
 */
function verdict(code, claims = null) {
  return { code, valid: code === VALID, claims };
}

// -- signed answers and revocation lists: shared pieces ------------------------------------

const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|\+00:00)$/;

/** @param {number} year */
function isLeap(year) {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Unix seconds (fraction dropped) of an RFC 3339 UTC time, or null.
 * @param {unknown} text
 * @returns {number | null}
 */
export function rfc3339Seconds(text) {
  const match = typeof text === 'string' ? RFC3339_UTC.exec(text) : null;
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const days = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days[month - 1] || hour > 23
      || minute > 59 || second > 59) return null;
  // Days from 1970-01-01 (Howard Hinnant's days_from_civil): no Date quirks for years < 100.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const epochDays = era * 146097 + doe - 719468;
  return epochDays * 86400 + hour * 3600 + minute * 60 + second;
}

const SIGNATURE_TEXT = /^[A-Za-z0-9+/]{86}==$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The 64 bytes of a signature in standard base64 (always 86 characters and "=="), or null.
 * @param {string} text
 */
function signatureBytes(text) {
  return SIGNATURE_TEXT.test(text) ? base64Bytes(text) : null;
}

/**
 * Standard base64 → bytes with `atob` (Node, Electron and browsers alike).
 * @param {string} text
 */
function base64Bytes(text) {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/**
 * @param {string} text base64url, padded or not
 * @returns {Uint8Array | null}
 */
export function decodeBase64url(text) {
  const body = text.replace(/=+$/, '');
  if (body !== text && (text.length - body.length > 2 || text.length % 4 !== 0)) return null;
  if (!BASE64URL.test(body) || body.length % 4 === 1) return null;
  const standard = body.replace(/-/g, '+').replace(/_/g, '/');
  return base64Bytes(standard + '='.repeat((4 - (standard.length % 4)) % 4));
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @param {Uint8Array | string} value */
function bytesOf(value) {
  return typeof value === 'string' ? new TextEncoder().encode(value) : value;
}

/** @param {Uint8Array} bytes @returns {unknown} parsed JSON, or undefined */
function parseJson(bytes) {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

/** @param {string} path @param {Uint8Array} body */
function signedMessage(path, body) {
  const head = new TextEncoder().encode(`POST ${path}\n`);
  const message = new Uint8Array(head.length + body.length);
  message.set(head);
  message.set(body, head.length);
  return message;
}

// -- the verifier -----------------------------------------------------------------------------

/**
 * Public keys from the server's `GET /v1/signing-keys` answer (or `licensor keys export`);
 * retired keys are left out.
 * @param {{data: Array<{kid: string, public_key: string, status?: string}>}} document
 * @returns {PublicKeys}
 */
export function publicKeysFromJson(document) {
  if (!isObject(document) || !Array.isArray(document.data)) {
    throw new TypeError('expected {"data": [...]} as served by GET /v1/signing-keys');
  }
  /** @type {PublicKeys} */
  const keys = new Map();
  for (const item of document.data) {
    if (isObject(item) && item.status !== 'retired') {
      keys.set(String(item.kid), base64Bytes(String(item.public_key)));
    }
  }
  return keys;
}

export class Verifier {
  /** @param {PublicKeys | Record<string, Uint8Array>} publicKeys kid → 32-byte public key */
  constructor(publicKeys) {
    /** @type {PublicKeys} */
    this.keys = publicKeys instanceof Map ? new Map(publicKeys) : new Map(Object.entries(publicKeys));
  }

  /**
   * The verdict on License Information. With a revocation list that `checkRevocationList`
   * accepted, a key it lists is REVOKED.
   * @param {string} licenseName
   * @param {string} licenseKey
   * @param {{product?: string | null, revocations?: RevocationList | null}} [options]
   * @returns {Verdict}
   */
  verify(licenseName, licenseKey, { product = null, revocations = null } = {}) {
    let parsed;
    try {
      parsed = parseKey(keyBytes(licenseKey));
    } catch (error) {
      if (error instanceof Malformed) return verdict(MALFORMED);
      throw error;
    }
    const { message, signature, claims, digest } = parsed;
    const publicKey = this.keys.get(claims.kid);
    if (publicKey === undefined) return verdict(UNKNOWN_KEY);
    if (!opens(publicKey, signature, message)) return verdict(BAD_SIGNATURE);
    // A name outside Unicode 14.0 has no digest (nameDigest throws) and matches no key.
    if (unassignedCharacter(licenseName) !== null) return verdict(NAME_MISMATCH, claims);
    if (!equalBytes(digest, nameDigest(licenseName))) return verdict(NAME_MISMATCH, claims);
    if (product !== null && product !== undefined && product !== claims.product) {
      return verdict(PRODUCT_MISMATCH, claims);
    }
    if (revocations && revocations.licenses.has(claims.licenseId)) return verdict(REVOKED, claims);
    return verdict(VALID, claims);
  }

  /**
   * Was this answer signed by the vendor's server, for this request, recently? Checks in
   * order: the header, the key, the signature over this path and body, the body, the nonce,
   * the time (max age plus 5 minutes of clock drift).
   * @param {object} request
   * @param {string} request.path  e.g. '/v1/licenses/validate'
   * @param {Uint8Array | string} request.body  the answer's body exactly as received
   * @param {string | null | undefined} request.signature  the Licensor-Signature header
   * @param {string | null | undefined} request.nonce  the nonce the app sent
   * @param {number} [request.now]  the app's Unix time in seconds (default: now)
   * @param {number} [request.maxAge]  seconds (default 300)
   * @returns {AnswerCheck}
   */
  verifyAnswer({ path, body, signature, nonce, now = Date.now() / 1000,
    maxAge = DEFAULT_MAX_AGE }) {
    /** @type {(code: string, answer?: Record<string, unknown> | null, kid?: string | null) => AnswerCheck} */
    const result = (code, answer = null, kid = null) => ({ code, ok: code === VERIFIED, answer, kid });
    if (!signature) return result(MISSING_SIGNATURE);
    const parts = signature.trim().split(',');
    const raw = parts.length === 3 && parts[0] === 'v1' ? signatureBytes(parts[2]) : null;
    if (raw === null) return result(MALFORMED_SIGNATURE);
    const kid = parts[1];
    const publicKey = this.keys.get(kid);
    if (publicKey === undefined) return result(UNKNOWN_KEY, null, kid);
    const bytes = bytesOf(body);
    if (!opens(publicKey, raw, signedMessage(path, bytes))) {
      const other = SIGNED_PATHS.some((p) => p !== path && opens(publicKey, raw, signedMessage(p, bytes)));
      return result(other ? WRONG_PATH : BAD_SIGNATURE, null, kid);
    }
    const answer = parseJson(bytes);
    if (!isObject(answer)) return result(MALFORMED_ANSWER, null, kid);
    if ((answer.nonce ?? null) !== (nonce ?? null)) return result(NONCE_MISMATCH, answer, kid);
    const issued = rfc3339Seconds(answer.issued_at);
    if (issued === null) return result(MALFORMED_ANSWER, answer, kid);
    if (issued < now - maxAge - CLOCK_DRIFT) return result(TOO_OLD, answer, kid);
    if (issued > now + CLOCK_DRIFT) return result(FROM_THE_FUTURE, answer, kid);
    return result(VERIFIED, answer, kid);
  }

  /**
   * Check a revocation list (the parsed document or its JSON text). A list with a lower
   * sequence than `lastSequence` (the highest the app accepted before; it keeps it) is
   * ROLLED_BACK; one past next_update plus `grace` seconds is STALE but still applied.
   * @param {Record<string, unknown> | string | Uint8Array} document
   * @param {{now?: number, lastSequence?: number | null, grace?: number}} [options]
   * @returns {RevocationListCheck}
   */
  checkRevocationList(document, { now = Date.now() / 1000, lastSequence = null,
    grace = DEFAULT_GRACE } = {}) {
    /** @type {(code: string, revocations?: RevocationList | null) => RevocationListCheck} */
    const result = (code, revocations = null) => ({ code, usable: revocations !== null, revocations });
    const parsed = typeof document === 'string' || document instanceof Uint8Array
      ? parseJson(bytesOf(document)) : document;
    if (!isObject(parsed) || parsed.format !== REVOCATIONS_FORMAT) return result(MALFORMED);
    const { kid, payload, signature } = parsed;
    if (typeof kid !== 'string' || typeof payload !== 'string' || typeof signature !== 'string') {
      return result(MALFORMED);
    }
    const publicKey = this.keys.get(kid);
    if (publicKey === undefined) return result(UNKNOWN_KEY);
    const raw = signatureBytes(signature);
    // eslint-disable-next-line no-control-regex
    if (raw === null || !/^[\x00-\x7f]*$/.test(payload)) return result(MALFORMED);
    if (!opens(publicKey, raw, new TextEncoder().encode(payload))) return result(BAD_SIGNATURE);
    const decoded = decodeBase64url(payload);
    const body = decoded === null ? undefined : parseJson(decoded);
    if (!isObject(body)) return result(MALFORMED);
    const issuedAt = rfc3339Seconds(body.issued_at);
    const nextUpdate = rfc3339Seconds(body.next_update);
    const { sequence, licenses } = body;
    if (issuedAt === null || nextUpdate === null || typeof sequence !== 'number'
        || !Number.isSafeInteger(sequence) || sequence < 0 || !Array.isArray(licenses)
        || !licenses.every((id) => typeof id === 'string')) {
      return result(MALFORMED);
    }
    if (lastSequence !== null && lastSequence !== undefined && sequence < lastSequence) {
      return result(ROLLED_BACK);
    }
    /** @type {RevocationList} */
    const list = { kid, sequence, issuedAt, nextUpdate, licenses: new Set(licenses) };
    return result(now > nextUpdate + grace ? STALE : CURRENT, list);
  }
}

// License files and release artifacts (src/files.js), re-exported: an app imports everything
// from here.
export {
  DECRYPTION_FAILED, DIGEST_MISMATCH, EXPIRED, FINGERPRINT_MISMATCH, contentKey,
  verifyArtifact, verifyLicenseFile,
} from './files.js';

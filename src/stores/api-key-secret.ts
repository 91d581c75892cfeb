import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** How every KeyStore makes, shows and checks a secret, so keys copied between backends still verify. */
export const KEY_PREFIX = 'cairn_';
/** The first characters of a key kept in clear, so a user can tell keys apart (and a lookup narrows by them). */
export const DISPLAY_PREFIX_LENGTH = 8;
/** A key's use is written at most this often, so verifying is not a database write per request. */
export const TOUCH_INTERVAL_MS = 60_000;

/** A new secret: the prefix and 256 random bits. */
export function newKeySecret(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** A new key id. */
export function newKeyId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * SHA-256 of the key. A slow password hash (scrypt, argon2) defends guessable secrets; these keys
 * carry 256 random bits, so a brute force over the hash is as hopeless as over the key itself, and
 * a fast hash keeps verification off the request's critical path.
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Whether `secret` hashes to the stored hex `hash` (constant time). */
export function secretMatches(secret: string, hash: string): boolean {
  const expected = Buffer.from(hash, 'hex');
  const actual = Buffer.from(hashKey(secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

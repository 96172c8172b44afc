import { createHash, timingSafeEqual } from 'node:crypto';

/** API keys and webhook secrets are 192-bit random tokens, so one SHA-256 is enough to store them safely. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Constant-time comparison of two hex hashes. */
export function hashesMatch(presentedHash: string, storedHash: string): boolean {
  const presented = Buffer.from(presentedHash, 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatchesHash(secret: string, storedHash: string): boolean {
  return hashesMatch(hashSecret(secret), storedHash);
}

import { randomBytes } from 'node:crypto';

// Crockford-style base32, lower case: 32 symbols, so a random byte maps without bias (256 % 32 = 0).
const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
// Referral codes are read aloud and typed from screenshots: no 0/O, 1/I/L look-alikes.
export const REFERRAL_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const REFERRAL_CODE_LENGTH = 6;

// Random bytes are drawn from the OS 4 KiB at a time: one getrandom call per id costs more than
// the id's whole database insert.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

function randomByte(): number {
  if (poolOffset === POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  return pool[poolOffset++];
}

function randomString(length: number, alphabet: string): string {
  // Rejection sampling keeps every symbol equally likely when 256 is not a multiple of the size.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < limit) out += alphabet[byte % alphabet.length];
  }
  return out;
}

/**
 * `entry_…`, `purchase_…`, `ba_…`, `key_…`: the documented id shapes. Time-ordered (9 symbols of
 * milliseconds, then 12 random symbols = 60 bits), so new rows land at the end of the primary-key
 * index instead of on a random page: fewer pages written per commit.
 */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(32).padStart(9, '0')}${randomString(12, ID_ALPHABET)}`;
}

/** cuid-style contest id (`c` + time + randomness), like the hosted service's `clx…` ids. */
export function newContestId(now: number): string {
  return `c${now.toString(36)}${randomString(12, ID_ALPHABET)}`;
}

export function newReferralCode(): string {
  return `REF-${randomString(REFERRAL_CODE_LENGTH, REFERRAL_CODE_ALPHABET)}`;
}

/** Codes are matched case-insensitively: users retype them from links and screenshots. */
export function normalizeReferralCode(code: string): string {
  return code.trim().toUpperCase();
}

export function newSecret(prefix: string, bytes = 24): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

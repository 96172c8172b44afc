import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { normalizeEmail } from '../domain/email.js';
import { badRequest } from '../domain/errors.js';
import { newSecret } from '../domain/ids.js';
import { hashSecret } from '../domain/secrets.js';
import type { AuditRecord, Operator } from '../store/repositories.js';
import type { CollectorContext } from './context.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/**
 * Passwords are hashed with scrypt (memory-hard): N = 2^15, r = 8 takes 32 MiB and ~0.1 s per
 * hash, so a stolen database costs an attacker that much per guess. The parameters are stored
 * with each hash, so they can be raised later without breaking old ones.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 12;
/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** A session's last-seen time is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LENGTH, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt') return false;
  const expected = Buffer.from(key, 'base64');
  const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem };
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, options);
  return timingSafeEqual(actual, expected);
}

/** Checked for an unknown email too, so a wrong email takes as long as a wrong password. */
let decoyHash: Promise<string> | undefined;

/** A new operator's record: the email checked and folded, the password at least 12 characters and hashed. */
export async function newOperator(email: string, password: string, now: number): Promise<Operator> {
  const normalized = normalizeEmail(email);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(normalized) || normalized.length > 254) throw badRequest('email must be an email address');
  if (password.length < MIN_PASSWORD_LENGTH) throw badRequest(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw badRequest('password must be at most 1024 characters');
  return { id: newSecret('op_', 12), email: normalized, passwordHash: await hashPassword(password), createdAt: now };
}

export async function addOperator(ctx: CollectorContext, operator: Operator): Promise<Omit<Operator, 'passwordHash'>> {
  if (!(await ctx.store.operators.insert(operator))) throw badRequest(`an operator with email ${operator.email} already exists`);
  const { passwordHash: _, ...listed } = operator;
  return listed;
}

/** The operator these credentials name, or undefined — the same answer whichever part was wrong. */
export async function checkCredentials(ctx: CollectorContext, email: string, password: string) {
  const operator = await ctx.store.operators.findByEmail(normalizeEmail(email));
  if (!operator) {
    decoyHash ??= hashPassword(newSecret('', 16));
    await passwordMatches(password, await decoyHash);
    return undefined;
  }
  return (await passwordMatches(password, operator.passwordHash)) ? operator : undefined;
}

/** A session for an operator: a random cookie value, of which only the SHA-256 is stored. */
export async function startSession(ctx: CollectorContext, operatorId: string): Promise<string> {
  const token = newSecret('', 32);
  await ctx.store.operators.insertSession(hashSecret(token), operatorId, ctx.now());
  return token;
}

export type SessionCheck =
  | { ok: true; operator: { id: string; email: string }; touch: boolean }
  | { ok: false };

/** A live session (seen within SESSION_IDLE_MS); `touch` says its last-seen time should be written. */
export async function checkSession(ctx: CollectorContext, token: string): Promise<SessionCheck> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false };
  const session = await ctx.store.operators.session(hashSecret(token));
  const now = ctx.now();
  if (!session || now - session.lastSeenAt > SESSION_IDLE_MS) return { ok: false };
  return { ok: true, operator: { id: session.operatorId, email: session.email }, touch: now - session.lastSeenAt > TOUCH_EVERY_MS };
}

export const touchSession = (ctx: CollectorContext, token: string) =>
  ctx.store.operators.touchSession(hashSecret(token), ctx.now());
export const endSession = (ctx: CollectorContext, token: string) =>
  ctx.store.operators.deleteSession(hashSecret(token));

export async function recordAudit(ctx: CollectorContext, record: Omit<AuditRecord, 'id' | 'createdAt' | 'contestId'> & { contestId: string | null }) {
  let contestId = record.contestId;
  if (!contestId && record.entryId) contestId = (await ctx.store.entries.get(record.entryId))?.contestId ?? null;
  await ctx.store.operators.appendAudit({ ...record, contestId, createdAt: ctx.now() });
}

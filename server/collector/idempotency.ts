import type { CollectorContext } from './context.js';

/** A replay within this window returns the first answer (Stripe keeps keys for 24 hours). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
/**
 * A key still pending after this long belongs to a request whose collector died before it could
 * store the answer: the next request with that key runs again instead of waiting forever.
 */
export const IDEMPOTENCY_LEASE_MS = 60 * 1000;

export type Reservation =
  | { outcome: 'reserved' }
  | { outcome: 'replay'; statusCode: number; response: string }
  | { outcome: 'in_progress' }
  | { outcome: 'mismatch' };

/**
 * Claims an Idempotency-Key for one request, or says what the key already holds. Runs as a write
 * operation, so claims are serialised like every write (one writer on SQLite, the batch lock on
 * PostgreSQL) and the unique key stops a second claim from any collector.
 */
export async function reserveIdempotencyKey(
  ctx: CollectorContext,
  args: { keyHash: string; fingerprint: string },
): Promise<Reservation> {
  const now = ctx.now();
  const repo = ctx.store.idempotency;
  const existing = await repo.find(args.keyHash);
  if (existing) {
    const expired = existing.createdAt < now - IDEMPOTENCY_WINDOW_MS;
    const abandoned = existing.statusCode === null && existing.createdAt < now - IDEMPOTENCY_LEASE_MS;
    if (!expired && !abandoned) {
      if (existing.fingerprint !== args.fingerprint) return { outcome: 'mismatch' };
      if (existing.statusCode === null || existing.response === null) return { outcome: 'in_progress' };
      return { outcome: 'replay', statusCode: existing.statusCode, response: existing.response };
    }
    await repo.remove(args.keyHash);
  }
  if (!(await repo.insert(args.keyHash, args.fingerprint, now))) return { outcome: 'in_progress' };
  return { outcome: 'reserved' };
}

/** Stores the answer to replay. */
export async function completeIdempotencyKey(
  ctx: CollectorContext,
  args: { keyHash: string; statusCode: number; response: string },
): Promise<true> {
  await ctx.store.idempotency.complete(args.keyHash, args.statusCode, args.response);
  return true;
}

/** Frees a key whose request left nothing to replay (a 5xx or a 429: the client should retry). */
export async function releaseIdempotencyKey(ctx: CollectorContext, args: { keyHash: string }): Promise<true> {
  await ctx.store.idempotency.remove(args.keyHash);
  return true;
}

/** Deletes keys past the replay window. */
export async function purgeIdempotencyKeys(ctx: CollectorContext, _args: Record<string, never>): Promise<number> {
  return ctx.store.idempotency.purge(ctx.now() - IDEMPOTENCY_WINDOW_MS);
}

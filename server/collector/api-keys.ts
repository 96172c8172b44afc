import { badRequest } from '../domain/errors.js';
import { newId, newSecret } from '../domain/ids.js';
import type { ApiKeyRecord } from '../store/repositories.js';
import type { ApiKeyType } from '../store/types.js';
import { requireContest, type CollectorContext } from './context.js';

/**
 * Creates an API key and returns it in clear, the only time it is ever shown. A public key may be
 * scoped to one contest (`contestId`), which must exist; a private key manages every contest.
 */
export async function createApiKey(
  ctx: CollectorContext,
  type: ApiKeyType,
  label: string | null = null,
  contestId: string | null = null,
): Promise<{ id: string; key: string; type: ApiKeyType; contestId: string | null }> {
  if (contestId !== null) {
    if (type !== 'public') throw badRequest('only public keys can be scoped to a contest');
    await requireContest(ctx, contestId);
  }
  const key = newSecret(type === 'private' ? 'rr_sk_' : 'rr_pk_');
  const id = newId('key');
  await ctx.store.apiKeys.insert(id, type, key, label, ctx.now(), contestId);
  return { id, key, type, contestId };
}

/** Ids, types, prefixes and labels; never the keys. */
export const listApiKeys = (ctx: CollectorContext) => ctx.store.apiKeys.list();

/** Revokes by id or by the key itself; false when no live key matched. */
export const revokeApiKey = (ctx: CollectorContext, idOrKey: string) => ctx.store.apiKeys.revoke(idOrKey, ctx.now());

/** The live key record a presented key belongs to, if any. */
export async function findApiKey(ctx: CollectorContext, key: string | undefined): Promise<ApiKeyRecord | undefined> {
  return key ? ctx.store.apiKeys.find(key) : undefined;
}

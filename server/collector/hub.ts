import { newSecret } from '../domain/ids.js';
import { hashSecret } from '../domain/secrets.js';
import type { Entry } from '../store/types.js';
import type { CollectorContext } from './context.js';
import { requireEntry } from './entries-admin.js';

/**
 * A participant's private page, `/c/:contestId/me/:token`, is reached by an unguessable token
 * (192 random bits) that only its holder knows: the collector keeps its SHA-256, so a token is
 * shown once, when made, and a backend that wants to send the link asks for a new one. Revoking
 * ends every link of the entry at once.
 */
export const hubPath = (contestId: string, token: string) =>
  `/c/${encodeURIComponent(contestId)}/me/${token}`;

export async function createHubToken(ctx: CollectorContext, entryId: string): Promise<{ entry: Entry; token: string }> {
  const entry = await requireEntry(ctx, entryId);
  const token = newSecret('', 24);
  await ctx.store.hubTokens.insert(hashSecret(token), entry, ctx.now());
  return { entry, token };
}

export async function revokeHubTokens(ctx: CollectorContext, entryId: string): Promise<number> {
  const entry = await requireEntry(ctx, entryId);
  return ctx.store.hubTokens.revokeForEntry(entry.id, ctx.now());
}

/** The entry a live token opens, if it belongs to this contest; undefined otherwise. */
export async function entryForHubToken(ctx: CollectorContext, contestId: string, token: string): Promise<Entry | undefined> {
  if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return undefined;
  const found = await ctx.store.hubTokens.find(hashSecret(token));
  if (!found || found.contestId !== contestId) return undefined;
  return ctx.store.entries.get(found.entryId);
}

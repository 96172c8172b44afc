import { emailIdentity } from '../domain/email-identity.js';
import { normalizeEmail } from '../domain/email.js';
import { badRequest, messages, notFound } from '../domain/errors.js';
import type { Entry } from '../store/types.js';
import type { CollectorContext } from './context.js';
import { requireContest } from './context.js';
import { emit, pointsChanged } from './events.js';
import { eraseEntryEverywhere } from './erasure.js';

export async function requireEntry(ctx: CollectorContext, entryId: string): Promise<Entry> {
  const entry = await ctx.store.entries.get(entryId);
  if (!entry) throw notFound(messages.entryNotFound);
  return entry;
}

/** An entry found by email in a contest (the bonus-actions lookup); unknown → 404. */
export async function requireEntryByEmail(ctx: CollectorContext, contestId: string, email: string): Promise<Entry> {
  const contest = await requireContest(ctx, contestId);
  const entry = await ctx.store.entries.findByEmail(contest.id, normalizeEmail(email));
  if (!entry) throw notFound(messages.entryNotFound);
  return entry;
}

/** A page of a contest's entries, oldest first; `search` matches email or name. */
export async function listEntries(
  ctx: CollectorContext,
  contestId: string,
  opts: { page: number; limit: number; search?: string },
) {
  const contest = await requireContest(ctx, contestId);
  const { rows, total } = await ctx.store.entries.list(contest.id, {
    limit: opts.limit,
    offset: (opts.page - 1) * opts.limit,
    search: opts.search,
  });
  return { rows, total };
}

export interface EntryUpdate {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  emailConfirmed?: boolean;
}

/** Updates contact fields; an email or phone already used in the contest is refused. */
export async function updateEntry(ctx: CollectorContext, entryId: string, patch: EntryUpdate): Promise<Entry> {
  const entry = await requireEntry(ctx, entryId);
  const email = patch.email === undefined ? undefined : patch.email?.trim() || null;
  const phone = patch.phone === undefined ? undefined : patch.phone?.trim() || null;
  const emailNormalized = email ? normalizeEmail(email) : null;
  if (emailNormalized) {
    const holder = await ctx.store.entries.findByEmail(entry.contestId, emailNormalized);
    if (holder && holder.id !== entry.id) throw badRequest('email is already used by another entry in this contest');
  }
  if (phone) {
    const holder = await ctx.store.entries.findByPhone(entry.contestId, phone);
    if (holder && holder.id !== entry.id) throw badRequest('phone is already used by another entry in this contest');
  }
  const nextEmail = email === undefined ? entry.email : email;
  const nextPhone = phone === undefined ? entry.phone : phone;
  if (!nextEmail && !nextPhone) throw badRequest(messages.emailOrPhoneRequired);
  await ctx.store.entries.update(
    entry,
    { email, emailNormalized, name: patch.name === undefined ? undefined : patch.name?.trim() || null, phone, emailConfirmed: patch.emailConfirmed },
    entry.email ? normalizeEmail(entry.email) : null,
  );
  if (email !== undefined) await ctx.store.fraud.updateIdentity(entryId, email ? emailIdentity(email) : null);
  return requireEntry(ctx, entryId);
}

/** Takes the entry off the leaderboard; its ledger (and so its points) stays as it was. */
export async function disqualifyEntry(ctx: CollectorContext, entryId: string, reason: string | null): Promise<Entry> {
  const entry = await requireEntry(ctx, entryId);
  if (!entry.disqualified) {
    await ctx.store.entries.disqualify(entryId, reason);
    await emit(ctx, [{ type: 'entry.disqualified', contestId: entry.contestId, data: { entryId, points: entry.points } }]);
  }
  return requireEntry(ctx, entryId);
}

/** Back on the leaderboard; the reason is the caller's to record (the audit log does). */
export async function requalifyEntry(ctx: CollectorContext, entryId: string): Promise<Entry> {
  const entry = await requireEntry(ctx, entryId);
  if (entry.disqualified) await ctx.store.entries.requalify(entryId);
  return requireEntry(ctx, entryId);
}

/** A manual adjustment is one ledger row like any other award. */
export async function adjustPoints(ctx: CollectorContext, entryId: string, points: number, reason: string) {
  const entry = await requireEntry(ctx, entryId);
  const now = ctx.now();
  await ctx.store.ledger.award(entry, points, 'adjustment', null, now, reason);
  if (points !== 0) await emit(ctx, [pointsChanged(entry, points, 'adjustment', null)]);
  return { entry: await requireEntry(ctx, entryId), adjustment: { points, reason, createdAt: now } };
}

/**
 * Erases an entry's personal data wherever it is stored (see erasure.ts). The entry row, its
 * code, its ledger and every count stay, so totals and the leaderboard remain consistent.
 */
export async function eraseEntry(ctx: CollectorContext, entryId: string): Promise<Entry> {
  const entry = await requireEntry(ctx, entryId);
  await eraseEntryEverywhere(ctx, entry);
  return requireEntry(ctx, entryId);
}

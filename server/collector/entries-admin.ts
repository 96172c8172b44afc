import { normalizeEmail } from '../domain/email.js';
import { badRequest, messages, notFound } from '../domain/errors.js';
import type { Entry } from '../store/types.js';
import type { CollectorContext } from './context.js';

export function requireEntry(ctx: CollectorContext, entryId: string): Entry {
  const entry = ctx.store.entries.get(entryId);
  if (!entry) throw notFound(messages.entryNotFound);
  return entry;
}

export interface EntryUpdate {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  emailConfirmed?: boolean;
}

/** Updates contact fields; an email or phone already used in the contest is refused. */
export function updateEntry(ctx: CollectorContext, entryId: string, patch: EntryUpdate): Entry {
  const entry = requireEntry(ctx, entryId);
  const email = patch.email === undefined ? undefined : patch.email?.trim() || null;
  const phone = patch.phone === undefined ? undefined : patch.phone?.trim() || null;
  const emailNormalized = email ? normalizeEmail(email) : null;
  if (emailNormalized) {
    const holder = ctx.store.entries.findByEmail(entry.contestId, emailNormalized);
    if (holder && holder.id !== entry.id) throw badRequest('email is already used by another entry in this contest');
  }
  if (phone) {
    const holder = ctx.store.entries.findByPhone(entry.contestId, phone);
    if (holder && holder.id !== entry.id) throw badRequest('phone is already used by another entry in this contest');
  }
  const nextEmail = email === undefined ? entry.email : email;
  const nextPhone = phone === undefined ? entry.phone : phone;
  if (!nextEmail && !nextPhone) throw badRequest(messages.emailOrPhoneRequired);
  ctx.store.entries.update(
    entry,
    { email, emailNormalized, name: patch.name === undefined ? undefined : patch.name?.trim() || null, phone, emailConfirmed: patch.emailConfirmed },
    entry.email ? normalizeEmail(entry.email) : null,
  );
  return requireEntry(ctx, entryId);
}

/** Takes the entry off the leaderboard; its ledger (and so its points) stays as it was. */
export function disqualifyEntry(ctx: CollectorContext, entryId: string, reason: string | null): Entry {
  const entry = requireEntry(ctx, entryId);
  if (!entry.disqualified) ctx.store.entries.disqualify(entryId, reason);
  return requireEntry(ctx, entryId);
}

/** A manual adjustment is one ledger row like any other award. */
export function adjustPoints(ctx: CollectorContext, entryId: string, points: number, reason: string) {
  const entry = requireEntry(ctx, entryId);
  const now = ctx.now();
  ctx.store.ledger.award(entry, points, 'adjustment', null, now, reason);
  return { entry: requireEntry(ctx, entryId), adjustment: { points, reason, createdAt: now } };
}

/**
 * Erases an entry's personal data (email, name, phone, and the email on its purchases). The entry
 * row, its code, its ledger and every count stay, so totals and the leaderboard remain consistent.
 */
export function eraseEntry(ctx: CollectorContext, entryId: string): Entry {
  const entry = requireEntry(ctx, entryId);
  ctx.store.purchases.erasePurchaserEmail(entry, entry.email ? normalizeEmail(entry.email) : null);
  ctx.store.entries.erase(entryId, ctx.now());
  return requireEntry(ctx, entryId);
}

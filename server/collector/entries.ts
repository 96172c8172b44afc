import { normalizeEmail } from '../domain/email.js';
import { badRequest, messages } from '../domain/errors.js';
import { newId, newReferralCode, normalizeReferralCode } from '../domain/ids.js';
import type { Contest, Entry } from '../store/types.js';
import { requireContest, type CollectorContext } from './context.js';
import { emit } from './events.js';
import { recordSignals, type DeviceKeys } from './fraud-checks.js';

export interface NewEntryInput {
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  /** A code chosen by an admin (CLI); otherwise one is generated. */
  referralCode?: string | null;
  referredBy?: string | null;
  emailConfirmed?: boolean;
}

const MAX_CODE_ATTEMPTS = 20;

/** Finds the entry an email or phone already has in the contest, if any. */
export async function findExistingEntry(
  ctx: CollectorContext,
  contestId: string,
  email: string | null | undefined,
  phone: string | null | undefined,
): Promise<Entry | undefined> {
  if (email) return ctx.store.entries.findByEmail(contestId, normalizeEmail(email));
  if (phone) return ctx.store.entries.findByPhone(contestId, phone);
  return undefined;
}

/**
 * Inserts a new entry with its own referral code. Undefined when its email or phone was taken
 * after the caller checked (by another collector's write, committed meanwhile): the caller then
 * answers as for a repeat. Call inside a transaction.
 */
export async function tryInsertEntry(
  ctx: CollectorContext,
  contest: Contest,
  input: NewEntryInput,
  signals: { advocateId: string | null; keys: DeviceKeys | null } = { advocateId: input.referredBy ?? null, keys: null },
): Promise<Entry | undefined> {
  const email = input.email?.trim() || null;
  const phone = input.phone?.trim() || null;
  if (!email && !phone) throw badRequest(messages.emailOrPhoneRequired);
  if (phone && (await ctx.store.entries.findByPhone(contest.id, phone))) {
    throw badRequest('phone is already used by another entry in this contest');
  }
  const chosenCode = input.referralCode ? normalizeReferralCode(input.referralCode) : null;
  if (chosenCode && (await ctx.store.entries.findIdByCode(contest.id, chosenCode)) !== undefined) {
    throw badRequest(`referralCode ${chosenCode} is already used in this contest`);
  }
  for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS; attempt++) {
    const entry = await ctx.store.entries.insert({
      id: newId('entry'),
      contestId: contest.id,
      email,
      emailNormalized: email ? normalizeEmail(email) : null,
      name: input.name?.trim() || null,
      phone,
      // 31^6 ≈ 887M codes: a generated code is rarely taken, and the unique key says when.
      referralCode: chosenCode ?? newReferralCode(),
      referredBy: input.referredBy ?? null,
      emailConfirmed: input.emailConfirmed ?? false,
      createdAt: ctx.now(),
    });
    if (entry) {
      await emit(ctx, [{
        type: 'entry.created',
        contestId: contest.id,
        data: { entryId: entry.id, referralCode: entry.referralCode, referredBy: entry.referredBy, createdAt: new Date(entry.createdAt).toISOString() },
      }]);
      // What later signups are checked against (fraud-checks.ts), whichever way this one came in.
      await recordSignals(ctx, entry, email, signals.advocateId, signals.keys);
      return entry;
    }
    // A unique key was taken: the email or phone (then the caller answers as for a repeat), or
    // the code — only a generated one is worth another try.
    if (await findExistingEntry(ctx, contest.id, email, phone)) return undefined;
    if (chosenCode) throw badRequest(`referralCode ${chosenCode} is already used in this contest`);
  }
  throw new Error(`could not find a free referral code in contest ${contest.id}`);
}

/** Inserts a new entry (operators, tests); an email or phone already in the contest → 400. */
export async function insertEntry(ctx: CollectorContext, contest: Contest, input: NewEntryInput): Promise<Entry> {
  const entry = await tryInsertEntry(ctx, contest, input);
  if (!entry) throw badRequest('email or phone is already used by another entry in this contest');
  return entry;
}

/** An entry created by an operator (CLI): refused when the email already has one in the contest. */
export async function createEntryAsAdmin(ctx: CollectorContext, contestId: string, input: NewEntryInput & { email: string }): Promise<Entry> {
  const contest = await requireContest(ctx, contestId);
  if (await findExistingEntry(ctx, contest.id, input.email, null)) {
    throw badRequest(`email ${input.email} already has an entry in contest ${contest.id}`);
  }
  return insertEntry(ctx, contest, input);
}

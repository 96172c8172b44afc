import { normalizeEmail } from '../domain/email.js';
import { badRequest, messages } from '../domain/errors.js';
import { newId, newReferralCode, normalizeReferralCode } from '../domain/ids.js';
import type { Contest, Entry } from '../store/types.js';
import { requireContest, type CollectorContext } from './context.js';

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

async function freshReferralCode(ctx: CollectorContext, contestId: string): Promise<string> {
  // 31^6 ≈ 887M codes: collisions are rare until a contest has millions of entries.
  for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS; attempt++) {
    const code = newReferralCode();
    if ((await ctx.store.entries.findIdByCode(contestId, code)) === undefined) return code;
  }
  throw new Error(`could not find a free referral code in contest ${contestId}`);
}

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

/** Inserts a new entry with its own referral code. Call inside a transaction. */
export async function insertEntry(ctx: CollectorContext, contest: Contest, input: NewEntryInput): Promise<Entry> {
  const email = input.email?.trim() || null;
  const phone = input.phone?.trim() || null;
  if (!email && !phone) throw badRequest(messages.emailOrPhoneRequired);
  if (phone && (await ctx.store.entries.findByPhone(contest.id, phone))) {
    throw badRequest('phone is already used by another entry in this contest');
  }
  let referralCode: string;
  if (input.referralCode) {
    referralCode = normalizeReferralCode(input.referralCode);
    if ((await ctx.store.entries.findIdByCode(contest.id, referralCode)) !== undefined) {
      throw badRequest(`referralCode ${referralCode} is already used in this contest`);
    }
  } else {
    referralCode = await freshReferralCode(ctx, contest.id);
  }
  return ctx.store.entries.insert({
    id: newId('entry'),
    contestId: contest.id,
    email,
    emailNormalized: email ? normalizeEmail(email) : null,
    name: input.name?.trim() || null,
    phone,
    referralCode,
    referredBy: input.referredBy ?? null,
    emailConfirmed: input.emailConfirmed ?? false,
    createdAt: ctx.now(),
  });
}

/** An entry created by an operator (CLI): refused when the email already has one in the contest. */
export async function createEntryAsAdmin(ctx: CollectorContext, contestId: string, input: NewEntryInput & { email: string }): Promise<Entry> {
  const contest = await requireContest(ctx, contestId);
  if (await findExistingEntry(ctx, contest.id, input.email, null)) {
    throw badRequest(`email ${input.email} already has an entry in contest ${contest.id}`);
  }
  return insertEntry(ctx, contest, input);
}

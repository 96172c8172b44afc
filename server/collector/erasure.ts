import { normalizeEmail } from '../domain/email.js';
import type { ErasedTraces } from '../store/repositories.js';
import type { Entry } from '../store/types.js';
import type { CollectorContext } from './context.js';

/** What `POST /api/v1/erasure` erased: counts only, never the data itself. */
export interface ErasureReport extends ErasedTraces {
  /** Entries whose email, name and phone were blanked. */
  entries: number;
  /** The contests those entries were in (a purchase without an entry names no contest here). */
  contestIds: string[];
}

/** Free-text needles shorter than this would blank unrelated notes ("Al" is in "Alice"). */
const MIN_TEXT_NEEDLE = 4;

/** How an email can appear in a URL: as typed, and percent-encoded (`%40` for `@`). */
function urlForms(email: string): string[] {
  const lower = email.trim().toLowerCase();
  return [lower, encodeURIComponent(lower).toLowerCase()];
}

/**
 * Everything that identifies the people in `entries` plus `emails`: their emails (current, and
 * older ones seen on their purchases), names and phones, as the erasure repository matches them.
 */
async function tracesOf(ctx: CollectorContext, contestId: string | null, entries: Entry[], emails: string[]) {
  const entryIds = entries.map((entry) => entry.id);
  const allEmails = new Set(emails.map(normalizeEmail));
  for (const entry of entries) if (entry.email) allEmails.add(normalizeEmail(entry.email));
  for (const email of await ctx.store.erasure.purchaseEmailsOf(entryIds)) allEmails.add(email);
  const textNeedles = new Set(allEmails);
  for (const entry of entries) {
    for (const text of [entry.name, entry.phone]) {
      const needle = text?.trim().toLowerCase();
      if (needle && needle.length >= MIN_TEXT_NEEDLE) textNeedles.add(needle);
    }
  }
  return {
    contestId,
    entryIds,
    emails: [...allEmails],
    urlNeedles: [...new Set([...allEmails].flatMap(urlForms))],
    textNeedles: [...textNeedles],
  };
}

/**
 * Erases one entry's person from its contest: email, name and phone on the entry; the email on
 * their purchases (also those made under an older email of the entry, or before it existed);
 * visit URLs and referrers carrying their email; ledger notes and disqualification reasons that
 * name them. The entry row, its code, its ledger amounts and every count stay. The store scrubs
 * the freed bytes after COMMIT (see store/scrub.ts).
 */
export async function eraseEntryEverywhere(ctx: CollectorContext, entry: Entry): Promise<ErasedTraces> {
  const traces = await tracesOf(ctx, entry.contestId, [entry], []);
  const erased = await ctx.store.erasure.eraseTraces(traces);
  await ctx.store.entries.erase(entry.id, ctx.now());
  // The fraud checks' signals are derived from the email and the device: they go too.
  await ctx.store.fraud.eraseSignals(entry.id);
  return erased;
}

/**
 * Erases a person, by email, from every contest: their entries (as eraseEntryEverywhere) and
 * purchases made under that email by someone who never had an entry.
 */
export async function erasePerson(ctx: CollectorContext, email: string): Promise<ErasureReport> {
  const emailNormalized = normalizeEmail(email);
  const entries: Entry[] = [];
  for (const contest of await ctx.store.contests.list()) {
    const entry = await ctx.store.entries.findByEmail(contest.id, emailNormalized);
    if (entry) entries.push(entry);
  }
  const erased = await ctx.store.erasure.eraseTraces(await tracesOf(ctx, null, entries, [email]));
  const now = ctx.now();
  for (const entry of entries) {
    await ctx.store.entries.erase(entry.id, now);
    await ctx.store.fraud.eraseSignals(entry.id);
  }
  return { entries: entries.length, contestIds: entries.map((entry) => entry.contestId), ...erased };
}

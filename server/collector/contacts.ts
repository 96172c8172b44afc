import { maskEmail } from '../domain/email.js';
import type { ApiKeyType } from '../store/types.js';
import { requireContest, type CollectorContext } from './context.js';

/** Who is reading: an API key of a kind, or a signed-in operator (the dashboard). */
export type Reader = ApiKeyType | 'operator';

/** Applied to every record with contacts before it leaves the collector. */
export type ContactsFilter = <T extends { email: string | null; phone?: string | null }>(record: T) => T;

const showAll: ContactsFilter = (record) => record;
const masked: ContactsFilter = (record) => ({
  ...record,
  email: record.email === null ? null : maskEmail(record.email),
  ...('phone' in record ? { phone: null } : {}),
});

/**
 * Public keys are meant for pages anyone can read (widgets), so what they get shows no one's full
 * email or phone unless the contest's operator asked for the hosted behaviour
 * (`settings.publicKeyContacts = 'full'`). Private keys and operators see everything.
 */
export async function contactsFilter(ctx: CollectorContext, contestId: string, reader: Reader): Promise<ContactsFilter> {
  if (reader !== 'public') return showAll;
  const contest = await requireContest(ctx, contestId);
  return contest.settings.publicKeyContacts === 'full' ? showAll : masked;
}

/** The filter for pages anyone can open (the contest page and its leaderboard): always masked. */
export const publicPageContacts: ContactsFilter = masked;

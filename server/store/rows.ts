import type { NewEntry, TableName } from './repositories.js';
import type { Contest, ContestMode, ContestStatus, Entry, PublicKeyContacts, Purchase } from './types.js';

/**
 * Stored rows as both engines return them (same columns, same value shapes: flags 0/1, times as
 * epoch ms) and how they become domain records. Shared by store/sqlite/ and store/postgres/.
 */

export interface EntryRow {
  id: string;
  contest_id: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  referral_code: string;
  referred_by: string | null;
  points: number;
  referrals_count: number;
  email_confirmed: number;
  disqualified: number;
  created_at: number;
}

export const ENTRY_COLUMNS = `id, contest_id, email, name, phone, referral_code, referred_by, points,
  referrals_count, email_confirmed, disqualified, created_at`;

export const toEntry = (row: EntryRow): Entry => ({
  id: row.id,
  contestId: row.contest_id,
  email: row.email,
  name: row.name,
  phone: row.phone,
  referralCode: row.referral_code,
  referredBy: row.referred_by,
  points: row.points,
  referralsCount: row.referrals_count,
  emailConfirmed: row.email_confirmed === 1,
  disqualified: row.disqualified === 1,
  createdAt: row.created_at,
});

/** The record of an entry just inserted: no points, referrals or flags yet. */
export const insertedEntry = (entry: NewEntry): Entry => ({
  id: entry.id,
  contestId: entry.contestId,
  email: entry.email,
  name: entry.name,
  phone: entry.phone,
  referralCode: entry.referralCode,
  referredBy: entry.referredBy,
  points: 0,
  referralsCount: 0,
  emailConfirmed: entry.emailConfirmed,
  disqualified: false,
  createdAt: entry.createdAt,
});

export interface ContestRow {
  id: string;
  title: string;
  slug: string;
  description: string | null;
  status: ContestStatus;
  mode: ContestMode;
  start_date: number | null;
  end_date: number | null;
  is_evergreen: number;
  advocate_points: number;
  friend_points: number;
  purchase_points_per_unit: number;
  require_email_confirmation: number;
  cookie_days: number;
  public_key_contacts: PublicKeyContacts;
  referral_url: string | null;
  public_pages: number;
  leaderboard_frame_ancestors: string;
  created_at: number;
  updated_at: number;
}

export const toContest = (row: ContestRow): Contest => ({
  id: row.id,
  title: row.title,
  slug: row.slug,
  description: row.description,
  status: row.status,
  mode: row.mode,
  startDate: row.start_date,
  endDate: row.end_date,
  isEvergreen: row.is_evergreen === 1,
  settings: {
    advocatePoints: row.advocate_points,
    friendPoints: row.friend_points,
    purchasePointsPerUnit: row.purchase_points_per_unit,
    requireEmailConfirmation: row.require_email_confirmation === 1,
    cookieDays: row.cookie_days,
    publicKeyContacts: row.public_key_contacts,
    referralUrl: row.referral_url,
    publicPages: row.public_pages === 1,
    leaderboardFrameAncestors: row.leaderboard_frame_ancestors === '' ? [] : row.leaderboard_frame_ancestors.split(' '),
  },
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export interface PurchaseRow {
  id: string;
  contest_id: string;
  order_id: string;
  purchaser_entry_id: string | null;
  credited_entry_id: string | null;
  amount_minor: number;
  currency: string;
  points_awarded: number;
  created_at: number;
}

export const toPurchase = (row: PurchaseRow): Purchase => ({
  id: row.id,
  contestId: row.contest_id,
  orderId: row.order_id,
  purchaserEntryId: row.purchaser_entry_id,
  creditedEntryId: row.credited_entry_id,
  amountMinor: row.amount_minor,
  currency: row.currency,
  pointsAwarded: row.points_awarded,
  createdAt: row.created_at,
});

/** Each table's primary key, in order: Store.tables pages through a table by it. */
export const PRIMARY_KEYS: Record<TableName, string[]> = {
  contests: ['id'],
  api_keys: ['id'],
  visitor_salts: ['day'],
  entries: ['id'],
  points_ledger: ['id'],
  visits: ['id'],
  purchases: ['id'],
  bonus_actions: ['id'],
  bonus_completions: ['entry_id', 'bonus_action_id'],
  hub_tokens: ['token_hash'],
  operators: ['id'],
  audit_log: ['id'],
};

import { parseFraudSettings } from '../domain/fraud-settings.js';
import type { Attribution, NewEntry, NewPurchase, PurchaseRefund, ReferralFlag, TableName, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEventType } from './repositories.js';
import type { BrowserPurchases, Contest, ContestMode, ContestStatus, Entry, PublicKeyContacts, Purchase, PurchaseSource, PurchaseStatus } from './types.js';

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
  fraud_settings: string | null;
  public_key_contacts: PublicKeyContacts;
  referral_url: string | null;
  public_pages: number;
  leaderboard_frame_ancestors: string;
  created_at: number;
  updated_at: number;
  stripe_webhook_secret: string | null;
  recurring_purchases: number;
  browser_purchases: BrowserPurchases;
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
    recurringPurchases: row.recurring_purchases === 1,
    browserPurchases: row.browser_purchases,
    fraud: parseFraudSettings(row.fraud_settings),
    publicKeyContacts: row.public_key_contacts,
    referralUrl: row.referral_url,
    publicPages: row.public_pages === 1,
    leaderboardFrameAncestors: row.leaderboard_frame_ancestors === '' ? [] : row.leaderboard_frame_ancestors.split(' '),
  },
  stripeConnected: row.stripe_webhook_secret !== null,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export interface PurchaseRow {
  id: string;
  contest_id: string;
  order_id: string;
  email: string | null;
  email_normalized: string | null;
  purchaser_entry_id: string | null;
  credited_entry_id: string | null;
  amount_minor: number;
  currency: string;
  points_awarded: number;
  source: PurchaseSource;
  created_at: number;
  purchaser_points: number;
  refunded_minor: number;
  points_reversed: number;
  purchaser_points_reversed: number;
  status: PurchaseStatus;
  superseded_by: string | null;
  stripe_payment_intent: string | null;
  stripe_customer: string | null;
  stripe_subscription: string | null;
}

export const toPurchase = (row: PurchaseRow): Purchase => ({
  id: row.id,
  contestId: row.contest_id,
  orderId: row.order_id,
  email: row.email,
  emailNormalized: row.email_normalized,
  purchaserEntryId: row.purchaser_entry_id,
  creditedEntryId: row.credited_entry_id,
  amountMinor: row.amount_minor,
  currency: row.currency,
  pointsAwarded: row.points_awarded,
  purchaserPoints: row.purchaser_points,
  source: row.source,
  refundedMinor: row.refunded_minor,
  pointsReversed: row.points_reversed,
  purchaserPointsReversed: row.purchaser_points_reversed,
  status: row.status,
  supersededBy: row.superseded_by,
  stripePaymentIntent: row.stripe_payment_intent,
  stripeCustomer: row.stripe_customer,
  stripeSubscription: row.stripe_subscription,
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
  attributions: ['subject_id'],
  entry_signals: ['entry_id'],
  referral_flags: ['id'],
  purchase_refunds: ['id'],
  stripe_events: ['contest_id', 'event_id'],
  webhook_endpoints: ['id'],
  webhook_events: ['id'],
  webhook_deliveries: ['id'],
  webhook_attempts: ['id'],
  hub_tokens: ['token_hash'],
  operators: ['id'],
  audit_log: ['id'],
};

export interface PurchaseRefundRow {
  id: string;
  contest_id: string;
  purchase_id: string;
  refund_key: string | null;
  kind: 'refund' | 'dispute';
  amount_minor: number;
  points_reversed: number;
  reason: string | null;
  created_at: number;
}

export const toPurchaseRefund = (row: PurchaseRefundRow): PurchaseRefund => ({
  id: row.id,
  contestId: row.contest_id,
  purchaseId: row.purchase_id,
  refundKey: row.refund_key,
  kind: row.kind,
  amountMinor: row.amount_minor,
  pointsReversed: row.points_reversed,
  reason: row.reason,
  createdAt: row.created_at,
});

/** Subscribed event types as stored: `*` for every type, else `,a,b,` (matched with `,type,`). */
export const storedEventTypes = (events: WebhookEventType[]) => (events.length === 0 ? '*' : `,${events.join(',')},`);

export interface WebhookEndpointRow {
  id: string;
  url: string;
  description: string | null;
  events: string;
  disabled: number;
  disabled_reason: string | null;
  failing_since: number | null;
  created_at: number;
  updated_at: number;
}

export const toWebhookEndpoint = (row: WebhookEndpointRow): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  description: row.description,
  events: row.events === '*' ? [] : (row.events.split(',').filter(Boolean) as WebhookEventType[]),
  disabled: row.disabled === 1,
  disabledReason: row.disabled_reason,
  failingSince: row.failing_since,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export interface WebhookDeliveryRow {
  id: string;
  event_id: string;
  event_type: WebhookEventType;
  endpoint_id: string;
  status: WebhookDelivery['status'];
  attempts: number;
  next_attempt_at: number | null;
  last_response_status: number | null;
  created_at: number;
}

export interface WebhookAttemptRow {
  id: string;
  delivery_id: string;
  attempted_at: number;
  duration_ms: number;
  response_status: number | null;
  error: string | null;
  next_attempt_at: number | null;
}

/** Deliveries with their attempts (attempt rows in any order; kept in attempt order). */
export function toWebhookDeliveries(rows: WebhookDeliveryRow[], attempts: WebhookAttemptRow[]): WebhookDelivery[] {
  const byDelivery = new Map<string, WebhookAttempt[]>();
  for (const a of [...attempts].sort((x, y) => x.attempted_at - y.attempted_at || (x.id < y.id ? -1 : 1))) {
    const list = byDelivery.get(a.delivery_id) ?? [];
    list.push({
      id: a.id,
      attemptedAt: a.attempted_at,
      durationMs: a.duration_ms,
      responseStatus: a.response_status,
      error: a.error,
      nextAttemptAt: a.next_attempt_at,
    });
    byDelivery.set(a.delivery_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    eventType: r.event_type,
    endpointId: r.endpoint_id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastResponseStatus: r.last_response_status,
    createdAt: r.created_at,
    attemptLog: byDelivery.get(r.id) ?? [],
  }));
}

/** The record of a purchase just inserted. */
export const insertedPurchase = (purchase: NewPurchase): Purchase => ({
  purchaserPoints: 0,
  stripePaymentIntent: null,
  stripeCustomer: null,
  stripeSubscription: null,
  ...purchase,
  refundedMinor: 0,
  pointsReversed: 0,
  purchaserPointsReversed: 0,
  status: 'paid',
  supersededBy: null,
});


export interface ReferralFlagRow {
  id: string;
  contest_id: string;
  friend_entry_id: string;
  advocate_entry_id: string;
  reasons: string;
  status: ReferralFlag['status'];
  advocate_points: number;
  friend_points: number;
  decision_reason: string | null;
  created_at: number;
  decided_at: number | null;
}

export const toReferralFlag = (row: ReferralFlagRow): ReferralFlag => ({
  id: row.id,
  contestId: row.contest_id,
  friendEntryId: row.friend_entry_id,
  advocateEntryId: row.advocate_entry_id,
  reasons: row.reasons.split(','),
  status: row.status,
  advocatePoints: row.advocate_points,
  friendPoints: row.friend_points,
  decisionReason: row.decision_reason,
  createdAt: row.created_at,
  decidedAt: row.decided_at,
});

export interface AttributionRow {
  subject_id: string;
  contest_id: string;
  advocate_id: string | null;
  code_source: string | null;
  credit_rule: string | null;
  visitor_key: string | null;
  created_at: number;
}

export const toAttribution = (row: AttributionRow): Attribution => ({
  subjectId: row.subject_id,
  contestId: row.contest_id,
  advocateId: row.advocate_id,
  codeSource: row.code_source as Attribution['codeSource'],
  creditRule: row.credit_rule as Attribution['creditRule'],
  visitorKey: row.visitor_key,
  createdAt: row.created_at,
});

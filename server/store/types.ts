import { defaultFraudSettings, type FraudSettings } from '../domain/fraud-settings.js';

export type ContestStatus = 'draft' | 'active' | 'ended' | 'paused';
export type ContestMode = 'giveaway' | 'leaderboard' | 'waitlist';
export type ApiKeyType = 'public' | 'private';
export type LedgerReason =
  | 'referral_advocate'
  | 'referral_friend'
  | 'purchase'
  | 'bonus_action'
  | 'adjustment'
  | 'purchase_refunded'
  | 'purchase_disputed'
  | 'purchase_superseded';

export interface ContestSettings {
  advocatePoints: number;
  friendPoints: number;
  purchasePointsPerUnit: number;
  requireEmailConfirmation: boolean;
  cookieDays: number;
  /** Stripe subscription renewals (invoice.paid after the first) credit the advocate again. */
  recurringPurchases: boolean;
  /** `ignore`: browser-reported purchases (track-purchase) are refused; record them server-side. */
  browserPurchases: BrowserPurchases;
  /** Fraud checks and what a flagged referral does (see domain/fraud-settings.ts). */
  fraud: FraudSettings;
  /** What public keys see of entrants: masked emails and no phones, or (hosted behaviour) everything. */
  publicKeyContacts: PublicKeyContacts;
  /** Where participants' links point (with ?ref=CODE); null: the contest page, /c/:contestId. */
  referralUrl: string | null;
  /** The participant pages (/c/:contestId, its private pages, its leaderboard); off: 404. */
  publicPages: boolean;
  /** Origins allowed to show /c/:contestId/leaderboard in a frame; none by default. */
  leaderboardFrameAncestors: string[];
}

export type BrowserPurchases = 'record' | 'ignore';

export type PublicKeyContacts = 'masked' | 'full';

export const defaultContestSettings: ContestSettings = {
  advocatePoints: 10,
  friendPoints: 5,
  purchasePointsPerUnit: 1,
  requireEmailConfirmation: false,
  cookieDays: 30,
  recurringPurchases: false,
  browserPurchases: 'record',
  fraud: defaultFraudSettings,
  publicKeyContacts: 'masked',
  referralUrl: null,
  publicPages: true,
  leaderboardFrameAncestors: [],
};

/** Times are epoch milliseconds inside the collector; ISO 8601 strings on the wire. */
export interface Contest {
  id: string;
  title: string;
  slug: string;
  description: string | null;
  status: ContestStatus;
  mode: ContestMode;
  startDate: number | null;
  endDate: number | null;
  isEvergreen: boolean;
  settings: ContestSettings;
  /** A Stripe webhook signing secret is set (the secret itself is never shown). */
  stripeConnected: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Entry {
  id: string;
  contestId: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  referralCode: string;
  referredBy: string | null;
  points: number;
  referralsCount: number;
  emailConfirmed: boolean;
  disqualified: boolean;
  createdAt: number;
}

export type PurchaseSource = 'referral' | 'webhook' | 'api' | 'stripe';
export type PurchaseStatus = 'paid' | 'partially_refunded' | 'refunded' | 'disputed' | 'superseded';

export interface Purchase {
  id: string;
  contestId: string;
  orderId: string;
  email: string | null;
  emailNormalized: string | null;
  purchaserEntryId: string | null;
  /** The advocate credited for the purchase (the referrer), if any. */
  creditedEntryId: string | null;
  amountMinor: number;
  currency: string;
  /** The advocate's points. */
  pointsAwarded: number;
  /** The purchaser's own points for buying (purchase webhook and REST purchases only). */
  purchaserPoints: number;
  source: PurchaseSource;
  refundedMinor: number;
  pointsReversed: number;
  purchaserPointsReversed: number;
  status: PurchaseStatus;
  supersededBy: string | null;
  stripePaymentIntent: string | null;
  stripeCustomer: string | null;
  stripeSubscription: string | null;
  createdAt: number;
}

export interface ContestStats {
  entriesCount: number;
  confirmedCount: number;
  disqualifiedCount: number;
  viewsCount: number;
  bonusCompletionsCount: number;
  pointsTotal: number;
  highestPoints: number;
}

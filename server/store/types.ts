export type ContestStatus = 'draft' | 'active' | 'ended' | 'paused';
export type ContestMode = 'giveaway' | 'leaderboard' | 'waitlist';
export type ApiKeyType = 'public' | 'private';
export type LedgerReason =
  | 'referral_advocate'
  | 'referral_friend'
  | 'purchase'
  | 'bonus_action'
  | 'adjustment';

export interface ContestSettings {
  advocatePoints: number;
  friendPoints: number;
  purchasePointsPerUnit: number;
  requireEmailConfirmation: boolean;
  cookieDays: number;
  /** What public keys see of entrants: masked emails and no phones, or (hosted behaviour) everything. */
  publicKeyContacts: PublicKeyContacts;
  /** Where participants' links point (with ?ref=CODE); null: the contest page, /c/:contestId. */
  referralUrl: string | null;
  /** The participant pages (/c/:contestId, its private pages, its leaderboard); off: 404. */
  publicPages: boolean;
  /** Origins allowed to show /c/:contestId/leaderboard in a frame; none by default. */
  leaderboardFrameAncestors: string[];
}

export type PublicKeyContacts = 'masked' | 'full';

export const defaultContestSettings: ContestSettings = {
  advocatePoints: 10,
  friendPoints: 5,
  purchasePointsPerUnit: 1,
  requireEmailConfirmation: false,
  cookieDays: 30,
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

export interface Purchase {
  id: string;
  contestId: string;
  orderId: string;
  purchaserEntryId: string | null;
  creditedEntryId: string | null;
  amountMinor: number;
  currency: string;
  pointsAwarded: number;
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

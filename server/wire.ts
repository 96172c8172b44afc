/**
 * Wire-level names shared by the collector and the browser script. This file must stay free of
 * imports: the script bundles it, and nothing from the server may come along.
 */

/** First-party cookie (and localStorage key) holding the visitor's referral code, e.g. REF-XYZ789. */
export const REFERRAL_COOKIE = 'rocket_ref';

/** track-visit's answer header with the contest's cookie lifetime in days (the body stays {"success": true}). */
export const COOKIE_DAYS_HEADER = 'rocket-cookie-days';

export interface TrackVisitBody {
  referralCode: string;
  contestId: string;
  url?: string;
  referrer?: string;
}

export interface TrackSignupBody {
  email: string;
  contestId: string;
  referralCode: string;
  name?: string;
}

export interface TrackPurchaseBody {
  email: string;
  contestId: string;
  orderId: string;
  amount: number;
  currency?: string;
  referralCode?: string;
}

export type TrackResult<T = unknown> = { success: true; data?: T } | { success: false; error: string };

import { z } from 'zod';
import * as f from '../../http/fields.js';

/** Wire shapes of /api/v1, written once and used for validation, serialization checks and OpenAPI. */

export const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { apiKeyQuery: [] }];

const statusEnum = z.enum(['draft', 'active', 'ended', 'paused']);
const modeEnum = z.enum(['giveaway', 'leaderboard', 'waitlist']);

export const contestSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  status: statusEnum,
  startDate: z.string().nullable(),
  endDate: z.string().nullable(),
  isEvergreen: z.boolean(),
  mode: modeEnum,
  slug: z.string(),
  entriesCount: z.number().int(),
});

export const settingsSchema = z.object({
  advocatePoints: z.number().int(),
  friendPoints: z.number().int(),
  purchasePointsPerUnit: z.number(),
  requireEmailConfirmation: z.boolean(),
  cookieDays: z.number().int(),
  publicKeyContacts: z.enum(['masked', 'full']).describe(
    "What public keys see of entrants (leaderboard, entries, bonus actions): 'masked' (default) shows emails as j•••@example.com and no phones; 'full' restores the hosted service's behaviour",
  ),
  referralUrl: z.string().nullable().describe(
    "The marketing page that carries the script: participants' links are this URL with ?ref=CODE. null (default): the contest page, /c/:contestId",
  ),
  publicPages: z.boolean().describe('The participant pages /c/:contestId, /c/:contestId/me/:token and /c/:contestId/leaderboard (default true; false: 404)'),
  leaderboardFrameAncestors: z.array(z.string()).describe(
    'Origins allowed to show /c/:contestId/leaderboard in an <iframe> (CSP frame-ancestors), e.g. https://www.example.com or https://*.example.com; empty (default): none',
  ),
});

export const bonusActionDefinitionSchema = z.object({
  id: z.string(),
  action: z.string(),
  description: z.string().nullable(),
  points: z.number().int(),
});

export const contestDetailSchema = contestSchema.extend({
  settings: settingsSchema,
  bonusActions: z.array(bonusActionDefinitionSchema),
});

export const entrySchema = z.object({
  id: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  points: z.number().int(),
  emailConfirmed: z.boolean(),
  disqualified: z.boolean(),
  referralCode: z.string(),
  createdAt: z.string(),
});

export const entryDetailSchema = entrySchema.extend({
  referralsCount: z.number().int(),
  referredBy: z.string().nullable(),
});

export const leaderboardRowSchema = z.object({
  rank: z.number().int(),
  id: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  points: z.number().int(),
  referralCode: z.string(),
  referralsCount: z.number().int(),
  joinedAt: z.string(),
});

export const paginationSchema = z.object({
  page: z.number().int(),
  limit: z.number().int(),
  total: z.number().int(),
  totalPages: z.number().int(),
});

export const analyticsSchema = z.object({
  totalEntries: z.number().int().describe('Every entry of the contest, however it joined (script, webhook, API, contest page), disqualified and erased ones included'),
  confirmedEntries: z.number().int().describe('Entries whose email is confirmed: a subset of totalEntries'),
  disqualifiedEntries: z.number().int().describe('Disqualified entries: a subset of totalEntries'),
  totalViews: z.number().int().describe(
    'Visits that arrived through a referral link (track-visit with a valid code) — not all page views. Entries come from everywhere, so totalEntries / totalViews is not a conversion rate; compare referred signups with visits (see /analytics/daily)',
  ),
  totalBonusCompletions: z.number().int().describe('Bonus actions completed, one per entry and action'),
  points: z.object({
    total: z.number().int().describe('Sum of every entry\'s points (= sum of the points ledger)'),
    average: z.number().describe('total / totalEntries, one decimal; 0 without entries'),
    highest: z.number().int().describe('The highest points of any entry'),
  }),
});

export const dailyPointSchema = z.object({
  date: z.string().describe('A UTC day, YYYY-MM-DD'),
  visits: z.number().int().describe('Visits through a referral link that day (what totalViews counts)'),
  signups: z.number().int().describe('Entries created that day, from every source (what totalEntries counts)'),
  referredSignups: z.number().int().describe('Entries created that day with a referrer: a subset of signups'),
  purchases: z.number().int().describe('Purchases recorded that day (each orderId once), from every source'),
  revenue: z.record(z.string(), z.number().int()).describe('Purchase amounts that day in minor units, per currency code; {} without purchases'),
});

const ymd = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date as YYYY-MM-DD' })
  .refine((value) => {
    const ms = Date.parse(`${value}T00:00:00.000Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(value);
  }, { error: 'must be a real date' });

export const dailyQuery = z.object({
  from: ymd.optional().describe('First UTC day, YYYY-MM-DD (default: 29 days before to)'),
  to: ymd.optional().describe('Last UTC day, YYYY-MM-DD, inclusive (default: today)'),
});

export const hubLinkSchema = z.object({
  entryId: z.string(),
  contestId: z.string(),
  url: z.string().describe("The participant's private page; a new token on every call, shown only here"),
});

export const bonusActionStatusSchema = z.object({
  id: z.string(),
  action: z.string(),
  description: z.string().nullable(),
  points: z.number().int(),
  completed: z.boolean(),
  completedAt: z.string().nullable(),
});

export const entryBonusActionsSchema = z.object({
  entryId: z.string(),
  email: z.string().nullable(),
  totalPoints: z.number().int(),
  bonusActionsCompleted: z.number().int(),
  bonusActionsTotal: z.number().int(),
  bonusPointsEarned: z.number().int(),
  actions: z.array(bonusActionStatusSchema),
});

export const ok = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });

/** Every error status an authenticated route can answer, documented once. */
export const errors = {
  400: f.errorResponse,
  401: f.errorResponse,
  403: f.errorResponse,
  404: f.errorResponse,
};

/** Query integers arrive as strings; "abc", 0 and 101 are refused with the field named. */
const queryInt = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const pageQuery = z.object({
  page: queryInt(1, 1_000_000, 1).describe('Page number, from 1'),
  limit: queryInt(1, 100, 20).describe('Items per page, 1-100 (default 20)'),
  search: z.string().trim().max(254).optional().describe('Search email or name, case-insensitive'),
});

export const leaderboardQuery = z.object({
  limit: queryInt(1, 100, 25).describe('How many ranks, 1-100 (default 25)'),
});

const isoDateInput = z.iso
  .datetime({ offset: true })
  .transform((value) => Date.parse(value))
  .nullish();

const settingsInput = z
  .object({
    advocatePoints: z.number().int().min(0).max(1_000_000),
    friendPoints: z.number().int().min(0).max(1_000_000),
    purchasePointsPerUnit: z.number().min(0).max(1_000_000),
    requireEmailConfirmation: z.boolean(),
    cookieDays: z.number().int().min(1).max(3650),
    publicKeyContacts: z.enum(['masked', 'full']),
    referralUrl: z
      .string()
      .trim()
      .max(f.limits.url)
      .url()
      .regex(/^https?:\/\//i, { error: 'must be an http or https URL' })
      .nullable(),
    publicPages: z.boolean(),
    // Each becomes a CSP source: an origin, nothing that could end or extend the directive.
    leaderboardFrameAncestors: z
      .array(z.string().trim().regex(/^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i, {
        error: 'must be origins such as https://www.example.com or https://*.example.com',
      }))
      .max(20),
  })
  .partial();

const bonusActionInput = z.object({
  action: z.string().trim().min(1).max(64).describe('Stable key, e.g. follow_twitter'),
  description: z.string().trim().max(f.limits.text).nullish(),
  points: z.number().int().min(0).max(1_000_000),
});

const contestFields = {
  title: z.string().trim().min(1).max(200),
  slug: z.string().trim().min(1).max(100).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
  description: z.string().trim().max(f.limits.text).nullish(),
  status: statusEnum,
  mode: modeEnum,
  startDate: isoDateInput,
  endDate: isoDateInput,
  isEvergreen: z.boolean(),
  settings: settingsInput,
  bonusActions: z.array(bonusActionInput).max(100),
};

export const createContestBody = z.object({
  id: z.string().trim().min(1).max(f.limits.id).regex(/^[A-Za-z0-9_-]+$/).optional(),
  ...contestFields,
}).partial({ slug: true, description: true, status: true, mode: true, startDate: true, endDate: true, isEvergreen: true, settings: true, bonusActions: true });

export const updateContestBody = z.object(contestFields).partial();

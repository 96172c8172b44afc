import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhook-events.js';
import * as f from '../../http/fields.js';
import { purchaseStatusEnum, refundBody } from '../public-schemas.js';

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

const fraudModeEnum = z.enum(['flag', 'block', 'off']);

/** Contest setting `fraud`: what a referral a check fires on does, and each check's settings. */
export const fraudSettingsSchema = z.object({
  mode: fraudModeEnum,
  checks: z.object({
    disposableEmail: z.object({ enabled: z.boolean(), addDomains: z.array(z.string()), removeDomains: z.array(z.string()) }),
    duplicateIdentity: z.object({ enabled: z.boolean() }),
    selfReferralDevice: z.object({ enabled: z.boolean() }),
    velocity: z.object({ enabled: z.boolean(), maxSignups: z.number().int(), windowSeconds: z.number().int() }),
    tooFast: z.object({ enabled: z.boolean(), minSeconds: z.number() }),
  }),
});

export const settingsSchema = z.object({
  advocatePoints: z.number().int(),
  friendPoints: z.number().int(),
  purchasePointsPerUnit: z.number(),
  requireEmailConfirmation: z.boolean(),
  cookieDays: z.number().int(),
  recurringPurchases: z.boolean(),
  browserPurchases: z.enum(['record', 'ignore']),
  fraud: fraudSettingsSchema.optional().describe('Shown to private keys only'),
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
  stripeConnected: z.boolean().describe('refrocket extension: a Stripe webhook secret is set'),
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
export const hubLinksRevokedSchema = z.object({ entryId: z.string(), revoked: z.number().int() });

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
  // At least 3 characters: searches are served by trigram indexes, which cannot find shorter
  // terms without scanning every entry. An empty search lists everything, as before.
  search: z.string().trim().max(254)
    .refine((term) => term.length === 0 || [...term].length >= 3, { error: 'must be at least 3 characters' })
    .optional()
    .describe('Search email or name, case-insensitive, at least 3 characters'),
});

export const leaderboardQuery = z.object({
  limit: queryInt(1, 100, 25).describe('How many ranks, 1-100 (default 25)'),
});

const isoDateInput = z.iso
  .datetime({ offset: true })
  .transform((value) => Date.parse(value))
  .nullish();

const domainList = z
  .array(z.string().trim().toLowerCase().min(1).max(253).regex(/^[a-z0-9.-]+$/, 'must be a domain name such as example.com'))
  .max(1000);

/** A fraud settings patch: each check changes only the fields it names. */
const fraudSettingsInput = z
  .object({
    mode: fraudModeEnum.describe('flag (default): hold the points for review; block: not referred; off: no checks'),
    checks: z
      .object({
        disposableEmail: z.object({ enabled: z.boolean(), addDomains: domainList, removeDomains: domainList }).partial(),
        duplicateIdentity: z.object({ enabled: z.boolean() }).partial(),
        selfReferralDevice: z.object({ enabled: z.boolean() }).partial(),
        velocity: z
          .object({ enabled: z.boolean(), maxSignups: z.number().int().min(1).max(1_000_000), windowSeconds: z.number().int().min(1).max(30 * 86_400) })
          .partial(),
        tooFast: z.object({ enabled: z.boolean(), minSeconds: z.number().min(0).max(86_400) }).partial(),
      })
      .partial(),
  })
  .partial();

const settingsInput = z
  .object({
    advocatePoints: z.number().int().min(0).max(1_000_000),
    friendPoints: z.number().int().min(0).max(1_000_000),
    purchasePointsPerUnit: z.number().min(0).max(1_000_000),
    requireEmailConfirmation: z.boolean(),
    cookieDays: z.number().int().min(1).max(3650),
    recurringPurchases: z.boolean().describe('Stripe subscription renewals credit the advocate again (default false)'),
    browserPurchases: z.enum(['record', 'ignore']).describe('ignore: refuse browser-reported purchases (track-purchase)'),
    fraud: fraudSettingsInput,
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

export const updateContestBody = z.object({
  ...contestFields,
  stripeWebhookSecret: z.string().trim().regex(/^whsec_[A-Za-z0-9+/=_-]{8,200}$/, 'must be a Stripe signing secret (whsec_…)').nullable()
    .describe('Write-only: the Stripe webhook signing secret (null disconnects); shown as stripeConnected'),
}).partial();
export const flagStatusEnum = z.enum(['pending', 'approved', 'rejected', 'blocked']);

const flaggedEntrySchema = z.object({ id: z.string(), email: z.string().nullable(), name: z.string().nullable() });

/** A referral a fraud check fired on, as the review queue shows it. */
export const flagSchema = z.object({
  id: z.string(),
  contestId: z.string(),
  status: flagStatusEnum,
  reasons: z.array(z.string()),
  entry: flaggedEntrySchema.describe('The referred friend'),
  advocate: flaggedEntrySchema.extend({ referralCode: z.string() }),
  pointsHeld: z.object({ advocate: z.number().int(), friend: z.number().int() }),
  decisionReason: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});

export const flagQuery = pageQuery.omit({ search: true }).extend({
  status: flagStatusEnum.default('pending').describe('Which flags: pending (default), approved, rejected or blocked'),
});

export const ledgerLineSchema = z.object({
  status: z.enum(['released', 'held', 'rejected', 'blocked']),
  delta: z.number().int(),
  reason: z.string(),
  sourceId: z.string().nullable(),
  note: z.string().nullable(),
  flagId: z.string().nullable(),
  flagReasons: z.array(z.string()),
  createdAt: z.string(),
});

// Bodies, queries and answers of single routes, named so the SDK (sdk/) derives its types from
// the same schemas the routes validate with.

export const createEntryBody = z.object({
  email: f.email.optional(),
  phone: f.phone,
  name: f.name,
  referralCode: f.referralCode.nullish().describe("The referrer's code"),
});
export const createdEntrySchema = entryDetailSchema.extend({ alreadyExists: z.boolean() });

export const recordPurchaseBody = z.object({
  email: f.email.describe('Must match an existing entry'),
  orderId: f.orderId,
  amount: f.amount,
  currency: f.currency,
  referralCode: f.referralCode.nullish().describe("The referrer's code; default: the purchaser's own referrer"),
});

export const entryListResponse = ok(z.array(entrySchema)).extend({ pagination: paginationSchema });

export const updateEntryBody = z.object({ name: f.name, phone: f.phone, email: f.email.nullish(), emailConfirmed: z.boolean().optional() });

export const disqualifyBody = z.object({ reason: z.string().trim().max(f.limits.text).nullish() }).optional();

export const adjustPointsBody = z.object({
  points: z.number().int().min(-1_000_000).max(1_000_000).refine((n) => n !== 0, { error: 'must not be 0' }),
  reason: z.string().trim().min(1).max(f.limits.text),
});
export const pointsAdjustmentSchema = z.object({
  entryId: z.string(),
  points: z.number().int(),
  adjustment: z.object({ points: z.number().int(), reason: z.string(), createdAt: z.string() }),
});

export const bonusActionLookupQuery = z.object({ email: f.email, contestId: f.contestId });

export const bonusActionCompletionSchema = z.object({
  entryId: z.string(),
  bonusActionId: z.string(),
  pointsAwarded: z.number().int(),
  alreadyCompleted: z.boolean(),
  totalPoints: z.number().int(),
});

// Outbound webhook endpoints, purchases by id, fraud review, erasure and attribution: named for
// the SDK like the section above.

const webhookEventTypes = z.array(z.enum(WEBHOOK_EVENT_TYPES)).max(WEBHOOK_EVENT_TYPES.length);

export const webhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.string()).describe('Subscribed event types; empty = all'),
  status: z.enum(['enabled', 'disabled']),
  disabledReason: z.string().nullable(),
  failingSince: z.string().nullable(),
  createdAt: z.string(),
});
export const createdWebhookEndpointSchema = webhookEndpointSchema.extend({ secret: z.string() });

export const webhookDeliverySchema = z.object({
  id: z.string(),
  eventId: z.string().describe('The webhook-id header: the same on every retry'),
  eventType: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed', 'cancelled']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastResponseStatus: z.number().int().nullable(),
  createdAt: z.string(),
  attemptLog: z.array(z.object({
    attemptedAt: z.string(),
    durationMs: z.number().int(),
    responseStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
  })),
});

export const createWebhookEndpointBody = z.object({ url: z.string().trim().min(1).max(2000), events: webhookEventTypes.optional(), description: z.string().trim().max(500).nullish() });
export const updateWebhookEndpointBody = z.object({ url: z.string().trim().min(1).max(2000), events: webhookEventTypes, description: z.string().trim().max(500).nullable(), disabled: z.boolean() }).partial();
export const webhookDeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });
export const webhookEndpointDeletedSchema = z.object({ deleted: z.literal(true) });
export const webhookDeliveryQueuedSchema = z.object({ queued: z.literal(true) });

export const purchaseDetailSchema = z.object({
  id: z.string(), contestId: z.string(), orderId: z.string(), amount: z.number(), currency: z.string(),
  source: z.string(), purchaserEntryId: z.string().nullable(), advocateEntryId: z.string().nullable(),
  pointsAwarded: z.number().int(), purchaserPoints: z.number().int(), pointsReversed: z.number().int(),
  refundedAmount: z.number(), status: purchaseStatusEnum, supersededBy: z.string().nullable(), createdAt: z.string(),
});
export const purchaseRefundBody = refundBody.extend({ orderId: z.string().max(200).optional().describe('Ignored here: the path names the purchase') });

export const flagListResponse = ok(z.array(flagSchema)).extend({ pagination: paginationSchema });
export const rejectFlagBody = z.object({ reason: z.string().trim().min(1).max(f.limits.text).describe('Why, for the ledger') });
export const entryLedgerSchema = z.object({ entryId: z.string(), points: z.number().int(), ledger: z.array(ledgerLineSchema) });

export const erasureBody = z.object({ email: f.email });
export const erasureReportSchema = z.object({
  entries: z.number().int().describe('Entries whose email, name and phone were blanked'),
  contestIds: z.array(z.string()).describe('The contests of those entries'),
  purchases: z.number().int().describe('Purchases whose email was blanked (also those without an entry)'),
  visits: z.number().int().describe('Visits whose URL or referrer carried the email (blanked)'),
  ledgerNotes: z.number().int().describe('Ledger notes that named the person (blanked; amounts stay)'),
  disqualificationReasons: z.number().int().describe('Disqualification reasons that named the person (blanked)'),
});

const attributionExplanationFields = {
  referred: z.boolean().describe('Whether an advocate is credited'),
  advocate: z
    .object({ id: z.string(), referralCode: z.string(), name: z.string().nullable(), email: z.string().nullable() })
    .nullable(),
  codeSource: z
    .enum(['body', 'server_cookie', 'script', 'typed', 'webhook', 'api'])
    .nullable()
    .describe('How the code arrived: in the request body from a backend (`body`), from the first-party cookie the collector set (`server_cookie`), from the browser script (`script`), typed by the visitor (`typed`), through a webhook or the REST API'),
  visits: z.object({
    first: z.string().nullable().describe("First visit through the advocate's code from the same visitor key"),
    last: z.string().nullable(),
    count: z.number().int(),
  }),
};
export const entryAttributionSchema = z.object({
  entryId: z.string(),
  ...attributionExplanationFields,
  signedUpAt: z.string(),
  firstVisitToSignupMs: z.number().int().nullable(),
});
export const purchaseAttributionSchema = z.object({
  purchaseId: z.string(),
  orderId: z.string(),
  ...attributionExplanationFields,
  creditRule: z
    .enum(['code', 'cookie', 'referrer'])
    .nullable()
    .describe("Which rule chose the advocate: the code given, the rocket_ref cookie, or the purchaser's own referrer"),
  purchasedAt: z.string(),
  firstVisitToPurchaseMs: z.number().int().nullable(),
});

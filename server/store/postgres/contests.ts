import type { ChangeCounter } from '../changes.js';
import type { ContestsRepo, DailyCounts, DailyRevenue, NewContest } from '../repositories.js';
import type { Contest, ContestStats } from '../types.js';
import type { ReadCaches } from './caches.js';
import { one, type Queryable } from './queryable.js';
import { toContest, type ContestRow } from '../rows.js';

const CONTEST_COLUMNS = `id, title, slug, description, status, mode, start_date, end_date,
  is_evergreen, advocate_points, friend_points, purchase_points_per_unit,
  require_email_confirmation, cookie_days, created_at, updated_at, stripe_webhook_secret,
  recurring_purchases, browser_purchases, fraud_settings, public_key_contacts, referral_url,
  public_pages, leaderboard_frame_ancestors`;

/** $1 … $17, in the column order of INSERT and UPDATE below. */
const contestValues = (c: Omit<Contest, 'createdAt' | 'stripeConnected'>) => [
  c.id,
  c.title,
  c.slug,
  c.description,
  c.status,
  c.mode,
  c.startDate,
  c.endDate,
  c.isEvergreen ? 1 : 0,
  c.settings.advocatePoints,
  c.settings.friendPoints,
  c.settings.purchasePointsPerUnit,
  c.settings.requireEmailConfirmation ? 1 : 0,
  c.settings.cookieDays,
  c.updatedAt,
  c.settings.recurringPurchases ? 1 : 0,
  c.settings.browserPurchases,
];

/** The participant pages' settings, after public_key_contacts in INSERT and UPDATE below. */
const pageSettingValues = (c: Pick<Contest, 'settings'>) => [
  c.settings.referralUrl,
  c.settings.publicPages ? 1 : 0,
  c.settings.leaderboardFrameAncestors.join(' '),
];

const INSERT = `INSERT INTO contests (id, title, slug, description, status, mode, start_date,
    end_date, is_evergreen, advocate_points, friend_points, purchase_points_per_unit,
    require_email_confirmation, cookie_days, updated_at, recurring_purchases, browser_purchases,
    webhook_secret_hash, created_at, fraud_settings, public_key_contacts, referral_url, public_pages,
    leaderboard_frame_ancestors)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
    $21, $22, $23, $24)`;
const UPDATE = `UPDATE contests SET title = $2, slug = $3, description = $4, status = $5, mode = $6,
    start_date = $7, end_date = $8, is_evergreen = $9, advocate_points = $10, friend_points = $11,
    purchase_points_per_unit = $12, require_email_confirmation = $13, cookie_days = $14,
    updated_at = $15, recurring_purchases = $16, browser_purchases = $17, fraud_settings = $18,
    public_key_contacts = $19, referral_url = $20, public_pages = $21, leaderboard_frame_ancestors = $22
  WHERE id = $1`;
// One statement for the analytics counters (the sum of the contest's counter rows; see the
// migrations); max(points) is an index lookup on entries_ranking.
const STATS = `SELECT sum(entries_count) AS "entriesCount", sum(confirmed_count) AS "confirmedCount",
    sum(disqualified_count) AS "disqualifiedCount", sum(views_count) AS "viewsCount",
    sum(bonus_completions_count) AS "bonusCompletionsCount", sum(points_total) AS "pointsTotal",
    coalesce((SELECT max(points) FROM entries WHERE contest_id = $1), 0) AS "highestPoints"
  FROM contest_stats WHERE contest_id = $1 HAVING count(*) > 0`;

// The daily counters' rows of each day summed over their shards (see the migrations).
const DAILY = `SELECT day, sum(visits) AS visits, sum(signups) AS signups,
    sum(referred_signups) AS "referredSignups", sum(purchases) AS purchases
  FROM contest_daily WHERE contest_id = $1 AND day BETWEEN $2 AND $3 GROUP BY day`;
const DAILY_REVENUE = `SELECT day, currency, sum(amount_minor) AS "amountMinor"
  FROM contest_daily_revenue WHERE contest_id = $1 AND day BETWEEN $2 AND $3 GROUP BY day, currency`;

/**
 * Contests are read on every tracking request and change rarely: reads are remembered (shared
 * caches, see ReadCaches), dropped when changed through this store — after the write, so a read
 * running meanwhile cannot put the old row back.
 */
export function createContestsRepo(q: Queryable, changes: ChangeCounter, caches: ReadCaches): ContestsRepo {
  return {
    async daily(id: string, fromDay: number, toDay: number) {
      const values = [id, fromDay, toDay];
      const [days, revenue] = await Promise.all([
        q.rows<DailyCounts>({ name: 'rr_contests_daily', text: DAILY, values }),
        q.rows<DailyRevenue>({ name: 'rr_contests_daily_revenue', text: DAILY_REVENUE, values }),
      ]);
      return { days, revenue };
    },
    async insert(contest: NewContest, now: number): Promise<Contest> {
      const values = [
        ...contestValues({ ...contest, updatedAt: now }),
        contest.webhookSecretHash,
        now,
        JSON.stringify(contest.settings.fraud),
        contest.settings.publicKeyContacts,
        ...pageSettingValues(contest),
      ];
      await q.write({ name: 'rr_contests_insert', text: INSERT, values });
      caches.contests.delete(contest.id);
      return { ...contest, stripeConnected: false, createdAt: now, updatedAt: now };
    },
    async update(contest: Contest, now: number): Promise<Contest> {
      changes.bump();
      const values = [
        ...contestValues({ ...contest, updatedAt: now }),
        JSON.stringify(contest.settings.fraud),
        contest.settings.publicKeyContacts,
        ...pageSettingValues(contest),
      ];
      await q.write({ name: 'rr_contests_update', text: UPDATE, values });
      caches.contests.delete(contest.id);
      return { ...contest, updatedAt: now };
    },
    async get(id: string): Promise<Contest | undefined> {
      const hit = caches.contests.get(id);
      if (hit) return hit;
      const text = `SELECT ${CONTEST_COLUMNS} FROM contests WHERE id = $1`;
      const row = await one<ContestRow>(q, { name: 'rr_contests_by_id', text, values: [id] });
      if (!row) return undefined;
      const contest = toContest(row);
      caches.contests.set(id, contest);
      return contest;
    },
    async getBySlug(slug: string): Promise<Contest | undefined> {
      const text = `SELECT ${CONTEST_COLUMNS} FROM contests WHERE slug = $1`;
      const row = await one<ContestRow>(q, { name: 'rr_contests_by_slug', text, values: [slug] });
      return row && toContest(row);
    },
    async list(): Promise<Array<Contest & { entriesCount: number }>> {
      const text = `SELECT c.*, s.entries_count FROM contests c
        JOIN (SELECT contest_id, sum(entries_count) AS entries_count FROM contest_stats GROUP BY contest_id) s
          ON s.contest_id = c.id
        ORDER BY c.created_at DESC, c.id`;
      const rows = await q.rows<ContestRow & { entries_count: number }>({ name: 'rr_contests_list', text, values: [] });
      return rows.map((row) => ({ ...toContest(row), entriesCount: row.entries_count }));
    },
    async webhookSecretHash(id: string): Promise<string | undefined> {
      const text = 'SELECT webhook_secret_hash FROM contests WHERE id = $1';
      const row = await one<{ webhook_secret_hash: string }>(q, { name: 'rr_contests_secret', text, values: [id] });
      return row?.webhook_secret_hash;
    },
    async setWebhookSecretHash(id: string, hash: string, now: number): Promise<void> {
      const text = 'UPDATE contests SET webhook_secret_hash = $1, updated_at = $2 WHERE id = $3';
      await q.write({ name: 'rr_contests_set_secret', text, values: [hash, now, id] });
      caches.contests.delete(id);
    },
    async stats(id: string): Promise<ContestStats | undefined> {
      return one<ContestStats>(q, { name: 'rr_contests_stats', text: STATS, values: [id] });
    },
    async stripeWebhookSecret(id: string): Promise<string | null | undefined> {
      const text = 'SELECT stripe_webhook_secret FROM contests WHERE id = $1';
      const row = await one<{ stripe_webhook_secret: string | null }>(q, { name: 'rr_contests_stripe_secret', text, values: [id] });
      return row?.stripe_webhook_secret;
    },
    async setStripeWebhookSecret(id: string, secret: string | null, now: number): Promise<void> {
      const text = 'UPDATE contests SET stripe_webhook_secret = $1, updated_at = $2 WHERE id = $3';
      await q.write({ name: 'rr_contests_set_stripe_secret', text, values: [secret, now, id] });
      caches.contests.delete(id);
    },
  };
}

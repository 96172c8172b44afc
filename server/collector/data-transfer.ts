import { z } from 'zod';
import { ApiError } from '../domain/errors.js';
import { normalizeReferralCode } from '../domain/ids.js';
import * as f from '../http/fields.js';
import type { ExportKind } from '../store/export-queries.js';
import type { Repositories, Row, Store } from '../store/repositories.js';
import { requireContest } from './context.js';
import { findExistingEntry, insertEntry } from './entries.js';

/**
 * `refrocket export`: a contest's rows, a page at a time in key order, so a million rows pass
 * through in constant memory (the caller writes each page out before the next is read).
 */
export async function* exportRows(store: Store, kind: ExportKind, contestId: string, pageSize = 1000): AsyncGenerator<Row[]> {
  await requireContest({ store, now: Date.now }, contestId);
  let after: Row | undefined;
  for (;;) {
    const page = await store.exportPage(kind, contestId, after, pageSize);
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1];
  }
}

const flag = z
  .union([z.string(), z.number(), z.boolean()])
  .optional()
  .transform((v) => v === true || v === 1 || (typeof v === 'string' && ['1', 'true', 'yes'].includes(v.trim().toLowerCase())));
const blankAsNull = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);

/** One CSV row of `refrocket import entries`: the columns `refrocket export --what entries` writes. */
export const importRowSchema = z.object({
  email: z.preprocess(blankAsNull, f.email.nullish()),
  name: z.preprocess(blankAsNull, f.name),
  phone: z.preprocess(blankAsNull, f.phone),
  code: z.preprocess(blankAsNull, z.string().trim().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "." or "-"').nullish()),
  referrer_code: z.preprocess(blankAsNull, f.referralCode.nullish()),
  points: z.preprocess(blankAsNull, z.coerce.number().int().min(-1_000_000).max(1_000_000).nullish()),
  email_confirmed: flag,
  disqualified: flag,
  /** Epoch ms (as exported) or ISO 8601: keeps the join order, which breaks ties on the leaderboard. */
  created_at: z.preprocess(
    blankAsNull,
    z
      .union([z.coerce.number().int().min(0), z.iso.datetime({ offset: true }).transform((v) => Date.parse(v))])
      .nullish(),
  ),
});

export interface ImportProblem {
  /** The data line (1 = the first row after the header). */
  line: number;
  reason: string;
}

export interface ImportReport {
  dryRun: boolean;
  rows: number;
  imported: number;
  /** Already in the contest (same email or phone), or twice in the file: not imported again. */
  skipped: ImportProblem[];
  /** Refused, with the reason. */
  rejected: ImportProblem[];
  batches: number;
}

export interface ImportOptions {
  batchSize?: number;
  dryRun?: boolean;
  now?: () => number;
  onProgress?: (rowsDone: number) => void;
}

/** A dry run's batches throw this at their end, so their transaction rolls back. */
class DryRunRollback extends Error {}

/**
 * `refrocket import entries`: rows → entries of one contest, one transaction per batch (a batch
 * that fails for any reason other than a bad row leaves nothing behind, and the import stops
 * there). Bad rows are rejected with a reason and the rest go on; an email or phone the contest
 * already has is skipped, not doubled. Points arrive as one ledger row each (reason
 * "adjustment", note "import"), so the ledger invariant holds; no referral points are awarded.
 */
export async function importEntries(
  store: Store,
  contestId: string,
  rows: AsyncIterable<Record<string, unknown>>,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 500;
  const now = options.now ?? Date.now;
  const dryRun = options.dryRun ?? false;
  const contest = await requireContest({ store, now }, contestId);
  const report: ImportReport = { dryRun, rows: 0, imported: 0, skipped: [], rejected: [], batches: 0 };
  // A dry run commits nothing, so later batches cannot see earlier ones in the database.
  const seenKeys = new Set<string>();
  const seenCodes = new Set<string>();

  async function importRow(tx: Repositories, line: number, raw: Record<string, unknown>): Promise<'imported' | undefined> {
    const parsed = importRowSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      report.rejected.push({ line, reason: `${issue.path.join('.')} ${issue.message}` });
      return;
    }
    const row = parsed.data;
    if (!row.email && !row.phone) {
      report.rejected.push({ line, reason: 'email or phone is required' });
      return;
    }
    const ctx = { store: tx, now: () => row.created_at ?? now() };
    const key = row.email ? `e:${row.email.toLowerCase()}` : `p:${row.phone}`;
    if (seenKeys.has(key) || (await findExistingEntry(ctx, contest.id, row.email, row.phone))) {
      report.skipped.push({ line, reason: `${row.email ? 'email' : 'phone'} already has an entry in the contest` });
      return;
    }
    let referredBy: string | null = null;
    if (row.referrer_code) {
      const code = normalizeReferralCode(row.referrer_code);
      referredBy = (await tx.entries.findIdByCode(contest.id, code)) ?? null;
      if (!referredBy && !(dryRun && seenCodes.has(code))) {
        report.rejected.push({ line, reason: `referrer_code ${code} is not a code of this contest (referrers must come first)` });
        return;
      }
    }
    let entry;
    try {
      entry = await insertEntry(ctx, contest, {
        email: row.email,
        name: row.name,
        phone: row.phone,
        referralCode: row.code,
        referredBy,
        emailConfirmed: row.email_confirmed,
      });
    } catch (error) {
      if (!(error instanceof ApiError && error.statusCode < 500)) throw error;
      report.rejected.push({ line, reason: error.message });
      return;
    }
    if (row.points) await tx.ledger.award(entry, row.points, 'adjustment', null, ctx.now(), 'import');
    if (row.disqualified) await tx.entries.disqualify(entry.id, 'imported as disqualified');
    seenKeys.add(key);
    seenCodes.add(entry.referralCode);
    return 'imported';
  }

  async function runBatch(batch: Array<[number, Record<string, unknown>]>) {
    const before = { rejected: report.rejected.length, skipped: report.skipped.length };
    let imported = 0;
    try {
      await store.transaction(async (tx) => {
        for (const [line, raw] of batch) if ((await importRow(tx, line, raw)) === 'imported') imported++;
        if (dryRun) throw new DryRunRollback();
      });
    } catch (error) {
      if (!(error instanceof DryRunRollback)) {
        // Nothing of this batch was committed: its rows are not reported as done.
        report.rejected.length = before.rejected;
        report.skipped.length = before.skipped;
        const first = batch[0][0];
        throw new Error(`batch ${report.batches + 1} (lines ${first}-${first + batch.length - 1}) failed and was rolled back: ${(error as Error).message}`, { cause: error });
      }
    }
    report.imported += imported;
    report.batches++;
    options.onProgress?.(report.rows);
  }

  let batch: Array<[number, Record<string, unknown>]> = [];
  for await (const raw of rows) {
    report.rows++;
    batch.push([report.rows, raw]);
    if (batch.length >= batchSize) {
      await runBatch(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await runBatch(batch);
  return report;
}

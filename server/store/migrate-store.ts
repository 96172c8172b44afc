import { isDeepStrictEqual } from 'node:util';
import { TABLES, type Row, type Store, type TableName } from './repositories.js';

/**
 * `refrocket migrate-store`: moves an install from one store to another (SQLite ⇄ PostgreSQL, or
 * file to file), table by table in TABLES order, a page at a time, then checks the copy.
 *
 * Counters the database keeps (entries.points, referrals_count, ledger_seq, the contest_stats
 * table) are not copied: rows arrive with them zeroed and the target's triggers rebuild them from
 * the copied rows, so the verification that follows compares two independent computations.
 * The source should not be written meanwhile (stop the collectors): a row added during the copy
 * makes the verification fail rather than go missing silently.
 */

export type MigrateProgress =
  | { phase: 'copy'; table: TableName; done: number; total: number }
  | { phase: 'verify'; check: string; done: number; total: number };

export interface MigrateSummary {
  from: string;
  to: string;
  /** Rows copied per table, in copy order. */
  tables: Record<TableName, number>;
  rows: number;
  ms: number;
}

export interface MigrateOptions {
  /** Rows read and inserted at a time (default 5,000). */
  pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 5_000;
/**
 * Rows per insertCopied call (one transaction). Kept well under a page so that one call stays far
 * from PostgreSQL's statement_timeout (QUERY_TIMEOUT_MS - 1 s) on a slow server: with per-row
 * counting triggers a 5,000-row call of one contest's entries once ran past it.
 */
const INSERT_CHUNK = 1_000;
/** Mismatches named in a verification error; the rest are counted. */
const MAX_REPORTED = 10;

/** Columns the target's triggers compute: copied as 0. */
const ZEROED: Partial<Record<TableName, string[]>> = {
  entries: ['points', 'referrals_count', 'ledger_seq'],
};

/** Byte order of UTF-8, as both engines sort text keys (SQLite BINARY, PostgreSQL COLLATE "C"). */
const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export async function migrateStore(
  from: Store,
  to: Store,
  progress: (p: MigrateProgress) => void = () => {},
  options: MigrateOptions = {},
): Promise<MigrateSummary> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error('page size must be a positive integer');
  const started = Date.now();

  for (const table of TABLES) {
    const n = await to.tables.count(table);
    if (n > 0) {
      throw new Error(
        `the target ${to.description} is not empty: table ${table} holds ${n} row${n === 1 ? '' : 's'}; migrate-store copies into an empty database only`,
      );
    }
  }

  const copied = {} as Record<TableName, number>;
  for (const table of TABLES) {
    copied[table] = table === 'entries'
      ? await copyEntries(from, to, pageSize, progress)
      : await copyTable(from, to, table, pageSize, progress);
  }
  await to.tables.finishCopy();

  await verify(from, to, pageSize, progress);

  return {
    from: from.description,
    to: to.description,
    tables: copied,
    rows: Object.values(copied).reduce((a, b) => a + b, 0),
    ms: Date.now() - started,
  };
}

function zeroed(table: TableName, row: Row): Row {
  const columns = ZEROED[table];
  if (!columns) return row;
  const copy = { ...row };
  for (const column of columns) copy[column] = 0;
  return copy;
}

async function copyTable(
  from: Store,
  to: Store,
  table: TableName,
  pageSize: number,
  progress: (p: MigrateProgress) => void,
): Promise<number> {
  const total = await from.tables.count(table);
  let done = 0;
  progress({ phase: 'copy', table, done, total });
  let after: Row | undefined;
  for (;;) {
    const rows = await from.tables.page(table, after, pageSize);
    if (rows.length === 0) break;
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      await to.tables.insertCopied(table, chunk.map((row) => zeroed(table, row)));
      done += chunk.length;
      progress({ phase: 'copy', table, done, total: Math.max(total, done) });
    }
    after = rows[rows.length - 1];
    if (rows.length < pageSize) break;
  }
  return done;
}

/**
 * Entries reference their referrer (a foreign key, and the referrer's referrals_count is counted
 * when the friend is inserted), so a referrer must be inserted first. Ids are time-ordered, so in
 * id order the referrer nearly always comes first; but two entries of one millisecond (or a clock
 * that stepped back) can sort the other way. Each page is inserted in an order where referrers
 * come first, and an entry whose referrer sorts after the page waits (in memory: such entries
 * are rare) until its referrer has been inserted.
 */
async function copyEntries(
  from: Store,
  to: Store,
  pageSize: number,
  progress: (p: MigrateProgress) => void,
): Promise<number> {
  const table = 'entries';
  const total = await from.tables.count(table);
  let done = 0;
  progress({ phase: 'copy', table, done, total });
  /** Read but not yet inserted, by id. */
  const waiting = new Map<string, Row>();
  /** The highest id read so far: every id up to it was read (pages come in id order). */
  let lastRead: string | undefined;
  let after: Row | undefined;
  for (;;) {
    const rows = await from.tables.page(table, after, pageSize);
    const readBefore = lastRead;
    for (const row of rows) waiting.set(row.id as string, row);
    if (rows.length > 0) lastRead = rows[rows.length - 1].id as string;

    // Inserted already: read in an earlier page and not waiting, or placed in this batch.
    const batch: Row[] = [];
    const placed = new Set<string>();
    const inserted = (id: string) =>
      placed.has(id) || (readBefore !== undefined && utf8Order(id, readBefore) <= 0 && !waiting.has(id));
    for (let progressed = true; progressed;) {
      progressed = false;
      for (const [id, row] of waiting) {
        const referrer = row.referred_by as string | null;
        if (referrer === null || referrer === undefined || inserted(referrer)) {
          batch.push(zeroed(table, row));
          placed.add(id);
          waiting.delete(id);
          progressed = true;
        }
      }
    }
    // In order: a chunk's referrers are in it or in an earlier one.
    for (let i = 0; i < batch.length; i += INSERT_CHUNK) {
      const chunk = batch.slice(i, i + INSERT_CHUNK);
      await to.tables.insertCopied(table, chunk);
      done += chunk.length;
      progress({ phase: 'copy', table, done, total: Math.max(total, done) });
    }
    if (rows.length < pageSize) break;
    after = rows[rows.length - 1];
  }
  if (waiting.size > 0) {
    const sample = [...waiting.values()].slice(0, MAX_REPORTED).map((r) => `${r.id} (referred by ${r.referred_by})`);
    throw new Error(
      `${waiting.size} entr${waiting.size === 1 ? 'y' : 'ies'} could not be copied: the referrer is missing or refers back to it: ${sample.join(', ')}`,
    );
  }
  return done;
}

async function verify(from: Store, to: Store, pageSize: number, progress: (p: MigrateProgress) => void) {
  const problems: string[] = [];

  // 1. Row counts.
  progress({ phase: 'verify', check: 'row counts', done: 0, total: TABLES.length });
  for (const table of TABLES) {
    const [source, target] = await Promise.all([from.tables.count(table), to.tables.count(table)]);
    if (source !== target) problems.push(`table ${table}: ${source} rows in the source, ${target} in the target`);
  }
  progress({ phase: 'verify', check: 'row counts', done: TABLES.length, total: TABLES.length });
  if (problems.length > 0) throw verificationError(problems);

  // 2. Every entry's counters, recomputed by the target, against the source's.
  const entryTotal = await from.tables.count('entries');
  let checked = 0;
  let mismatches = 0;
  let afterSource: Row | undefined;
  let afterTarget: Row | undefined;
  progress({ phase: 'verify', check: 'entry points and referral counts', done: 0, total: entryTotal });
  pages: for (;;) {
    const [source, target] = await Promise.all([
      from.tables.page('entries', afterSource, pageSize),
      to.tables.page('entries', afterTarget, pageSize),
    ]);
    for (let i = 0; i < Math.max(source.length, target.length); i++) {
      const s = source[i];
      const t = target[i];
      if (!s || !t || s.id !== t.id) {
        // The two sequences no longer line up: name where, and stop comparing.
        mismatches++;
        problems.push(`entries differ: ${s ? `source entry ${s.id}` : 'no more source entries'} where the target has ${t ? `entry ${t.id}` : 'no more entries'}`);
        break pages;
      }
      for (const column of ['points', 'referrals_count']) {
        if (s[column] !== t[column]) {
          mismatches++;
          if (problems.length < MAX_REPORTED) {
            problems.push(`entry ${s.id}: ${column} ${s[column]} in the source, ${t[column]} in the target`);
          }
        }
      }
    }
    checked += source.length;
    progress({ phase: 'verify', check: 'entry points and referral counts', done: checked, total: Math.max(entryTotal, checked) });
    if (source.length < pageSize) break;
    afterSource = source[source.length - 1];
    afterTarget = target[target.length - 1];
  }
  if (problems.length > 0) {
    if (mismatches > problems.length) problems.push(`… ${mismatches - problems.length} more`);
    throw verificationError(problems);
  }

  // 3. Each contest's counters (contest_stats, rebuilt by the target's triggers).
  const contestTotal = await from.tables.count('contests');
  let contestsChecked = 0;
  progress({ phase: 'verify', check: 'contest stats', done: 0, total: contestTotal });
  let afterContest: Row | undefined;
  for (;;) {
    const contests = await from.tables.page('contests', afterContest, pageSize);
    for (const contest of contests) {
      const id = contest.id as string;
      const [source, target] = await Promise.all([from.contests.stats(id), to.contests.stats(id)]);
      if (!isDeepStrictEqual(source, target)) {
        const differing = source && target
          ? (Object.keys(source) as Array<keyof typeof source>)
            .filter((k) => source[k] !== target[k])
            .map((k) => `${k} ${source[k]} in the source, ${target[k]} in the target`)
            .join('; ')
          : `stats ${source ? 'present' : 'missing'} in the source, ${target ? 'present' : 'missing'} in the target`;
        problems.push(`contest ${id}: ${differing}`);
      }
    }
    contestsChecked += contests.length;
    progress({ phase: 'verify', check: 'contest stats', done: contestsChecked, total: Math.max(contestTotal, contestsChecked) });
    if (contests.length < pageSize) break;
    afterContest = contests[contests.length - 1];
  }
  if (problems.length > 0) throw verificationError(problems);

  // 4. The target's own invariants (points = ledger sum, contest totals).
  progress({ phase: 'verify', check: 'invariants', done: 0, total: 1 });
  const violations = await to.invariantViolations();
  if (violations.length > 0) {
    throw verificationError(violations.slice(0, MAX_REPORTED).map((v) => `target invariant: ${v}`).concat(
      violations.length > MAX_REPORTED ? [`… ${violations.length - MAX_REPORTED} more`] : [],
    ));
  }
  progress({ phase: 'verify', check: 'invariants', done: 1, total: 1 });
}

function verificationError(problems: string[]): Error {
  return new Error(
    `the copy does not match the source (was the source written during the migration?): ${problems.join('; ')}`,
  );
}

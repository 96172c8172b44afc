import Table from 'cli-table3';
import { parse as parseCsv } from 'csv-parse';
import { stringify as stringifyCsv } from 'csv-stringify';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Option, type Command } from 'commander';
import ProgressBar from 'progress';
import { contestDetail, listContests, updateContest } from './collector/contests.js';
import { requireContest } from './collector/context.js';
import { exportRows, importEntries, type ImportReport } from './collector/data-transfer.js';
import { listEntries } from './collector/entries-admin.js';
import { analytics, leaderboard } from './collector/reports.js';
import { ApiError } from './domain/errors.js';
import { entryView, leaderboardRowView } from './http/views.js';
import { EXPORT_KINDS, exportQueries, type ExportKind } from './store/export-queries.js';
import type { Store } from './store/repositories.js';

/** What cli.ts lends these commands: its --db option and how it opens a store. */
export interface CliParts {
  dbOption: () => Option;
  withStore: <T>(target: string, fn: (store: Store) => Promise<T>) => Promise<T>;
}

type Columns<T> = Array<[header: string, value: (row: T) => unknown]>;

/** A table on a terminal (and in pipes: --json is the machine format). */
function output<T>(rows: T[], columns: Columns<T>, json: boolean, asJson: unknown = rows) {
  if (json) {
    process.stdout.write(`${JSON.stringify(asJson, null, 2)}\n`);
    return;
  }
  const table = new Table({ head: columns.map(([header]) => header), style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map(([, value]) => String(value(row) ?? '')));
  process.stdout.write(`${table.toString()}\n`);
}

const jsonOption = () => new Option('--json', 'print JSON instead of a table');
const positiveInt = (name: string, max = Number.MAX_SAFE_INTEGER) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError(400, `${name} must be an integer from 1 to ${max}`);
  return n;
};

/**
 * Progress on stderr while a long command runs: a bar on a terminal (when the total is known),
 * otherwise nothing, so logs and pipes stay clean.
 */
function progress(total: number | undefined, label: string) {
  if (!process.stderr.isTTY) return { tick: (_n: number) => {}, done: () => {} };
  if (total === undefined || total === 0) {
    let count = 0;
    return {
      tick: (n: number) => void process.stderr.write(`\r${label}: ${(count += n)} rows`),
      done: () => void process.stderr.write('\n'),
    };
  }
  const bar = new ProgressBar(`${label} [:bar] :current/:total rows :percent :etas`, { total, width: 30, stream: process.stderr, clear: true });
  return { tick: (n: number) => bar.tick(n), done: () => bar.terminate() };
}

export function addOperatorCommands(program: Command, contests: Command, entries: Command, { dbOption, withStore }: CliParts): void {
  const ctxOf = (store: Store) => ({ store, now: Date.now });

  contests
    .command('list')
    .description('list contests with their entry counts')
    .addOption(jsonOption())
    .addOption(dbOption())
    .action(async (opts) => {
      const rows = await withStore(opts.db, (store) => listContests(ctxOf(store)));
      output(rows, [['id', (c) => c.id], ['title', (c) => c.title], ['status', (c) => c.status], ['mode', (c) => c.mode], ['entries', (c) => c.entriesCount]], opts.json);
    });

  contests
    .command('update')
    .description("change a contest's title, description, status or dates")
    .requiredOption('--contest <id>', 'contest id')
    .option('--title <title>', 'new title')
    .option('--description <text>', 'new description')
    .addOption(new Option('--status <status>', 'new status').choices(['draft', 'active', 'ended', 'paused']))
    .option('--start-date <iso>', 'start date, ISO 8601 ("" clears it)')
    .option('--end-date <iso>', 'end date, ISO 8601 ("" clears it)')
    .addOption(jsonOption())
    .addOption(dbOption())
    .action(async (opts) => {
      const date = (flag: string, value: string | undefined) => {
        if (value === undefined) return undefined;
        if (value === '') return null;
        const ms = Date.parse(value);
        if (Number.isNaN(ms)) throw new ApiError(400, `${flag} must be an ISO 8601 date, got "${value}"`);
        return ms;
      };
      const patch = Object.fromEntries(
        Object.entries({
          title: opts.title,
          description: opts.description,
          status: opts.status,
          startDate: date('--start-date', opts.startDate),
          endDate: date('--end-date', opts.endDate),
        }).filter(([, v]) => v !== undefined),
      );
      if (Object.keys(patch).length === 0) throw new ApiError(400, 'nothing to change: give --title, --description, --status, --start-date or --end-date');
      const detail = await withStore(opts.db, (store) =>
        store.transaction(async (tx) => {
          const ctx = { store: tx, now: Date.now };
          return contestDetail(ctx, await updateContest(ctx, opts.contest, patch));
        }),
      );
      output([detail], [['id', (c) => c.id], ['title', (c) => c.title], ['status', (c) => c.status], ['start', (c) => c.startDate], ['end', (c) => c.endDate]], opts.json, detail);
    });

  entries
    .command('list')
    .description("a page of a contest's entries, oldest first")
    .requiredOption('--contest <id>', 'contest id')
    .option('--search <text>', 'only entries whose email or name contains this')
    .option('--page <n>', 'page, from 1', positiveInt('--page'), 1)
    .option('--limit <n>', 'entries per page, 1-1000', positiveInt('--limit', 1000), 50)
    .addOption(jsonOption())
    .addOption(dbOption())
    .action(async (opts) => {
      const { rows, total } = await withStore(opts.db, (store) =>
        listEntries(ctxOf(store), opts.contest, { page: opts.page, limit: opts.limit, search: opts.search }),
      );
      const views = rows.map(entryView);
      const pagination = { page: opts.page, limit: opts.limit, total, totalPages: Math.ceil(total / opts.limit) };
      output(views, [['id', (e) => e.id], ['email', (e) => e.email], ['name', (e) => e.name], ['code', (e) => e.referralCode], ['points', (e) => e.points], ['joined', (e) => e.createdAt]], opts.json, { data: views, pagination });
      if (!opts.json) process.stdout.write(`page ${pagination.page} of ${pagination.totalPages} (${total} entries)\n`);
    });

  program
    .command('leaderboard')
    .description("a contest's ranking: points, then who joined first")
    .requiredOption('--contest <id>', 'contest id')
    .option('--limit <n>', 'how many ranks, 1-1000', positiveInt('--limit', 1000), 25)
    .addOption(jsonOption())
    .addOption(dbOption())
    .action(async (opts) => {
      const rows = await withStore(opts.db, (store) => leaderboard(ctxOf(store), opts.contest, opts.limit));
      const views = rows.map((e, i) => leaderboardRowView(e, i + 1));
      output(views, [['rank', (r) => r.rank], ['email', (r) => r.email], ['name', (r) => r.name], ['points', (r) => r.points], ['referrals', (r) => r.referralsCount], ['code', (r) => r.referralCode]], opts.json);
    });

  program
    .command('stats')
    .description("a contest's counters: entries, confirmations, views, points")
    .requiredOption('--contest <id>', 'contest id')
    .addOption(jsonOption())
    .addOption(dbOption())
    .action(async (opts) => {
      const stats = await withStore(opts.db, (store) => analytics(ctxOf(store), opts.contest));
      const rows: Array<[string, number]> = [
        ['entries', stats.totalEntries],
        ['confirmed', stats.confirmedEntries],
        ['disqualified', stats.disqualifiedEntries],
        ['views', stats.totalViews],
        ['bonus completions', stats.totalBonusCompletions],
        ['points total', stats.points.total],
        ['points average', stats.points.average],
        ['points highest', stats.points.highest],
      ];
      output(rows, [['counter', (r) => r[0]], ['value', (r) => r[1]]], opts.json, stats);
    });

  program
    .command('export')
    .description("stream a contest's rows as CSV or NDJSON, in constant memory")
    .requiredOption('--contest <id>', 'contest id')
    .addOption(new Option('--what <rows>', 'which rows').choices([...EXPORT_KINDS]).makeOptionMandatory())
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'ndjson']).default('csv'))
    .option('--out <file>', 'write to this file (default: stdout)')
    .addOption(dbOption())
    .action(async (opts) => {
      const rows = await withStore(opts.db, (store) => exportToStream(store, opts.contest, opts.what, opts.format, opts.out));
      if (opts.out) process.stderr.write(`refrocket: exported ${rows} ${opts.what} rows to ${opts.out}\n`);
    });

  program
    .command('import')
    .description('import rows into a contest')
    .command('entries')
    .description('import entries from CSV (email, name, phone, code, referrer_code, points), a transaction per batch')
    .requiredOption('--contest <id>', 'contest id')
    .requiredOption('--file <file>', 'CSV file with a header row')
    .option('--dry-run', 'check every row and report, store nothing')
    .option('--batch-size <n>', 'rows per transaction', positiveInt('--batch-size', 100_000), 500)
    .addOption(jsonOption())
    .addOption(dbOption())
    .action(async (opts) => {
      const report = await withStore(opts.db, async (store) => {
        const bar = progress(undefined, opts.dryRun ? 'checking' : 'importing');
        let reported = 0;
        const rows = createReadStream(opts.file).pipe(parseCsv({ columns: true, bom: true, skip_empty_lines: true, trim: true }));
        try {
          return await importEntries(store, opts.contest, rows, {
            batchSize: opts.batchSize,
            dryRun: opts.dryRun === true,
            onProgress: (done) => {
              bar.tick(done - reported);
              reported = done;
            },
          });
        } finally {
          bar.done();
          rows.destroy();
        }
      });
      printImportReport(report, opts.json);
    });
}

/** Writes every page before reading the next; waits for the stream to drain (backpressure). */
async function exportToStream(store: Store, contestId: string, kind: ExportKind, format: 'csv' | 'ndjson', outFile?: string): Promise<number> {
  await requireContest({ store, now: Date.now }, contestId);
  const out = outFile ? createWriteStream(outFile) : process.stdout;
  const columns = exportQueries[kind].columns;
  const csv = format === 'csv' ? stringifyCsv({ header: true, columns }) : undefined;
  if (csv) csv.pipe(out);
  const sink = csv ?? out;
  const stats = kind === 'entries' ? await store.contests.stats(contestId) : undefined;
  const bar = progress(stats?.entriesCount, `exporting ${kind}`);
  let count = 0;
  try {
    for await (const page of exportRows(store, kind, contestId)) {
      let ok = true;
      for (const row of page) ok = csv ? csv.write(columns.map((c) => row[c])) : out.write(`${JSON.stringify(row)}\n`);
      count += page.length;
      bar.tick(page.length);
      if (!ok) await once(sink, 'drain');
    }
  } finally {
    bar.done();
  }
  if (csv) csv.end();
  if (out !== process.stdout) {
    if (!csv) out.end();
    await finished(out);
  } else if (csv) {
    await finished(csv);
  }
  return count;
}

function printImportReport(report: ImportReport, json: boolean) {
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const verb = report.dryRun ? 'would import' : 'imported';
  process.stdout.write(`${verb} ${report.imported} of ${report.rows} rows in ${report.batches} batches; ${report.skipped.length} skipped, ${report.rejected.length} rejected\n`);
  const problems = [...report.rejected.map((p) => ({ ...p, outcome: 'rejected' })), ...report.skipped.map((p) => ({ ...p, outcome: 'skipped' }))].sort((a, b) => a.line - b.line);
  if (problems.length > 0) output(problems, [['line', (p) => p.line], ['outcome', (p) => p.outcome], ['reason', (p) => p.reason]], false);
}

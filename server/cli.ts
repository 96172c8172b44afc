import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey } from './collector/api-keys.js';
import { createContest, rotateWebhookSecret, setStripeWebhookSecret } from './collector/contests.js';
import type { CollectorContext } from './collector/context.js';
import { createEntryAsAdmin } from './collector/entries.js';
import { addOperator, newOperator } from './collector/operators.js';
import { normalizeEmail } from './domain/email.js';
import { z } from 'zod';
import { ConfigError, parseServerConfig } from './config.js';
import * as f from './http/fields.js';
import { ApiError } from './domain/errors.js';
import { contestView, entryView } from './http/views.js';
import { serve } from './serve.js';
import { addOperatorCommands } from './cli-operator.js';
import { migrateStore, type MigrateProgress } from './store/migrate-store.js';
import { backupStore, isPostgresUrl, openStore, type StoreOptions as OpenOptions } from './store/open-store.js';
import type { Store } from './store/repositories.js';

declare const __REFROCKET_VERSION__: string | undefined;
const version = typeof __REFROCKET_VERSION__ === 'string' ? __REFROCKET_VERSION__ : '0.0.0-dev';

const DEFAULT_DB = './refrocket.db';
const DB_HELP = 'SQLite database file, or a postgres:// URL';
const dbOption = () => new Option('--db <path|url>', DB_HELP).env('REFROCKET_DB').default(DEFAULT_DB);

type StoreOptions = Pick<OpenOptions, 'nativeBinding'>;

function integer(name: string, min = 0) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

function positiveNumber(value: string) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
}

/** The same field rules as the API, so the CLI cannot store what the API would refuse. */
function checked<T>(schema: z.ZodType<T>, flag: string, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError(400, `${flag} ${result.error.issues[0].message}`);
  return result.data;
}
const CODE_PATTERN = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "." or "-"');
const ID_PATTERN = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"');

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Opens the store a CLI command names, runs fn, and closes it, whatever happens. */
async function withStore<T>(target: string, storeOptions: StoreOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(target, storeOptions);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs a CLI command's rules in one transaction. */
function withCollector<T>(target: string, storeOptions: StoreOptions, fn: (ctx: CollectorContext) => Promise<T>): Promise<T> {
  return withStore(target, storeOptions, (store) => store.transaction((tx) => fn({ store: tx, now: Date.now })));
}

/**
 * The `refrocket` command line. Output is JSON on stdout; errors go to stderr with exit code 1.
 * `storeOptions` lets the single executable hand over the native addon it unpacked.
 */
export function buildCli(storeOptions: StoreOptions = {}): Command {
  const program = new Command('refrocket')
    .description('Self-hostable referral tracking: collector, API and browser script')
    .version(version, '-v, --version');

  program
    .command('serve')
    .description('start the collector (creates and migrates the database)')
    .addOption(new Option('--port <port>', 'port to listen on (env PORT, default 3000)'))
    .addOption(new Option('--host <host>', 'interface to bind (env HOST, default 0.0.0.0)'))
    .addOption(new Option('--db <path|url>', `${DB_HELP} (env REFROCKET_DB, default ${DEFAULT_DB})`))
    .addOption(new Option('--rate-limit <perMinute>', 'per-IP requests per minute, or "off" (env REFROCKET_RATE_LIMIT, default 1500)'))
    .option('--trust-proxy [hops|addresses]', 'take the client IP from X-Forwarded-For set by your proxy: hop count (default 1) or proxy addresses/CIDRs')
    .addOption(new Option('--durability <level>', 'normal: survives process crashes; full: also power loss').choices(['normal', 'full']))
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent'))
    .addOption(new Option('--request-timeout <seconds>', 'a request must arrive whole within this time, else 408 (env REFROCKET_REQUEST_TIMEOUT, default 30)'))
    .addOption(new Option('--connection-timeout <seconds>', 'close a connection idle this long (env REFROCKET_CONNECTION_TIMEOUT, default 60)'))
    .addOption(new Option('--max-connections-per-ip <n>', 'open connections per client address, 0 for no cap (env REFROCKET_MAX_CONNECTIONS_PER_IP, default 100)'))
    .addOption(new Option('--heavy-reads <n>', 'concurrent entry lists/searches per API key and per IP, beyond: 429 (env REFROCKET_HEAVY_READS, default 4)'))
    .option('--metrics', 'Prometheus metrics at GET /metrics for a private API key (env REFROCKET_METRICS=1)')
    .option('--metrics-port <port>', 'also serve /metrics without a key on 127.0.0.1:<port> (env REFROCKET_METRICS_PORT)')
    .option('--shutdown-timeout <ms>', 'longest graceful shutdown before exiting anyway (env REFROCKET_SHUTDOWN_TIMEOUT_MS, default 10000)')
    .action(async (flags) => {
      const config = parseServerConfig(flags);
      const { app, database } = await serve(config, storeOptions, { version });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      app.log.info(`refrocket ${version} listening on http://${config.host}:${port} (db ${database})`);
    });

  const contests = program.command('contests').description('manage contests');
  contests
    .command('create')
    .description('create a contest; prints it with its webhook secret (shown only now)')
    .requiredOption('--title <title>', 'contest title')
    .option('--id <id>', 'contest id (default: a fresh cuid-style id)')
    .option('--slug <slug>', 'URL slug (default: from the title)')
    .option('--description <text>', 'description')
    .addOption(new Option('--status <status>', 'status').choices(['draft', 'active', 'ended', 'paused']).default('active'))
    .addOption(new Option('--mode <mode>', 'mode').choices(['giveaway', 'leaderboard', 'waitlist']).default('leaderboard'))
    .option('--advocate-points <n>', 'points for the advocate per referred signup (default 10)', integer('--advocate-points'))
    .option('--friend-points <n>', 'points for the referred friend (default 5)', integer('--friend-points'))
    .option('--purchase-points-per-unit <n>', 'points per currency unit of a purchase (default 1)', positiveNumber)
    .option('--require-email-confirmation', 'only confirmed entries appear on the leaderboard')
    .option('--cookie-days <n>', 'referral cookie lifetime in days (default 30)', integer('--cookie-days', 1))
    .addOption(dbOption())
    .action(async (opts) => {
      const settings = Object.fromEntries(
        Object.entries({
          advocatePoints: opts.advocatePoints,
          friendPoints: opts.friendPoints,
          purchasePointsPerUnit: opts.purchasePointsPerUnit,
          requireEmailConfirmation: opts.requireEmailConfirmation,
          cookieDays: opts.cookieDays,
        }).filter(([, v]) => v !== undefined),
      );
      const result = await withCollector(opts.db, storeOptions, (ctx) =>
        createContest(ctx, {
          id: opts.id === undefined ? undefined : checked(ID_PATTERN, '--id', opts.id),
          title: opts.title,
          slug: opts.slug,
          description: opts.description,
          status: opts.status,
          mode: opts.mode,
          settings,
        }),
      );
      print({ ...contestView(result.contest, 0), webhookSecret: result.webhookSecret });
    });
  contests
    .command('rotate-secret')
    .description('replace a contest webhook secret; prints the new one')
    .requiredOption('--contest <id>', 'contest id')
    .addOption(dbOption())
    .action(async (opts) => {
      const webhookSecret = await withCollector(opts.db, storeOptions, (ctx) => rotateWebhookSecret(ctx, opts.contest));
      print({ contestId: opts.contest, webhookSecret });
    });
  contests
    .command('connect-stripe')
    .description("store the Stripe webhook signing secret (whsec_…) for POST /api/integrations/stripe/<contest>; --disconnect removes it")
    .requiredOption('--contest <id>', 'contest id')
    .option('--secret <whsec>', "the endpoint's signing secret from Stripe's dashboard")
    .option('--disconnect', 'forget the secret: Stripe events are then refused')
    .addOption(dbOption())
    .action(async (opts) => {
      if (!opts.disconnect && !/^whsec_[A-Za-z0-9+/=_-]{8,200}$/.test(opts.secret ?? '')) {
        throw new InvalidArgumentError('--secret must be a Stripe signing secret (whsec_…)');
      }
      const detail = await withCollector(opts.db, storeOptions, (ctx) =>
        setStripeWebhookSecret(ctx, opts.contest, opts.disconnect ? null : opts.secret));
      print({ contestId: opts.contest, stripeConnected: detail.stripeConnected });
    });

  const entries = program.command('entries').description('manage entries');
  entries
    .command('create')
    .description('create an entry (participant) with its referral code')
    .requiredOption('--contest <id>', 'contest id')
    .requiredOption('--email <email>', 'email address')
    .option('--name <name>', 'display name')
    .option('--code <code>', 'referral code to use (default: a fresh REF-XXXXXX)')
    .addOption(dbOption())
    .action(async (opts) => {
      const input = {
        email: checked(f.email, '--email', opts.email),
        name: opts.name,
        referralCode: opts.code === undefined ? undefined : checked(CODE_PATTERN, '--code', opts.code),
      };
      const entry = await withCollector(opts.db, storeOptions, (ctx) => createEntryAsAdmin(ctx, opts.contest, input));
      print(entryView(entry));
    });

  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('create an API key; it is printed once and only its hash is stored')
    .addOption(new Option('--type <type>', 'key type').choices(['private', 'public']).makeOptionMandatory())
    .option('--label <label>', 'a note to recognise the key by')
    .option('--contest <contestId>', 'public keys only: the one contest this key may read (default: every contest)')
    .addOption(dbOption())
    .action(async (opts) => {
      const { key, type, contestId } = await withCollector(opts.db, storeOptions, (ctx) =>
        createApiKey(ctx, opts.type, opts.label ?? null, opts.contest ?? null));
      print(contestId ? { key, type, contestId } : { key, type });
    });
  keys
    .command('list')
    .description('list API keys (ids, types, prefixes; never the keys)')
    .addOption(dbOption())
    .action(async (opts) => {
      const listing = await withCollector(opts.db, storeOptions, listApiKeys);
      print(listing.map((k) => ({ ...k, createdAt: new Date(k.createdAt).toISOString(), revokedAt: k.revokedAt && new Date(k.revokedAt).toISOString() })));
    });
  keys
    .command('revoke')
    .description('revoke an API key by its id (key_…) or the key itself; running collectors stop accepting it within a second')
    .requiredOption('--key <idOrKey>', 'the key id from `keys list`, or the key')
    .addOption(dbOption())
    .action(async (opts) => {
      const revoked = await withCollector(opts.db, storeOptions, (ctx) => revokeApiKey(ctx, opts.key));
      if (!revoked) throw new ApiError(404, 'no live API key matches --key');
      print({ revoked: true });
    });

  const admins = program.command('admins').description('manage dashboard operators (/admin)');
  admins
    .command('create')
    .description('create an operator; the password (12+ characters) is stored as a scrypt hash')
    .requiredOption('--email <email>', 'the operator\'s email, used to sign in')
    .option('--password <password>', 'the password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .addOption(dbOption())
    .action(async (opts) => {
      const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : opts.password;
      if (typeof password !== 'string') throw new ApiError(400, 'give --password or --password-stdin');
      const operator = await newOperator(opts.email, password, Date.now());
      const created = await withCollector(opts.db, storeOptions, (ctx) => addOperator(ctx, operator));
      print({ email: created.email, createdAt: new Date(created.createdAt).toISOString() });
    });
  admins
    .command('list')
    .description('list operators (emails; never passwords)')
    .addOption(dbOption())
    .action(async (opts) => {
      const listing = await withCollector(opts.db, storeOptions, (ctx) => ctx.store.operators.list());
      print(listing.map((o) => ({ email: o.email, createdAt: new Date(o.createdAt).toISOString() })));
    });
  admins
    .command('delete')
    .description('delete an operator and end their sessions (the audit log keeps their email)')
    .requiredOption('--email <email>', 'the operator\'s email')
    .addOption(dbOption())
    .action(async (opts) => {
      const deleted = await withCollector(opts.db, storeOptions, (ctx) => ctx.store.operators.delete(normalizeEmail(opts.email)));
      if (!deleted) throw new ApiError(404, 'no operator with that --email');
      print({ deleted: true });
    });

  program
    .command('backup')
    .description('write a consistent copy of a SQLite database, safe while the server runs (PostgreSQL: use pg_dump)')
    .requiredOption('--out <file>', 'destination file')
    .addOption(dbOption())
    .action(async (opts) => {
      const result = await backupStore(opts.db, opts.out, storeOptions);
      print(result);
    });

  program
    .command('migrate-store')
    .description('copy every row from one database into a new, empty one (e.g. SQLite to PostgreSQL), then verify the copy; stop the collectors first')
    .requiredOption('--from <path|url>', `the source: ${DB_HELP}`)
    .requiredOption('--to <path|url>', `the target, created if needed and empty: ${DB_HELP}`)
    .addOption(new Option('--page-size <rows>', 'rows copied per transaction').argParser(integer('--page-size', 1)).hideHelp())
    .action(async (opts) => {
      // Opening a path that does not exist would create an empty database and "migrate" nothing.
      if (!isPostgresUrl(opts.from) && opts.from !== ':memory:' && !existsSync(opts.from)) {
        throw new ApiError(404, `--from: no database at ${opts.from}`);
      }
      const summary = await withStore(opts.from, storeOptions, (from) =>
        withStore(opts.to, storeOptions, (to) => {
          process.stderr.write(`refrocket: migrating ${from.description} to ${to.description}\n`);
          return migrateStore(from, to, migrateProgressReporter(process.stderr), { pageSize: opts.pageSize });
        }),
      );
      print(summary);
    });

  addOperatorCommands(program, contests, entries, {
    dbOption,
    withStore: (target, fn) => withStore(target, storeOptions, fn),
  });
  program.hook('preAction', (_program, command) => warnAboutNewDefaultDatabase(command));
  return program;
}

/**
 * Left out, --db means ./refrocket.db in the current directory; run elsewhere, a command would
 * quietly create a new, empty database there (an API key created so leaves the server answering
 * 401). Say so on stderr, whatever the command.
 */
function warnAboutNewDefaultDatabase(command: Command) {
  const usesDefault = command.name() === 'serve'
    ? command.opts().db === undefined && process.env.REFROCKET_DB === undefined
    : command.getOptionValueSource('db') === 'default';
  if (!usesDefault || existsSync(DEFAULT_DB)) return;
  process.stderr.write(
    `refrocket: warning: no --db given (nor REFROCKET_DB), and ${DEFAULT_DB} does not exist in ${process.cwd()}: ` +
      'creating a new, empty database there. Pass --db <file|postgres://…> to use an existing one.\n',
  );
}

/**
 * Progress of `migrate-store` on stderr: on a terminal one line, rewritten in place (table, rows
 * done/total, percent); otherwise (a log file, a pipe) a line when a step starts and ends, and
 * about every 10% between.
 */
function migrateProgressReporter(out: NodeJS.WriteStream) {
  const tty = out.isTTY === true;
  const finishedSteps = new Set<string>();
  let current = '';
  let lastTenth = -1;
  let lastDraw = 0;
  let lineOpen = false;
  return (p: MigrateProgress) => {
    const name = p.phase === 'copy' ? `copying ${p.table}` : `verifying ${p.check}`;
    if (finishedSteps.has(name)) return;
    const first = name !== current;
    if (first) {
      current = name;
      lastTenth = -1;
    }
    const finished = p.done >= p.total;
    if (finished) finishedSteps.add(name);
    const percent = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
    const line = `${name}: ${p.done}/${p.total}${p.phase === 'copy' ? ' rows' : ''} (${percent}%)`;
    if (tty) {
      const now = Date.now();
      if (!first && !finished && now - lastDraw < 100) return;
      lastDraw = now;
      if (first && lineOpen) out.write('\n');
      out.write(`\r\x1b[2K${line}`);
      lineOpen = !finished;
      if (finished) out.write('\n');
      return;
    }
    const tenth = Math.floor(percent / 10);
    if (first || finished || tenth > lastTenth) out.write(`${line}\n`);
    lastTenth = tenth;
  };
}

/** Entry point: parses argv, prints errors to stderr, exits non-zero on failure. */
export async function runCli(argv: string[] = process.argv, storeOptions: StoreOptions = {}) {
  try {
    await buildCli(storeOptions).parseAsync(argv);
  } catch (error) {
    const message = error instanceof ApiError || error instanceof ConfigError ? error.message : (error as Error)?.message ?? String(error);
    process.stderr.write(`refrocket: ${message}\n`);
    process.exitCode = 1;
  }
}

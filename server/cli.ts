import { Command, InvalidArgumentError, Option } from 'commander';
import { createApiKey } from './collector/api-keys.js';
import { createContest, rotateWebhookSecret } from './collector/contests.js';
import { requireContest, type CollectorContext } from './collector/context.js';
import { insertEntry, findExistingEntry } from './collector/entries.js';
import { z } from 'zod';
import { ConfigError, parseServerConfig } from './config.js';
import * as f from './http/fields.js';
import { openDatabase, type OpenDatabaseOptions } from './db/open-database.js';
import { ApiError } from './domain/errors.js';
import { contestView, entryView } from './http/views.js';
import { serve } from './serve.js';
import { createStore } from './store/store.js';
import { backupDatabase } from './db/backup.js';

declare const __REFROCKET_VERSION__: string | undefined;
const version = typeof __REFROCKET_VERSION__ === 'string' ? __REFROCKET_VERSION__ : '0.0.0-dev';

const DEFAULT_DB = './refrocket.db';
const dbOption = () => new Option('--db <path>', 'SQLite database file').env('REFROCKET_DB').default(DEFAULT_DB);

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

/** Runs a CLI command against the database and closes it, whatever happens. */
function withCollector<T>(dbPath: string, dbOptions: OpenDatabaseOptions, fn: (ctx: CollectorContext) => T): T {
  const db = openDatabase(dbPath, dbOptions);
  try {
    const store = createStore(db);
    return store.transaction(() => fn({ store, now: Date.now }));
  } finally {
    db.close();
  }
}

/**
 * The `refrocket` command line. Output is JSON on stdout; errors go to stderr with exit code 1.
 * `dbOptions` lets the single executable hand over the native addon it unpacked.
 */
export function buildCli(dbOptions: OpenDatabaseOptions = {}): Command {
  const program = new Command('refrocket')
    .description('Self-hostable referral tracking: collector, API and browser script')
    .version(version, '-v, --version');

  program
    .command('serve')
    .description('start the collector (creates and migrates the database)')
    .addOption(new Option('--port <port>', 'port to listen on (env PORT, default 3000)'))
    .addOption(new Option('--host <host>', 'interface to bind (env HOST, default 0.0.0.0)'))
    .addOption(new Option('--db <path>', `SQLite database file (env REFROCKET_DB, default ${DEFAULT_DB})`))
    .addOption(new Option('--rate-limit <perMinute>', 'per-IP requests per minute, or "off" (env REFROCKET_RATE_LIMIT, default 100)'))
    .option('--trust-proxy [hops|addresses]', 'take the client IP from X-Forwarded-For set by your proxy: hop count (default 1) or proxy addresses/CIDRs')
    .addOption(new Option('--durability <level>', 'normal: survives process crashes; full: also power loss').choices(['normal', 'full']))
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent'))
    .action(async (flags) => {
      const config = parseServerConfig(flags);
      const app = await serve(config, dbOptions, { version });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      app.log.info(`refrocket ${version} listening on http://${config.host}:${port} (db ${config.dbPath})`);
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
    .action((opts) => {
      const settings = Object.fromEntries(
        Object.entries({
          advocatePoints: opts.advocatePoints,
          friendPoints: opts.friendPoints,
          purchasePointsPerUnit: opts.purchasePointsPerUnit,
          requireEmailConfirmation: opts.requireEmailConfirmation,
          cookieDays: opts.cookieDays,
        }).filter(([, v]) => v !== undefined),
      );
      const result = withCollector(opts.db, dbOptions, (ctx) =>
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
    .action((opts) => {
      const webhookSecret = withCollector(opts.db, dbOptions, (ctx) => rotateWebhookSecret(ctx, opts.contest));
      print({ contestId: opts.contest, webhookSecret });
    });

  program
    .command('entries')
    .description('manage entries')
    .command('create')
    .description('create an entry (participant) with its referral code')
    .requiredOption('--contest <id>', 'contest id')
    .requiredOption('--email <email>', 'email address')
    .option('--name <name>', 'display name')
    .option('--code <code>', 'referral code to use (default: a fresh REF-XXXXXX)')
    .addOption(dbOption())
    .action((opts) => {
      const entry = withCollector(opts.db, dbOptions, (ctx) => {
        const contest = requireContest(ctx, opts.contest);
        if (findExistingEntry(ctx, contest.id, opts.email, null)) {
          throw new ApiError(400, `email ${opts.email} already has an entry in contest ${contest.id}`);
        }
        return insertEntry(ctx, contest, {
          email: checked(f.email, '--email', opts.email),
          name: opts.name,
          referralCode: opts.code === undefined ? undefined : checked(CODE_PATTERN, '--code', opts.code),
        });
      });
      print(entryView(entry));
    });

  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('create an API key; it is printed once and only its hash is stored')
    .addOption(new Option('--type <type>', 'key type').choices(['private', 'public']).makeOptionMandatory())
    .option('--label <label>', 'a note to recognise the key by')
    .addOption(dbOption())
    .action((opts) => {
      const { key, type } = withCollector(opts.db, dbOptions, (ctx) => createApiKey(ctx, opts.type, opts.label ?? null));
      print({ key, type });
    });
  keys
    .command('list')
    .description('list API keys (ids, types, prefixes; never the keys)')
    .addOption(dbOption())
    .action((opts) => {
      const listing = withCollector(opts.db, dbOptions, (ctx) => ctx.store.apiKeys.list());
      print(listing.map((k) => ({ ...k, createdAt: new Date(k.createdAt).toISOString(), revokedAt: k.revokedAt && new Date(k.revokedAt).toISOString() })));
    });
  keys
    .command('revoke')
    .description('revoke an API key by its id (key_…) or the key itself; a running server stops accepting it within 10 s')
    .requiredOption('--key <idOrKey>', 'the key id from `keys list`, or the key')
    .addOption(dbOption())
    .action((opts) => {
      const revoked = withCollector(opts.db, dbOptions, (ctx) => ctx.store.apiKeys.revoke(opts.key, ctx.now()));
      if (!revoked) throw new ApiError(404, 'no live API key matches --key');
      print({ revoked: true });
    });

  program
    .command('backup')
    .description('write a consistent copy of the database, safe while the server runs')
    .requiredOption('--out <file>', 'destination file')
    .addOption(dbOption())
    .action(async (opts) => {
      const result = await backupDatabase(opts.db, opts.out, dbOptions);
      print(result);
    });

  return program;
}

/** Entry point: parses argv, prints errors to stderr, exits non-zero on failure. */
export async function runCli(argv: string[] = process.argv, dbOptions: OpenDatabaseOptions = {}) {
  try {
    await buildCli(dbOptions).parseAsync(argv);
  } catch (error) {
    const message = error instanceof ApiError || error instanceof ConfigError ? error.message : (error as Error)?.message ?? String(error);
    process.stderr.write(`refrocket: ${message}\n`);
    process.exitCode = 1;
  }
}

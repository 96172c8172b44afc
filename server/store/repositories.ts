import type { ChangeCounter } from './changes.js';
import type { WriteOpRunner, Writer } from './writer.js';
import type { ApiKeyType, Contest, ContestStats, Entry, LedgerReason, Purchase } from './types.js';

/**
 * The engine boundary. The rules (server/collector/) ask these interfaces what they need, by
 * meaning, and never see SQL; each engine implements them in its own folder (store/sqlite/,
 * store/postgres/) and a shared contract suite runs the same tests against both.
 *
 * Every method is async because PostgreSQL needs it; on SQLite the promises are already settled.
 * Invariants the database can hold (unique keys, the ledger sum, the counters) are held by it on
 * both engines, so two collectors cannot race past them and the rules never re-check them.
 */

export type NewContest = Omit<Contest, 'createdAt' | 'updatedAt'> & { webhookSecretHash: string };

export interface ContestsRepo {
  insert(contest: NewContest, now: number): Promise<Contest>;
  update(contest: Contest, now: number): Promise<Contest>;
  /** Read on every tracking request: remembered for at most CROSS_PROCESS_STALENESS_MS. */
  get(id: string): Promise<Contest | undefined>;
  getBySlug(slug: string): Promise<Contest | undefined>;
  list(): Promise<Array<Contest & { entriesCount: number }>>;
  webhookSecretHash(id: string): Promise<string | undefined>;
  setWebhookSecretHash(id: string, hash: string, now: number): Promise<void>;
  stats(id: string): Promise<ContestStats | undefined>;
  /**
   * The daily counters (kept by triggers) of days `fromDay`..`toDay` (whole days since the epoch,
   * UTC) that have any; revenue per day and currency. Days without activity have no row.
   */
  daily(id: string, fromDay: number, toDay: number): Promise<{ days: DailyCounts[]; revenue: DailyRevenue[] }>;
}

export interface DailyCounts {
  day: number;
  visits: number;
  signups: number;
  referredSignups: number;
  purchases: number;
}

export interface DailyRevenue {
  day: number;
  currency: string;
  amountMinor: number;
}

export interface NewEntry {
  id: string;
  contestId: string;
  email: string | null;
  emailNormalized: string | null;
  name: string | null;
  phone: string | null;
  referralCode: string;
  referredBy: string | null;
  emailConfirmed: boolean;
  createdAt: number;
}

export interface EntryPatch {
  email?: string | null;
  emailNormalized?: string | null;
  name?: string | null;
  phone?: string | null;
  emailConfirmed?: boolean;
}

export interface EntriesRepo {
  /**
   * Inserts the entry, or nothing (undefined) when one of its unique keys (email, phone, code in
   * the contest) is already taken — also by another transaction that commits meanwhile, so a
   * race between two collectors ends here instead of aborting a transaction.
   */
  insert(entry: NewEntry): Promise<Entry | undefined>;
  get(id: string): Promise<Entry | undefined>;
  findByEmail(contestId: string, emailNormalized: string): Promise<Entry | undefined>;
  findByPhone(contestId: string, phone: string): Promise<Entry | undefined>;
  findByCode(contestId: string, code: string): Promise<Entry | undefined>;
  /**
   * The entry holding a code and the one holding an email (possibly the same), in one look-up:
   * a signup or a purchase asks both, and on PostgreSQL each question is a round trip.
   */
  findByCodeAndEmail(
    contestId: string,
    code: string | null,
    emailNormalized: string | null,
  ): Promise<{ byCode: Entry | undefined; byEmail: Entry | undefined }>;
  /** Codes never change once given, so code → id may be remembered (bounded). */
  findIdByCode(contestId: string, code: string): Promise<string | undefined>;
  update(entry: Entry, patch: EntryPatch, emailNormalized: string | null): Promise<void>;
  disqualify(id: string, reason: string | null): Promise<void>;
  /** Puts a disqualified entry back on the leaderboard (its reason is cleared). */
  requalify(id: string): Promise<void>;
  /** Blanks email, name and phone; the row, its code and its points stay. */
  erase(id: string, now: number): Promise<void>;
  /** Oldest first; `search` matches email or name as a literal substring. */
  list(contestId: string, opts: { limit: number; offset: number; search?: string }): Promise<{ rows: Entry[]; total: number }>;
  /** Points desc, then earlier createdAt, then id; not disqualified; confirmed only if asked. */
  leaderboard(contestId: string, limit: number, confirmedOnly: boolean): Promise<Entry[]>;
  /**
   * The entry's rank in leaderboard() order (1 = first): one more than the ranked entries ahead
   * of it. undefined when the leaderboard leaves it out (disqualified, or unconfirmed when asked).
   */
  rankOf(entry: Entry, confirmedOnly: boolean): Promise<number | undefined>;
}

export interface LedgerRow {
  id: number;
  entryId: string;
  delta: number;
  reason: LedgerReason;
  sourceId: string | null;
  note: string | null;
  createdAt: number;
}

export interface Award {
  entry: { id: string; contestId: string };
  delta: number;
  reason: LedgerReason;
  sourceId: string | null;
}

export interface LedgerRepo {
  /**
   * Appends one ledger row (zero deltas are not recorded) and returns the delta. The database
   * applies it to the entry's points and the contest's total; an automatic award names its cause
   * (`sourceId`) and can exist once per (entry, reason, source).
   */
  award(
    entry: { id: string; contestId: string },
    delta: number,
    reason: LedgerReason,
    sourceId: string | null,
    now: number,
    note?: string | null,
  ): Promise<number>;
  /** Several awards at once (one statement on PostgreSQL); returns each delta, 0 for zero deltas. */
  awardAll(awards: Award[], now: number): Promise<number[]>;
  forEntry(entryId: string): Promise<LedgerRow[]>;
}

export interface NewPurchase extends Purchase {
  email: string | null;
  emailNormalized: string | null;
  source: 'referral' | 'webhook' | 'api';
}

export interface PurchasesRepo {
  insert(purchase: NewPurchase): Promise<Purchase>;
  findByOrder(contestId: string, orderId: string): Promise<Purchase | undefined>;
  /** Blanks the purchaser email on the entry's purchases, and on those made under its email before it existed. */
  erasePurchaserEmail(entry: { id: string; contestId: string }, emailNormalized: string | null): Promise<void>;
  /** A contest's purchases in id order, a page at a time after id `after` (exports stream them). */
  listForContest(contestId: string, after: string, limit: number): Promise<Array<Purchase & { email: string | null }>>;
}

export interface NewVisit {
  contestId: string;
  entryId: string;
  url: string | null;
  referrer: string | null;
  visitorKey: string | null;
  createdAt: number;
}

export interface VisitsRepo {
  insert(visit: NewVisit): Promise<void>;
  /**
   * The day's visitor salt, created on first use (the first writer wins; every collector then
   * reads the same one); older salts are deleted so old visitor keys cannot be re-derived.
   */
  saltForDay(day: string): Promise<string>;
}

export interface ApiKeyRecord {
  id: string;
  type: ApiKeyType;
  keyHash: string;
}

export interface ApiKeyListing {
  id: string;
  type: ApiKeyType;
  /** The first characters of the key, to recognise it by; the key itself is not stored. */
  prefix: string;
  label: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface ApiKeysRepo {
  insert(id: string, type: ApiKeyType, key: string, label: string | null, now: number): Promise<void>;
  list(): Promise<ApiKeyListing[]>;
  /** Revokes by key id (`key_…`) or by the key itself; true when a live key was revoked. */
  revoke(idOrKey: string, now: number): Promise<boolean>;
  /** Looks the key up by its hash (remembered for at most CROSS_PROCESS_STALENESS_MS). */
  find(key: string): Promise<ApiKeyRecord | undefined>;
}

export interface BonusAction {
  id: string;
  contestId: string;
  action: string;
  description: string | null;
  points: number;
  position: number;
}

export interface BonusActionStatus extends BonusAction {
  completed: boolean;
  completedAt: number | null;
  pointsAwarded: number | null;
}

export interface BonusActionsRepo {
  insert(action: BonusAction, now: number): Promise<void>;
  update(action: BonusAction): Promise<void>;
  archive(id: string): Promise<void>;
  listForContest(contestId: string): Promise<BonusAction[]>;
  get(id: string): Promise<(BonusAction & { archived: boolean }) | undefined>;
  findByAction(contestId: string, action: string): Promise<BonusAction | undefined>;
  statusForEntry(entryId: string, contestId: string): Promise<BonusActionStatus[]>;
  completion(entryId: string, bonusActionId: string): Promise<{ completedAt: number; pointsAwarded: number } | undefined>;
  complete(entryId: string, action: BonusAction, points: number, now: number): Promise<void>;
}

/** Links to a participant's private page: only SHA-256 hashes of the tokens are stored. */
export interface HubTokensRepo {
  insert(tokenHash: string, entry: { id: string; contestId: string }, now: number): Promise<void>;
  /** The live (not revoked) token with this hash. */
  find(tokenHash: string): Promise<{ entryId: string; contestId: string } | undefined>;
  /** Revokes every live token of the entry; returns how many. */
  revokeForEntry(entryId: string, now: number): Promise<number>;
}

export interface Operator {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
}

export interface AuditRecord {
  id: number;
  operatorEmail: string;
  action: string;
  contestId: string | null;
  entryId: string | null;
  detail: string | null;
  createdAt: number;
}

/** Dashboard operators, their sessions (by the SHA-256 of the cookie) and the audit log. */
export interface OperatorsRepo {
  insert(operator: Operator): Promise<boolean>;
  findByEmail(email: string): Promise<Operator | undefined>;
  list(): Promise<Array<Omit<Operator, 'passwordHash'>>>;
  /** Deletes the operator and their sessions; false when no such operator. */
  delete(email: string): Promise<boolean>;
  insertSession(tokenHash: string, operatorId: string, now: number): Promise<void>;
  session(tokenHash: string): Promise<{ operatorId: string; email: string; lastSeenAt: number } | undefined>;
  touchSession(tokenHash: string, now: number): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  appendAudit(record: Omit<AuditRecord, 'id'>): Promise<void>;
  /** Newest first; only a contest's rows when contestId is given; rows before id `before`. */
  audit(opts: { contestId?: string; before?: number; limit: number }): Promise<AuditRecord[]>;
}

/** What the rules see: one set of repositories, on the store (reads) or inside a transaction. */
export interface Repositories {
  contests: ContestsRepo;
  entries: EntriesRepo;
  ledger: LedgerRepo;
  purchases: PurchasesRepo;
  visits: VisitsRepo;
  apiKeys: ApiKeysRepo;
  bonusActions: BonusActionsRepo;
  hubTokens: HubTokensRepo;
  operators: OperatorsRepo;
}

/**
 * How long a collector may serve a cached contest or API key after another process changed it
 * (a contest paused, a key revoked through another collector or the CLI). Caches expire after
 * this, on both engines; a change made through this process drops its entry at once.
 */
export const CROSS_PROCESS_STALENESS_MS = 500;

/** The tables, in an order where every row's references come before it (migrate-store copies in it). */
export const TABLES = [
  'contests',
  'api_keys',
  'visitor_salts',
  'entries',
  'points_ledger',
  'visits',
  'purchases',
  'bonus_actions',
  'bonus_completions',
  'hub_tokens',
  'operators',
  'audit_log',
] as const;
export type TableName = (typeof TABLES)[number];

/** A stored row as both engines return it: column name → number, string or null. */
export type Row = Record<string, number | string | null>;

/**
 * Raw table access, for moving an install between engines (`refrocket migrate-store`) and for
 * tests that check what was stored. The rules never use it.
 */
export interface TableAccess {
  count(table: TableName): Promise<number>;
  /** Rows in primary-key order, a page at a time: pass the last row of a page to get the next. */
  page(table: TableName, after: Row | undefined, limit: number): Promise<Row[]>;
  /**
   * Inserts rows copied from another store, in one transaction. Counters the database keeps
   * (entries.points, referrals_count, ledger_seq, contest_stats) must arrive zeroed: the target
   * recomputes them from the rows, which is what verification then compares.
   */
  insertCopied(table: TableName, rows: Row[]): Promise<void>;
  /** After a copy: move id sequences past the copied ids (PostgreSQL), nothing on SQLite. */
  finishCopy(): Promise<void>;
}

/** One write's result in a group commit: [true, value] or [false, error]. */
export type Outcome = [ok: boolean, value: unknown];

/** A write the group-commit queue runs inside a transaction, on that transaction's repositories. */
export type TransactionalOp = (tx: Repositories) => Promise<unknown>;

export interface Store extends Repositories {
  /** Bumped by every write of this process that can change a ranking; see VersionedCache. */
  readonly changes: ChangeCounter;
  readonly tables: TableAccess;
  /** The database, for logs: a file path, or a URL without its password. */
  readonly description: string;
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs a batch of writes in ONE transaction and resolves after its COMMIT (group commit; see
   * writer/write-queue.ts). `isolated` gives each write a savepoint. Without it, a write that
   * fails having changed nothing is simply reported; one that fails after changing something makes
   * the engine throw ReplayBatch, and the queue runs the batch again isolated.
   */
  runBatch(ops: TransactionalOp[], isolated: boolean): Promise<Outcome[]>;
  /**
   * Where the API's writes run, group-committed (store/writer.ts): on this thread, or for a
   * SQLite file in a write thread of its own. `onFatal`: the writer can no longer commit.
   */
  openWriter(runner: WriteOpRunner, options: { onFatal(error: Error): void }): Writer;
  /** Drops cached reads after a rolled-back write: they may hold rows that no longer exist. */
  forgetCachedReads(): void;
  /** Resolves when the database answers a query; rejects (503 ApiError) when it does not. */
  ping(): Promise<void>;
  /** Entries whose points differ from their ledger sum, and contests whose counters are off. */
  invariantViolations(): Promise<string[]>;
  /** A consistent online copy of the database into a file (SQLite); PostgreSQL refuses. */
  backup(destination: string): Promise<{ source: string; destination: string; bytes: number; ms: number }>;
  close(): Promise<void>;
}

/** Thrown by Store.runBatch: a write failed after changing rows, so the batch must run again isolated. */
export class ReplayBatch extends Error {
  constructor() {
    super('batch rolled back to isolate a failed write');
  }
}

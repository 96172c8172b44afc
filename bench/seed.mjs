// Seeding: the contest and API keys go through the real CLI (which also creates and migrates the
// schema); bulk entries, points and visits are inserted directly with better-sqlite3 afterwards,
// in big transactions. The schema's triggers still run, so entries.points = ledger sum and the
// contest_stats counters stay exact.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { ROOT } from './lib.mjs';

export const CONTEST_ID = 'bench';
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const DAY = 86_400_000;

/** Runs the CLI of the checkout at `root` (another revision's, for --compare). */
function cli(args, root = ROOT) {
  return JSON.parse(execFileSync(process.execPath, ['bin/refrocket.mjs', ...args], { cwd: root, encoding: 'utf8' }));
}

/** Creates the schema, the contest 'bench' and one public and one private API key. */
export function createContestAndKeys(dbPath, root = ROOT) {
  const contest = cli(['contests', 'create', '--title', 'Bench', '--id', CONTEST_ID, '--db', dbPath], root);
  const publicKey = cli(['keys', 'create', '--type', 'public', '--label', 'bench', '--db', dbPath], root).key;
  const privateKey = cli(['keys', 'create', '--type', 'private', '--label', 'bench', '--db', dbPath], root).key;
  return { contestId: CONTEST_ID, webhookSecret: contest.webhookSecret, publicKey, privateKey };
}

/** Entry n's referral code: 'REF-' + n in base 31 over the app's alphabet, 6 symbols (unique). */
export function codeFor(n) {
  let s = '';
  for (let k = 0; k < 6; k++, n = Math.floor(n / 31)) s = CODE_ALPHABET[n % 31] + s;
  return `REF-${s}`;
}
export const emailFor = (n) => `user${n}@example.com`;

/** Cheap deterministic hash, so seeds are reproducible. */
const mix = (n) => ((Math.imul(n ^ 0x9e3779b9, 0x85ebca6b) ^ (n >>> 7)) >>> 0);

/**
 * Inserts `count` entries (ids entry_0 … entry_{count-1}) spread over the last 60 days; about 30%
 * referred by an earlier entry; about 60% get an 'adjustment' ledger row of 1..1000 points (skewed
 * toward small values), so the leaderboard has a realistic spread and many ties.
 */
export function seedEntries(db, count, { chunk = 100_000, onProgress } = {}) {
  const now = Date.now();
  const insertEntry = db.prepare(`INSERT INTO entries
    (id, contest_id, email, email_normalized, name, referral_code, referred_by, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertPoints = db.prepare(`INSERT INTO points_ledger
    (entry_id, contest_id, delta, reason, source_id, note, created_at) VALUES (?, ?, ?, 'adjustment', NULL, 'bench seed', ?)`);
  const batch = db.transaction((from, to) => {
    for (let n = from; n < to; n++) {
      const h = mix(n);
      const createdAt = now - 60 * DAY + Math.floor((n / count) * 60 * DAY);
      const email = emailFor(n);
      const referredBy = n > 0 && h % 10 < 3 ? `entry_${h % n}` : null;
      insertEntry.run(`entry_${n}`, CONTEST_ID, email, email, `User ${n}`, codeFor(n), referredBy, createdAt);
      if (h % 10 < 6) {
        const r = (h >>> 8) / 0x1000000; // 0..1
        insertPoints.run(`entry_${n}`, CONTEST_ID, 1 + Math.floor(r * r * r * 1000), createdAt);
      }
    }
  });
  for (let from = 0; from < count; from += chunk) {
    batch(from, Math.min(count, from + chunk));
    onProgress?.(Math.min(count, from + chunk));
  }
}

/** Inserts `count` visits to random entries of the first `entries`, in time order. */
export function seedVisits(db, count, entries, { chunk = 250_000, onProgress } = {}) {
  const now = Date.now();
  const insert = db.prepare(`INSERT INTO visits (contest_id, entry_id, url, referrer, visitor_key, created_at)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const referrers = [null, 'https://www.google.com/', 'https://t.co/', 'https://news.example.org/a/123'];
  const batch = db.transaction((from, to) => {
    for (let n = from; n < to; n++) {
      const h = mix(n + 0x5bd1e995);
      const key = (h.toString(16) + mix(n).toString(16)).padStart(16, '0').repeat(2).slice(0, 32);
      insert.run(CONTEST_ID, `entry_${h % entries}`, `https://shop.example/p/${h % 500}`, referrers[h % 4], key,
        now - 60 * DAY + Math.floor((n / count) * 60 * DAY));
    }
  });
  for (let from = 0; from < count; from += chunk) {
    batch(from, Math.min(count, from + chunk));
    onProgress?.(Math.min(count, from + chunk));
  }
}

/**
 * A complete bench database: schema + contest + keys (via the CLI of the checkout at `root`, which
 * creates the schema that revision expects), then bulk rows.
 */
export function seedDatabase(dbPath, { entries, visits = 0, fast = false, onProgress, root = ROOT } = {}) {
  const meta = createContestAndKeys(dbPath, root);
  const db = new Database(dbPath);
  try {
    db.pragma('journal_mode = WAL');
    // Seeding only: no fsync and a big page cache. The collector later opens the file with its
    // own settings (synchronous=NORMAL), so this does not affect what is measured.
    if (fast) {
      db.pragma('synchronous = OFF');
      db.pragma('cache_size = -524288');
    }
    seedEntries(db, entries, { onProgress: (n) => onProgress?.('entries', n) });
    if (visits) seedVisits(db, visits, entries, { onProgress: (n) => onProgress?.('visits', n) });
    db.pragma('wal_checkpoint(TRUNCATE)');
    const stats = db.prepare('SELECT * FROM contest_stats WHERE contest_id = ?').get(CONTEST_ID);
    return { ...meta, stats };
  } finally {
    db.close();
  }
}

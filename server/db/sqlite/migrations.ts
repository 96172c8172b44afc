/**
 * Versioned schema migrations. Each runs once, in order, inside its own transaction; a failure
 * aborts start-up (see migrate.ts). Never edit a shipped migration: add a new one.
 *
 * Invariants are enforced by the schema itself (triggers), not only by application code, so that
 * every write path — API, CLI, a future admin tool — keeps them:
 *  - points_ledger is append-only, and entries.points is maintained from it by trigger, so an
 *    entry's points always equal the sum of its ledger rows;
 *  - contest_stats holds the counters analytics needs (entries, confirmed, disqualified, views,
 *    bonus completions, points total), kept current by triggers, so analytics never scans.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: /* sql */ `
      CREATE TABLE contests (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        slug TEXT NOT NULL UNIQUE,
        description TEXT,
        status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'ended', 'paused')),
        mode TEXT NOT NULL CHECK (mode IN ('giveaway', 'leaderboard', 'waitlist')),
        start_date INTEGER,
        end_date INTEGER,
        is_evergreen INTEGER NOT NULL DEFAULT 1,
        advocate_points INTEGER NOT NULL DEFAULT 10,
        friend_points INTEGER NOT NULL DEFAULT 5,
        purchase_points_per_unit REAL NOT NULL DEFAULT 1,
        require_email_confirmation INTEGER NOT NULL DEFAULT 0,
        cookie_days INTEGER NOT NULL DEFAULT 30,
        webhook_secret_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE contest_stats (
        contest_id TEXT PRIMARY KEY REFERENCES contests(id),
        entries_count INTEGER NOT NULL DEFAULT 0,
        confirmed_count INTEGER NOT NULL DEFAULT 0,
        disqualified_count INTEGER NOT NULL DEFAULT 0,
        views_count INTEGER NOT NULL DEFAULT 0,
        bonus_completions_count INTEGER NOT NULL DEFAULT 0,
        points_total INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE TRIGGER contests_create_stats AFTER INSERT ON contests BEGIN
        INSERT INTO contest_stats (contest_id) VALUES (NEW.id);
      END;

      CREATE TABLE entries (
        id TEXT PRIMARY KEY,
        contest_id TEXT NOT NULL REFERENCES contests(id),
        email TEXT,
        email_normalized TEXT,
        name TEXT,
        phone TEXT,
        referral_code TEXT NOT NULL,
        referred_by TEXT REFERENCES entries(id),
        points INTEGER NOT NULL DEFAULT 0,
        referrals_count INTEGER NOT NULL DEFAULT 0,
        email_confirmed INTEGER NOT NULL DEFAULT 0,
        disqualified INTEGER NOT NULL DEFAULT 0,
        disqualified_reason TEXT,
        erased_at INTEGER,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE UNIQUE INDEX entries_contest_email ON entries (contest_id, email_normalized)
        WHERE email_normalized IS NOT NULL;
      CREATE UNIQUE INDEX entries_contest_phone ON entries (contest_id, phone)
        WHERE phone IS NOT NULL;
      CREATE UNIQUE INDEX entries_contest_code ON entries (contest_id, referral_code);
      -- Serves the leaderboard (points desc, then joinedAt, then id) with an index walk.
      CREATE INDEX entries_ranking ON entries (contest_id, points DESC, created_at, id);
      CREATE INDEX entries_contest_created ON entries (contest_id, created_at, id);
      CREATE INDEX entries_referred_by ON entries (referred_by) WHERE referred_by IS NOT NULL;

      CREATE TRIGGER entries_count_insert AFTER INSERT ON entries BEGIN
        UPDATE contest_stats SET
          entries_count = entries_count + 1,
          confirmed_count = confirmed_count + NEW.email_confirmed,
          disqualified_count = disqualified_count + NEW.disqualified
        WHERE contest_id = NEW.contest_id;
        UPDATE entries SET referrals_count = referrals_count + 1
        WHERE NEW.referred_by IS NOT NULL AND id = NEW.referred_by;
      END;

      CREATE TRIGGER entries_count_flags AFTER UPDATE OF email_confirmed, disqualified ON entries BEGIN
        UPDATE contest_stats SET
          confirmed_count = confirmed_count + NEW.email_confirmed - OLD.email_confirmed,
          disqualified_count = disqualified_count + NEW.disqualified - OLD.disqualified
        WHERE contest_id = NEW.contest_id;
      END;

      CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN
        SELECT RAISE(ABORT, 'entries are never deleted; erase personal data instead');
      END;

      CREATE TABLE points_ledger (
        id INTEGER PRIMARY KEY,
        entry_id TEXT NOT NULL REFERENCES entries(id),
        contest_id TEXT NOT NULL,
        delta INTEGER NOT NULL CHECK (delta <> 0),
        reason TEXT NOT NULL CHECK (reason IN
          ('referral_advocate', 'referral_friend', 'purchase', 'bonus_action', 'adjustment')),
        source_id TEXT,
        note TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE INDEX points_ledger_entry ON points_ledger (entry_id);
      -- Second line of defence against double awards: an automatic award names its cause
      -- (friend entry, purchase, bonus action) and can exist once per entry.
      CREATE UNIQUE INDEX points_ledger_once ON points_ledger (entry_id, reason, source_id)
        WHERE reason <> 'adjustment';

      CREATE TRIGGER points_ledger_apply AFTER INSERT ON points_ledger BEGIN
        UPDATE entries SET points = points + NEW.delta WHERE id = NEW.entry_id;
        UPDATE contest_stats SET points_total = points_total + NEW.delta
        WHERE contest_id = NEW.contest_id;
      END;
      CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger BEGIN
        SELECT RAISE(ABORT, 'points_ledger is append-only');
      END;
      CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger BEGIN
        SELECT RAISE(ABORT, 'points_ledger is append-only');
      END;
      -- entries.points may only change through the ledger trigger above.
      CREATE TRIGGER entries_points_from_ledger_only BEFORE UPDATE OF points ON entries
      WHEN NEW.points <> OLD.points + (
        SELECT delta FROM points_ledger WHERE entry_id = NEW.id ORDER BY id DESC LIMIT 1)
      BEGIN
        SELECT RAISE(ABORT, 'entries.points changes only through points_ledger');
      END;

      CREATE TABLE visits (
        id INTEGER PRIMARY KEY,
        contest_id TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        url TEXT,
        referrer TEXT,
        visitor_key TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX visits_entry ON visits (entry_id);

      CREATE TRIGGER visits_count AFTER INSERT ON visits BEGIN
        UPDATE contest_stats SET views_count = views_count + 1 WHERE contest_id = NEW.contest_id;
      END;

      CREATE TABLE purchases (
        id TEXT PRIMARY KEY,
        contest_id TEXT NOT NULL REFERENCES contests(id),
        order_id TEXT NOT NULL,
        email TEXT,
        email_normalized TEXT,
        purchaser_entry_id TEXT REFERENCES entries(id),
        credited_entry_id TEXT REFERENCES entries(id),
        amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
        currency TEXT NOT NULL,
        points_awarded INTEGER NOT NULL,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (contest_id, order_id)
      ) STRICT;
      CREATE INDEX purchases_purchaser ON purchases (purchaser_entry_id);

      CREATE TABLE bonus_actions (
        id TEXT PRIMARY KEY,
        contest_id TEXT NOT NULL REFERENCES contests(id),
        action TEXT NOT NULL,
        description TEXT,
        points INTEGER NOT NULL CHECK (points >= 0),
        position INTEGER NOT NULL DEFAULT 0,
        archived INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        UNIQUE (contest_id, action)
      ) STRICT;

      CREATE TABLE bonus_completions (
        entry_id TEXT NOT NULL REFERENCES entries(id),
        bonus_action_id TEXT NOT NULL REFERENCES bonus_actions(id),
        contest_id TEXT NOT NULL,
        points_awarded INTEGER NOT NULL,
        completed_at INTEGER NOT NULL,
        PRIMARY KEY (entry_id, bonus_action_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TRIGGER bonus_completions_count AFTER INSERT ON bonus_completions BEGIN
        UPDATE contest_stats SET bonus_completions_count = bonus_completions_count + 1
        WHERE contest_id = NEW.contest_id;
      END;

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('public', 'private')),
        key_hash TEXT NOT NULL UNIQUE,
        key_prefix TEXT NOT NULL,
        label TEXT,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;

      -- Daily salts for visitor keys: a raw IP is never stored, and yesterday's visitors cannot be
      -- linked to today's once the old salt is deleted.
      CREATE TABLE visitor_salts (
        day TEXT PRIMARY KEY,
        salt TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'drop indexes nothing reads',
    // Nothing looks entries up by referrer (referralsCount is a counter) or visits up by entry
    // (totalViews is a counter): each index only cost a random-page write per signup or visit.
    sql: 'DROP INDEX entries_referred_by; DROP INDEX visits_entry;',
  },
  {
    version: 3,
    name: 'exact guard: points change only by applying a new ledger row',
    // Version 1's guard compared against the entry's latest ledger delta, so an entry without
    // ledger rows, or "points = points + <latest delta>" repeated, slipped through. Each entry now
    // records the last ledger row applied to it; a change of points must apply a newer row of
    // that entry, by exactly its delta — which only the ledger trigger does, once per row.
    sql: /* sql */ `
      ALTER TABLE entries ADD COLUMN ledger_seq INTEGER NOT NULL DEFAULT 0;
      UPDATE entries SET ledger_seq = coalesce(
        (SELECT max(id) FROM points_ledger WHERE entry_id = entries.id), 0);
      DROP TRIGGER entries_points_from_ledger_only;
      DROP TRIGGER points_ledger_apply;
      CREATE TRIGGER points_ledger_apply AFTER INSERT ON points_ledger BEGIN
        UPDATE entries SET points = points + NEW.delta, ledger_seq = NEW.id WHERE id = NEW.entry_id;
        UPDATE contest_stats SET points_total = points_total + NEW.delta
        WHERE contest_id = NEW.contest_id;
      END;
      CREATE TRIGGER entries_points_from_ledger_only BEFORE UPDATE OF points, ledger_seq ON entries
      WHEN NEW.ledger_seq <= OLD.ledger_seq
        OR NEW.points IS NOT OLD.points + (
          SELECT delta FROM points_ledger WHERE id = NEW.ledger_seq AND entry_id = NEW.id)
      BEGIN
        SELECT RAISE(ABORT, 'entries.points changes only through points_ledger');
      END;
    `,
  },
  {
    version: 4,
    name: 'one ledger index serves both the once-only rule and entry lookups',
    // Every ledger row cost two random-page index writes: points_ledger_entry (entry_id) and
    // points_ledger_once (entry_id, reason, source_id) WHERE reason <> 'adjustment'. Without the
    // WHERE, the second one also finds an entry's rows by its entry_id prefix, so the first can
    // go: one page fewer per ledger row (a signup writes two, a purchase one). Nothing else
    // changes: adjustments have no source_id, and NULLs never collide in a UNIQUE index.
    sql: /* sql */ `
      DROP INDEX points_ledger_entry;
      DROP INDEX points_ledger_once;
      CREATE UNIQUE INDEX points_ledger_once ON points_ledger (entry_id, reason, source_id);
    `,
  },
  {
    version: 10,
    name: 'daily counters, public-key contact setting, hub tokens, operators, sessions, audit log',
    // Daily counters kept by triggers, like contest_stats, so /analytics/daily reads one row per
    // day (and currency) instead of scanning millions of visits. `day` is whole days since
    // 1970-01-01 UTC. Rows already stored are counted once here.
    sql: /* sql */ `
      CREATE TABLE contest_daily (
        contest_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        visits INTEGER NOT NULL DEFAULT 0,
        signups INTEGER NOT NULL DEFAULT 0,
        referred_signups INTEGER NOT NULL DEFAULT 0,
        purchases INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (contest_id, day)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE contest_daily_revenue (
        contest_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        currency TEXT NOT NULL,
        amount_minor INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (contest_id, day, currency)
      ) STRICT, WITHOUT ROWID;

      INSERT INTO contest_daily (contest_id, day, visits, signups, referred_signups, purchases)
      SELECT contest_id, day, sum(v), sum(s), sum(r), sum(p) FROM (
        SELECT contest_id, created_at / 86400000 AS day, 1 AS v, 0 AS s, 0 AS r, 0 AS p FROM visits
        UNION ALL SELECT contest_id, created_at / 86400000, 0, 1, referred_by IS NOT NULL, 0 FROM entries
        UNION ALL SELECT contest_id, created_at / 86400000, 0, 0, 0, 1 FROM purchases
      ) GROUP BY contest_id, day;
      INSERT INTO contest_daily_revenue (contest_id, day, currency, amount_minor)
      SELECT contest_id, created_at / 86400000, currency, sum(amount_minor) FROM purchases
      GROUP BY contest_id, created_at / 86400000, currency;

      CREATE TRIGGER contest_daily_visits AFTER INSERT ON visits BEGIN
        INSERT INTO contest_daily (contest_id, day, visits) VALUES (NEW.contest_id, NEW.created_at / 86400000, 1)
        ON CONFLICT (contest_id, day) DO UPDATE SET visits = visits + 1;
      END;
      CREATE TRIGGER contest_daily_entries AFTER INSERT ON entries BEGIN
        INSERT INTO contest_daily (contest_id, day, signups, referred_signups)
        VALUES (NEW.contest_id, NEW.created_at / 86400000, 1, NEW.referred_by IS NOT NULL)
        ON CONFLICT (contest_id, day) DO UPDATE SET
          signups = signups + 1, referred_signups = referred_signups + excluded.referred_signups;
      END;
      CREATE TRIGGER contest_daily_purchases AFTER INSERT ON purchases BEGIN
        INSERT INTO contest_daily (contest_id, day, purchases) VALUES (NEW.contest_id, NEW.created_at / 86400000, 1)
        ON CONFLICT (contest_id, day) DO UPDATE SET purchases = purchases + 1;
        INSERT INTO contest_daily_revenue (contest_id, day, currency, amount_minor)
        VALUES (NEW.contest_id, NEW.created_at / 86400000, NEW.currency, NEW.amount_minor)
        ON CONFLICT (contest_id, day, currency) DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
      END;

      -- What a public key may see of entrants' contacts: masked emails and no phones, unless the
      -- operator restores the hosted service's behaviour ('full').
      ALTER TABLE contests ADD COLUMN public_key_contacts TEXT NOT NULL DEFAULT 'masked'
        CHECK (public_key_contacts IN ('masked', 'full'));

      -- A participant's private page link (/c/:contestId/me/:token): only the token's SHA-256 is
      -- kept; revoking sets revoked_at.
      CREATE TABLE hub_tokens (
        token_hash TEXT PRIMARY KEY,
        entry_id TEXT NOT NULL REFERENCES entries(id),
        contest_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX hub_tokens_entry ON hub_tokens (entry_id);

      -- Dashboard operators: scrypt password hashes; sessions by the SHA-256 of their cookie.
      CREATE TABLE operators (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE operator_sessions (
        token_hash TEXT PRIMARY KEY,
        operator_id TEXT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);
      -- Who did what, when: append-only; the operator's email is kept, so history outlives them.
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        operator_email TEXT NOT NULL,
        action TEXT NOT NULL,
        contest_id TEXT,
        entry_id TEXT,
        detail TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_contest ON audit_log (contest_id, id) WHERE contest_id IS NOT NULL;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only');
      END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only');
      END;
    `,
  },
  {
    version: 11,
    name: 'contest page settings: referral URL, public pages on/off, leaderboard frame ancestors',
    sql: `
      -- The marketing page carrying the script, where participants' links point (?ref=CODE);
      -- NULL: links point at the contest's own page, /c/:contestId.
      ALTER TABLE contests ADD COLUMN referral_url TEXT;
      -- 0 turns /c/:contestId, its private pages and its leaderboard off (404).
      ALTER TABLE contests ADD COLUMN public_pages INTEGER NOT NULL DEFAULT 1 CHECK (public_pages IN (0, 1));
      -- Origins allowed to frame /c/:contestId/leaderboard, space-separated ('' = none).
      ALTER TABLE contests ADD COLUMN leaderboard_frame_ancestors TEXT NOT NULL DEFAULT '';
    `,
  },
];

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

// Kept in version order (branches added theirs at the end; versions were reserved per change).
export const migrations: Migration[] = ([
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
    version: 5,
    name: 'money that follows the truth: refunds, Stripe, superseded purchases, outbound webhooks',
    // SQLite cannot change a CHECK constraint or drop a table's UNIQUE constraint in place, so
    // points_ledger and purchases are rebuilt (the documented 12-step way). The ledger's reasons
    // are now checked by a trigger, so a later migration can add reasons without a rebuild.
    // purchases: the order id is unique among purchases not superseded (an authenticated purchase
    // supersedes a browser-reported one with the same order id, keeping both rows); webhook and
    // REST rows kept the purchaser's own award in points_awarded/credited_entry_id: it moves to
    // purchaser_points, and credited_entry_id/points_awarded now always mean the advocate's.
    sql: /* sql */ `
      DROP TRIGGER entries_points_from_ledger_only;
      CREATE TABLE points_ledger_v5 (
        id INTEGER PRIMARY KEY,
        entry_id TEXT NOT NULL REFERENCES entries(id),
        contest_id TEXT NOT NULL,
        delta INTEGER NOT NULL CHECK (delta <> 0),
        reason TEXT NOT NULL,
        source_id TEXT,
        note TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO points_ledger_v5 SELECT id, entry_id, contest_id, delta, reason, source_id, note, created_at FROM points_ledger;
      DROP TABLE points_ledger;
      ALTER TABLE points_ledger_v5 RENAME TO points_ledger;
      CREATE UNIQUE INDEX points_ledger_once ON points_ledger (entry_id, reason, source_id);
      CREATE TRIGGER points_ledger_reason BEFORE INSERT ON points_ledger
      WHEN NEW.reason NOT IN ('referral_advocate', 'referral_friend', 'purchase', 'bonus_action',
        'adjustment', 'purchase_refunded', 'purchase_disputed', 'purchase_superseded')
      BEGIN
        SELECT RAISE(ABORT, 'points_ledger: unknown reason');
      END;
      CREATE TRIGGER points_ledger_apply AFTER INSERT ON points_ledger BEGIN
        UPDATE entries SET points = points + NEW.delta, ledger_seq = NEW.id WHERE id = NEW.entry_id;
        UPDATE contest_stats SET points_total = points_total + NEW.delta
        WHERE contest_id = NEW.contest_id;
      END;
      CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger BEGIN
        SELECT RAISE(ABORT, 'points_ledger is append-only');
      END;
      CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger BEGIN
        SELECT RAISE(ABORT, 'points_ledger is append-only');
      END;
      CREATE TRIGGER entries_points_from_ledger_only BEFORE UPDATE OF points, ledger_seq ON entries
      WHEN NEW.ledger_seq <= OLD.ledger_seq
        OR NEW.points IS NOT OLD.points + (
          SELECT delta FROM points_ledger WHERE id = NEW.ledger_seq AND entry_id = NEW.id)
      BEGIN
        SELECT RAISE(ABORT, 'entries.points changes only through points_ledger');
      END;

      CREATE TABLE purchases_v5 (
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
        purchaser_points INTEGER NOT NULL DEFAULT 0,
        refunded_minor INTEGER NOT NULL DEFAULT 0,
        points_reversed INTEGER NOT NULL DEFAULT 0,
        purchaser_points_reversed INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'paid'
          CHECK (status IN ('paid', 'partially_refunded', 'refunded', 'disputed', 'superseded')),
        superseded_by TEXT,
        stripe_payment_intent TEXT,
        stripe_customer TEXT,
        stripe_subscription TEXT
      ) STRICT;
      INSERT INTO purchases_v5 (id, contest_id, order_id, email, email_normalized,
          purchaser_entry_id, credited_entry_id, amount_minor, currency, points_awarded, source,
          created_at, purchaser_points)
        SELECT id, contest_id, order_id, email, email_normalized, purchaser_entry_id,
          CASE WHEN source = 'referral' THEN credited_entry_id END, amount_minor, currency,
          CASE WHEN source = 'referral' THEN points_awarded ELSE 0 END, source, created_at,
          CASE WHEN source = 'referral' THEN 0 ELSE points_awarded END
        FROM purchases;
      DROP TABLE purchases;
      ALTER TABLE purchases_v5 RENAME TO purchases;
      CREATE UNIQUE INDEX purchases_order ON purchases (contest_id, order_id) WHERE superseded_by IS NULL;
      CREATE INDEX purchases_purchaser ON purchases (purchaser_entry_id);
      CREATE INDEX purchases_payment_intent ON purchases (contest_id, stripe_payment_intent)
        WHERE stripe_payment_intent IS NOT NULL;
      CREATE INDEX purchases_customer ON purchases (contest_id, stripe_customer)
        WHERE stripe_customer IS NOT NULL;

      CREATE TABLE purchase_refunds (
        id TEXT PRIMARY KEY,
        contest_id TEXT NOT NULL,
        purchase_id TEXT NOT NULL REFERENCES purchases(id),
        refund_key TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('refund', 'dispute')),
        amount_minor INTEGER NOT NULL,
        points_reversed INTEGER NOT NULL,
        reason TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (contest_id, refund_key)
      ) STRICT;

      CREATE TABLE stripe_events (
        contest_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (contest_id, event_id)
      ) STRICT, WITHOUT ROWID;

      ALTER TABLE contests ADD COLUMN stripe_webhook_secret TEXT;
      ALTER TABLE contests ADD COLUMN recurring_purchases INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE contests ADD COLUMN browser_purchases TEXT NOT NULL DEFAULT 'record';

      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        description TEXT,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        disabled_reason TEXT,
        failing_since INTEGER,
        deleted_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- The outbox: written in the transaction of the change it describes.
      CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        contest_id TEXT,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES webhook_events(id),
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
        status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        last_response_status INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

      CREATE TABLE webhook_attempts (
        id TEXT PRIMARY KEY,
        delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
        attempted_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        response_status INTEGER,
        error TEXT,
        next_attempt_at INTEGER
      ) STRICT;
      CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);
    `,
  },
  {
    version: 9,
    name: 'search index, erasable ledger notes, contest-scoped keys',
    // Entry search (email or name, a literal substring) scanned every entry of a contest on the
    // main thread: 0.5–0.8 s at 1M entries. A trigram full-text index finds the candidates; the
    // repository re-checks them with LIKE, so the answers are exactly those of the scan.
    // External content (the index holds trigrams, not a copy of the text), keyed by the entries
    // table's rowid: nothing in refrocket runs VACUUM (backups copy pages), which could renumber
    // it; after a manual VACUUM run: INSERT INTO entries_search(entries_search) VALUES ('rebuild').
    // detail='none' keeps no positions (a third of the size); the query ANDs the term's trigrams.
    // 'secure-delete' makes an erasure remove the old trigrams from the index itself instead of
    // recording a delete marker beside them, so erased text cannot be pieced back together.
    //
    // An erasure also blanks ledger notes that name the person: the ledger stays append-only for
    // every column but note, and a note may only be blanked (set to NULL), never rewritten.
    //
    // api_keys.contest_id: a public key may be scoped to one contest (NULL: every contest).
    sql: /* sql */ `
      CREATE VIRTUAL TABLE entries_search USING fts5(email, name, content = 'entries',
        content_rowid = 'rowid', tokenize = 'trigram', detail = 'none');
      INSERT INTO entries_search (entries_search, rank) VALUES ('secure-delete', 1);
      INSERT INTO entries_search (entries_search) VALUES ('rebuild');
      CREATE TRIGGER entries_search_insert AFTER INSERT ON entries BEGIN
        INSERT INTO entries_search (rowid, email, name) VALUES (NEW.rowid, NEW.email, NEW.name);
      END;
      CREATE TRIGGER entries_search_update AFTER UPDATE OF email, name ON entries BEGIN
        INSERT INTO entries_search (entries_search, rowid, email, name)
          VALUES ('delete', OLD.rowid, OLD.email, OLD.name);
        INSERT INTO entries_search (rowid, email, name) VALUES (NEW.rowid, NEW.email, NEW.name);
      END;

      DROP TRIGGER points_ledger_no_update;
      CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
      WHEN NEW.id IS NOT OLD.id OR NEW.entry_id IS NOT OLD.entry_id
        OR NEW.contest_id IS NOT OLD.contest_id OR NEW.delta IS NOT OLD.delta
        OR NEW.reason IS NOT OLD.reason OR NEW.source_id IS NOT OLD.source_id
        OR NEW.created_at IS NOT OLD.created_at OR NEW.note IS NOT NULL
      BEGIN
        SELECT RAISE(ABORT, 'points_ledger is append-only');
      END;

      ALTER TABLE api_keys ADD COLUMN contest_id TEXT REFERENCES contests(id);
    `,
  },
  {
    version: 7,
    name: 'fraud checks: settings, signup signals, referral flags holding points',
    // Held points are not ledger rows (a ledger row is applied to points by trigger): they wait on
    // their flag. The schema keeps them out of points: a referral's ledger rows for a friend with
    // a flag can be written only once that flag is approved, for exactly the held amounts, to
    // exactly the flagged entries; a flag is decided once (pending → approved | rejected) and never
    // deleted. referrals_count follows referred_by when an approval sets it.
    sql: /* sql */ `
      ALTER TABLE contests ADD COLUMN fraud_settings TEXT;

      -- What the fraud checks compare a signup against. No raw IP or network: visitor_key and
      -- network_key are salted with the day's visitor salt, like visits.visitor_key. Erasure
      -- deletes an entry's row (identity_key is derived from its email).
      CREATE TABLE entry_signals (
        entry_id TEXT PRIMARY KEY REFERENCES entries(id),
        contest_id TEXT NOT NULL,
        advocate_id TEXT,
        identity_key TEXT,
        visitor_key TEXT,
        network_key TEXT,
        created_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX entry_signals_identity ON entry_signals (contest_id, identity_key)
        WHERE identity_key IS NOT NULL;
      CREATE INDEX entry_signals_advocate ON entry_signals (advocate_id, created_at)
        WHERE advocate_id IS NOT NULL;
      -- too_fast: the last visit through a code from one visitor key.
      CREATE INDEX visits_visitor ON visits (visitor_key, entry_id, created_at)
        WHERE visitor_key IS NOT NULL;

      CREATE TABLE referral_flags (
        id TEXT PRIMARY KEY,
        contest_id TEXT NOT NULL REFERENCES contests(id),
        friend_entry_id TEXT NOT NULL UNIQUE REFERENCES entries(id),
        advocate_entry_id TEXT NOT NULL REFERENCES entries(id),
        reasons TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'blocked')),
        advocate_points INTEGER NOT NULL CHECK (advocate_points >= 0),
        friend_points INTEGER NOT NULL CHECK (friend_points >= 0),
        decision_reason TEXT,
        created_at INTEGER NOT NULL,
        decided_at INTEGER
      ) STRICT;
      CREATE INDEX referral_flags_queue ON referral_flags (contest_id, status, created_at, id);
      CREATE INDEX referral_flags_advocate ON referral_flags (advocate_entry_id);

      CREATE TRIGGER referral_flags_no_delete BEFORE DELETE ON referral_flags BEGIN
        SELECT RAISE(ABORT, 'referral_flags are never deleted');
      END;
      CREATE TRIGGER referral_flags_decided_once BEFORE UPDATE ON referral_flags
      WHEN OLD.status <> 'pending' OR NEW.status NOT IN ('approved', 'rejected')
        OR NEW.id IS NOT OLD.id OR NEW.contest_id IS NOT OLD.contest_id
        OR NEW.friend_entry_id IS NOT OLD.friend_entry_id
        OR NEW.advocate_entry_id IS NOT OLD.advocate_entry_id OR NEW.reasons IS NOT OLD.reasons
        OR NEW.advocate_points IS NOT OLD.advocate_points OR NEW.friend_points IS NOT OLD.friend_points
        OR NEW.created_at IS NOT OLD.created_at
      BEGIN
        SELECT RAISE(ABORT, 'a referral flag is decided once: pending to approved or rejected');
      END;

      CREATE TRIGGER points_ledger_held_referrals BEFORE INSERT ON points_ledger
      WHEN NEW.reason IN ('referral_advocate', 'referral_friend') AND EXISTS (
        SELECT 1 FROM referral_flags f WHERE f.friend_entry_id = NEW.source_id AND (
          f.status <> 'approved'
          OR NEW.entry_id IS NOT (CASE NEW.reason WHEN 'referral_advocate' THEN f.advocate_entry_id ELSE f.friend_entry_id END)
          OR NEW.delta IS NOT (CASE NEW.reason WHEN 'referral_advocate' THEN f.advocate_points ELSE f.friend_points END)))
      BEGIN
        SELECT RAISE(ABORT, 'held referral points are released only by approving their flag');
      END;

      CREATE TRIGGER entries_count_referrer AFTER UPDATE OF referred_by ON entries
      WHEN OLD.referred_by IS NOT NEW.referred_by
      BEGIN
        UPDATE entries SET referrals_count = referrals_count - 1 WHERE id = OLD.referred_by;
        UPDATE entries SET referrals_count = referrals_count + 1 WHERE id = NEW.referred_by;
      END;
    `,
  },
  {
    version: 6,
    name: 'attributions: how each referred signup and credited purchase found its advocate',
    // One row per referred signup (subject = the friend's entry) and per purchase credited through
    // the advocate rule (subject = the purchase): how the code arrived, which rule chose the
    // advocate, and the request's visitor key, so GET …/attribution can find the visits through
    // that code from the same visitor. A table of its own rather than columns on entries and
    // purchases: only referred rows have one. visits_visitor (visitor_key, entry_id, created_at),
    // created by migration 7 for the fraud checks, serves that look-up.
    sql: /* sql */ `
      CREATE TABLE attributions (
        subject_id TEXT PRIMARY KEY,
        contest_id TEXT NOT NULL REFERENCES contests(id),
        advocate_id TEXT REFERENCES entries(id),
        code_source TEXT CHECK (code_source IN ('body', 'server_cookie', 'script', 'typed', 'webhook', 'api')),
        credit_rule TEXT CHECK (credit_rule IN ('code', 'cookie', 'referrer')),
        visitor_key TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 8,
    name: 'idempotency keys: the first answer to a write, replayed for 24 h',
    // Written and read only by the Idempotency-Key plugin (plugins/idempotency.ts). key_hash
    // hides the client's key and credential; response is encrypted with a key derived from
    // them, so the stored answers (which may hold emails or a webhook secret) are unreadable here.
    // status_code is NULL while the first request is still running.
    sql: /* sql */ `
      CREATE TABLE idempotency_keys (
        key_hash TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        status_code INTEGER,
        response TEXT
      ) STRICT;
      CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
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
  {
    version: 12,
    name: 'daily counters follow referrals set after the insert and superseded purchases',
    // Migration 10's counters were written against a signup that inserted its entry with its
    // referrer; since issues 17 and 18 the referrer is set by an UPDATE (after the fraud checks,
    // or when a held referral is approved), and an authenticated purchase supersedes a
    // browser-reported one with the same orderId, which must then count once. Purchases and
    // revenue count purchases not superseded (revenue: amounts recorded, refunds not taken off).
    sql: /* sql */ `
      CREATE TRIGGER contest_daily_referred AFTER UPDATE OF referred_by ON entries
      WHEN OLD.referred_by IS NULL AND NEW.referred_by IS NOT NULL BEGIN
        UPDATE contest_daily SET referred_signups = referred_signups + 1
        WHERE contest_id = NEW.contest_id AND day = NEW.created_at / 86400000;
      END;
      CREATE TRIGGER contest_daily_superseded AFTER UPDATE OF status ON purchases
      WHEN NEW.status = 'superseded' AND OLD.status <> 'superseded' BEGIN
        UPDATE contest_daily SET purchases = purchases - 1
        WHERE contest_id = OLD.contest_id AND day = OLD.created_at / 86400000;
        UPDATE contest_daily_revenue SET amount_minor = amount_minor - OLD.amount_minor
        WHERE contest_id = OLD.contest_id AND day = OLD.created_at / 86400000 AND currency = OLD.currency;
      END;
      UPDATE contest_daily SET purchases = purchases - (SELECT count(*) FROM purchases p
        WHERE p.contest_id = contest_daily.contest_id AND p.created_at / 86400000 = contest_daily.day
          AND p.status = 'superseded');
      UPDATE contest_daily_revenue SET amount_minor = amount_minor - (SELECT coalesce(sum(p.amount_minor), 0)
        FROM purchases p WHERE p.contest_id = contest_daily_revenue.contest_id
          AND p.created_at / 86400000 = contest_daily_revenue.day
          AND p.currency = contest_daily_revenue.currency AND p.status = 'superseded');
    `,
  },
] satisfies Migration[]).sort((a, b) => a.version - b.version);

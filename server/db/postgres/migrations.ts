/**
 * Versioned PostgreSQL schema migrations (PostgreSQL 14 or newer). Each runs once, in order, in
 * its own transaction (see migrate.ts). Never edit a shipped migration: add a new one.
 *
 * The schema is the SQLite one after its migrations 1–4, table for table and column for column,
 * so a row read from either engine has the same column names and the same JS values (rows are
 * compared across engines in tests, and `refrocket migrate-store` copies them column for column):
 *  - flags are `integer` 0/1 (CHECK), times `bigint` epoch milliseconds, counters and points
 *    `bigint`, purchase_points_per_unit `double precision`; the pool parses int8 and numeric to JS
 *    numbers (see pool.ts);
 *  - every text column is COLLATE "C": byte order, like SQLite's BINARY collation, so ORDER BY id
 *    and keyset pages give the same order on both engines, and ILIKE folds ASCII letters only,
 *    like SQLite's LIKE;
 *  - the same invariants are held by triggers, so every write path (API, CLI, psql) keeps them.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const tables = /* sql */ `
  CREATE TABLE contests (
    id text COLLATE "C" PRIMARY KEY,
    title text COLLATE "C" NOT NULL,
    slug text COLLATE "C" NOT NULL UNIQUE,
    description text COLLATE "C",
    status text COLLATE "C" NOT NULL CHECK (status IN ('draft', 'active', 'ended', 'paused')),
    mode text COLLATE "C" NOT NULL CHECK (mode IN ('giveaway', 'leaderboard', 'waitlist')),
    start_date bigint,
    end_date bigint,
    is_evergreen integer NOT NULL DEFAULT 1 CHECK (is_evergreen IN (0, 1)),
    advocate_points bigint NOT NULL DEFAULT 10,
    friend_points bigint NOT NULL DEFAULT 5,
    purchase_points_per_unit double precision NOT NULL DEFAULT 1,
    require_email_confirmation integer NOT NULL DEFAULT 0 CHECK (require_email_confirmation IN (0, 1)),
    cookie_days bigint NOT NULL DEFAULT 30,
    webhook_secret_hash text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );

  -- A contest's counters, spread over a few rows (see "Counters" below); a figure is the sum of
  -- its contest's rows.
  CREATE TABLE contest_stats (
    contest_id text COLLATE "C" NOT NULL REFERENCES contests(id),
    shard smallint NOT NULL,
    entries_count bigint NOT NULL DEFAULT 0,
    confirmed_count bigint NOT NULL DEFAULT 0,
    disqualified_count bigint NOT NULL DEFAULT 0,
    views_count bigint NOT NULL DEFAULT 0,
    bonus_completions_count bigint NOT NULL DEFAULT 0,
    points_total bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (contest_id, shard)
  );

  -- Column order as SQLite's (ledger_seq last: SQLite added it with ALTER TABLE).
  CREATE TABLE entries (
    id text COLLATE "C" PRIMARY KEY,
    contest_id text COLLATE "C" NOT NULL REFERENCES contests(id),
    email text COLLATE "C",
    email_normalized text COLLATE "C",
    name text COLLATE "C",
    phone text COLLATE "C",
    referral_code text COLLATE "C" NOT NULL,
    referred_by text COLLATE "C" REFERENCES entries(id),
    points bigint NOT NULL DEFAULT 0,
    referrals_count bigint NOT NULL DEFAULT 0,
    email_confirmed integer NOT NULL DEFAULT 0 CHECK (email_confirmed IN (0, 1)),
    disqualified integer NOT NULL DEFAULT 0 CHECK (disqualified IN (0, 1)),
    disqualified_reason text COLLATE "C",
    erased_at bigint,
    created_at bigint NOT NULL,
    ledger_seq bigint NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX entries_contest_email ON entries (contest_id, email_normalized)
    WHERE email_normalized IS NOT NULL;
  CREATE UNIQUE INDEX entries_contest_phone ON entries (contest_id, phone) WHERE phone IS NOT NULL;
  CREATE UNIQUE INDEX entries_contest_code ON entries (contest_id, referral_code);
  -- Serves the leaderboard (points desc, then joinedAt, then id) with an index walk.
  CREATE INDEX entries_ranking ON entries (contest_id, points DESC, created_at, id);
  CREATE INDEX entries_contest_created ON entries (contest_id, created_at, id);

  CREATE TABLE points_ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id text COLLATE "C" NOT NULL REFERENCES entries(id),
    contest_id text COLLATE "C" NOT NULL,
    delta bigint NOT NULL CHECK (delta <> 0),
    reason text COLLATE "C" NOT NULL CHECK (reason IN
      ('referral_advocate', 'referral_friend', 'purchase', 'bonus_action', 'adjustment')),
    source_id text COLLATE "C",
    note text COLLATE "C",
    created_at bigint NOT NULL
  );
  -- An automatic award names its cause (friend entry, purchase, bonus action) and can exist once
  -- per entry; the entry_id prefix also finds an entry's rows. NULLs are distinct (the default,
  -- as in SQLite), so adjustments, which have no source_id, never collide.
  CREATE UNIQUE INDEX points_ledger_once ON points_ledger (entry_id, reason, source_id);

  CREATE TABLE visits (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contest_id text COLLATE "C" NOT NULL,
    entry_id text COLLATE "C" NOT NULL,
    url text COLLATE "C",
    referrer text COLLATE "C",
    visitor_key text COLLATE "C",
    created_at bigint NOT NULL
  );

  CREATE TABLE purchases (
    id text COLLATE "C" PRIMARY KEY,
    contest_id text COLLATE "C" NOT NULL REFERENCES contests(id),
    order_id text COLLATE "C" NOT NULL,
    email text COLLATE "C",
    email_normalized text COLLATE "C",
    purchaser_entry_id text COLLATE "C" REFERENCES entries(id),
    credited_entry_id text COLLATE "C" REFERENCES entries(id),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency text COLLATE "C" NOT NULL,
    points_awarded bigint NOT NULL,
    source text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    UNIQUE (contest_id, order_id)
  );
  CREATE INDEX purchases_purchaser ON purchases (purchaser_entry_id);

  CREATE TABLE bonus_actions (
    id text COLLATE "C" PRIMARY KEY,
    contest_id text COLLATE "C" NOT NULL REFERENCES contests(id),
    action text COLLATE "C" NOT NULL,
    description text COLLATE "C",
    points bigint NOT NULL CHECK (points >= 0),
    position bigint NOT NULL DEFAULT 0,
    archived integer NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at bigint NOT NULL,
    UNIQUE (contest_id, action)
  );

  CREATE TABLE bonus_completions (
    entry_id text COLLATE "C" NOT NULL REFERENCES entries(id),
    bonus_action_id text COLLATE "C" NOT NULL REFERENCES bonus_actions(id),
    contest_id text COLLATE "C" NOT NULL,
    points_awarded bigint NOT NULL,
    completed_at bigint NOT NULL,
    PRIMARY KEY (entry_id, bonus_action_id)
  );

  CREATE TABLE api_keys (
    id text COLLATE "C" PRIMARY KEY,
    type text COLLATE "C" NOT NULL CHECK (type IN ('public', 'private')),
    key_hash text COLLATE "C" NOT NULL UNIQUE,
    key_prefix text COLLATE "C" NOT NULL,
    label text COLLATE "C",
    created_at bigint NOT NULL,
    revoked_at bigint
  );

  -- Daily salts for visitor keys: a raw IP is never stored, and yesterday's visitors cannot be
  -- linked to today's once the old salt is deleted.
  CREATE TABLE visitor_salts (
    day text COLLATE "C" PRIMARY KEY,
    salt text COLLATE "C" NOT NULL
  );
`;

/*
 * Counters. Nearly every write changes its contest's counters, and a row updated in a transaction
 * stays locked until COMMIT, fsync included. With one row per contest, every concurrent write
 * batch — of this collector or another — would wait for the one before it to reach the disk: the
 * database could never group their commits. So each contest's counters are spread over up to
 * STATS_SHARDS rows, and a transaction adds to the row of its own connection (backend pid), which
 * no other open transaction holds. Reads sum a contest's rows. An entry's own row is still locked
 * by whoever changes it; the rare deadlock that leaves (two batches crediting two advocates in
 * opposite order) is retried by Store.runBatch.
 */
const STATS_SHARDS = 16;

const triggers = /* sql */ `
  CREATE FUNCTION add_to_contest_stats(
    contest text, entries bigint, confirmed bigint, disqualified bigint, views bigint,
    completions bigint, points bigint
  ) RETURNS void LANGUAGE plpgsql AS $$ BEGIN
    -- PL/pgSQL keeps this statement's plan for the session; a SQL function plans it on every call.
    INSERT INTO contest_stats AS s (contest_id, shard, entries_count, confirmed_count,
      disqualified_count, views_count, bonus_completions_count, points_total)
    VALUES (contest, pg_backend_pid() % ${STATS_SHARDS}, entries, confirmed, disqualified, views,
      completions, points)
    ON CONFLICT (contest_id, shard) DO UPDATE SET
      entries_count = s.entries_count + EXCLUDED.entries_count,
      confirmed_count = s.confirmed_count + EXCLUDED.confirmed_count,
      disqualified_count = s.disqualified_count + EXCLUDED.disqualified_count,
      views_count = s.views_count + EXCLUDED.views_count,
      bonus_completions_count = s.bonus_completions_count + EXCLUDED.bonus_completions_count,
      points_total = s.points_total + EXCLUDED.points_total;
  END $$;

  -- Every contest has at least one counters row, so a contest without activity reads zeros.
  CREATE FUNCTION contests_create_stats() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO contest_stats (contest_id, shard) VALUES (NEW.id, 0);
    RETURN NULL;
  END $$;
  CREATE TRIGGER contests_create_stats AFTER INSERT ON contests
    FOR EACH ROW EXECUTE FUNCTION contests_create_stats();

  /*
   * Counting triggers run once per statement over its new rows (a transition table), not once per
   * row: a copy (migrate-store) inserts thousands of rows per statement, and updating one counters
   * row thousands of times in one transaction grows its chain of row versions with every update.
   */
  CREATE FUNCTION entries_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM add_to_contest_stats(contest_id, count(*), sum(email_confirmed), sum(disqualified), 0, 0, 0)
    FROM new_entries GROUP BY contest_id;
    UPDATE entries e SET referrals_count = e.referrals_count + n.friends
    FROM (SELECT referred_by, count(*) AS friends FROM new_entries
          WHERE referred_by IS NOT NULL GROUP BY referred_by) n
    WHERE e.id = n.referred_by;
    RETURN NULL;
  END $$;
  CREATE TRIGGER entries_count_insert AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION entries_count_insert();

  CREATE FUNCTION entries_count_flags() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM add_to_contest_stats(NEW.contest_id, 0, NEW.email_confirmed - OLD.email_confirmed,
      NEW.disqualified - OLD.disqualified, 0, 0, 0);
    RETURN NULL;
  END $$;
  CREATE TRIGGER entries_count_flags AFTER UPDATE OF email_confirmed, disqualified ON entries
    FOR EACH ROW
    WHEN (NEW.email_confirmed <> OLD.email_confirmed OR NEW.disqualified <> OLD.disqualified)
    EXECUTE FUNCTION entries_count_flags();

  CREATE FUNCTION entries_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'entries are never deleted; erase personal data instead';
  END $$;
  CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION entries_no_delete();

  CREATE FUNCTION points_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'points_ledger is append-only';
  END $$;
  CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
    FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only();
  CREATE TRIGGER points_ledger_no_delete BEFORE DELETE ON points_ledger
    FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only();
  CREATE TRIGGER points_ledger_no_truncate BEFORE TRUNCATE ON points_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION points_ledger_append_only();

  /*
   * entries.points changes only by applying a ledger row. SQLite checks that each change applies
   * a newer ledger row (ledger_seq must grow), which holds there because writers are serial. Here
   * identity values are handed out at INSERT but become visible in commit order, so two
   * concurrent awards to one entry can apply ids 8 then 7: that guard would refuse a correct
   * write. Instead the ledger trigger marks, in a transaction-local setting, that it is applying
   * a row, and the guard refuses any change of points (or ledger_seq) made without that mark.
   * The setting is a guard against mistakes (a hand-written UPDATE, a bug), not against someone
   * who sets it on purpose — the same strength as SQLite's trigger.
   */
  CREATE FUNCTION points_ledger_apply() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM add_to_contest_stats(contest_id, 0, 0, 0, 0, 0, sum(delta)::bigint)
    FROM new_rows GROUP BY contest_id;
    PERFORM set_config('refrocket.applying_ledger', 'on', true);
    UPDATE entries e SET points = e.points + n.delta, ledger_seq = greatest(e.ledger_seq, n.last_id)
    FROM (SELECT entry_id, sum(delta)::bigint AS delta, max(id) AS last_id FROM new_rows GROUP BY entry_id) n
    WHERE e.id = n.entry_id;
    PERFORM set_config('refrocket.applying_ledger', 'off', true);
    RETURN NULL;
  END $$;
  CREATE TRIGGER points_ledger_apply AFTER INSERT ON points_ledger
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION points_ledger_apply();

  CREATE FUNCTION entries_points_from_ledger_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF coalesce(current_setting('refrocket.applying_ledger', true), 'off') <> 'on' THEN
      RAISE EXCEPTION 'entries.points changes only through points_ledger';
    END IF;
    RETURN NEW;
  END $$;
  -- No "UPDATE OF points": a column-specific trigger misses a change made by another BEFORE
  -- trigger; the WHEN clause does the filtering.
  CREATE TRIGGER entries_points_from_ledger_only BEFORE UPDATE ON entries
    FOR EACH ROW
    WHEN (NEW.points IS DISTINCT FROM OLD.points OR NEW.ledger_seq IS DISTINCT FROM OLD.ledger_seq)
    EXECUTE FUNCTION entries_points_from_ledger_only();

  CREATE FUNCTION visits_count() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM add_to_contest_stats(contest_id, 0, 0, 0, count(*), 0, 0) FROM new_visits GROUP BY contest_id;
    RETURN NULL;
  END $$;
  CREATE TRIGGER visits_count AFTER INSERT ON visits
    REFERENCING NEW TABLE AS new_visits
    FOR EACH STATEMENT EXECUTE FUNCTION visits_count();

  CREATE FUNCTION bonus_completions_count() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM add_to_contest_stats(contest_id, 0, 0, 0, 0, count(*), 0) FROM new_completions GROUP BY contest_id;
    RETURN NULL;
  END $$;
  CREATE TRIGGER bonus_completions_count AFTER INSERT ON bonus_completions
    REFERENCING NEW TABLE AS new_completions
    FOR EACH STATEMENT EXECUTE FUNCTION bonus_completions_count();
`;

/*
 * Daily counters for /analytics/daily, as SQLite's migration 10: kept by triggers, spread over
 * shards by backend pid like contest_stats (see "Counters"), summed when read. `day` is whole days
 * since 1970-01-01 UTC. Rows already stored are counted once here.
 */
const pagesAndDailyCounters = /* sql */ `
  CREATE TABLE contest_daily (
    contest_id text COLLATE "C" NOT NULL,
    day integer NOT NULL,
    shard smallint NOT NULL,
    visits bigint NOT NULL DEFAULT 0,
    signups bigint NOT NULL DEFAULT 0,
    referred_signups bigint NOT NULL DEFAULT 0,
    purchases bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (contest_id, day, shard)
  );
  CREATE TABLE contest_daily_revenue (
    contest_id text COLLATE "C" NOT NULL,
    day integer NOT NULL,
    currency text COLLATE "C" NOT NULL,
    shard smallint NOT NULL,
    amount_minor bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (contest_id, day, currency, shard)
  );

  INSERT INTO contest_daily (contest_id, day, shard, visits, signups, referred_signups, purchases)
  SELECT contest_id, day, 0, sum(v), sum(s), sum(r), sum(p) FROM (
    SELECT contest_id, (created_at / 86400000)::integer AS day, 1 AS v, 0 AS s, 0 AS r, 0 AS p FROM visits
    UNION ALL SELECT contest_id, (created_at / 86400000)::integer, 0, 1, (referred_by IS NOT NULL)::integer, 0 FROM entries
    UNION ALL SELECT contest_id, (created_at / 86400000)::integer, 0, 0, 0, 1 FROM purchases
  ) rows GROUP BY contest_id, day;
  INSERT INTO contest_daily_revenue (contest_id, day, currency, shard, amount_minor)
  SELECT contest_id, (created_at / 86400000)::integer, currency, 0, sum(amount_minor) FROM purchases
  GROUP BY 1, 2, 3;

  CREATE FUNCTION add_to_contest_daily(
    contest text, on_day integer, visits_n bigint, signups_n bigint, referred_n bigint, purchases_n bigint
  ) RETURNS void LANGUAGE plpgsql AS $$ BEGIN
    INSERT INTO contest_daily AS d (contest_id, day, shard, visits, signups, referred_signups, purchases)
    VALUES (contest, on_day, pg_backend_pid() % ${STATS_SHARDS}, visits_n, signups_n, referred_n, purchases_n)
    ON CONFLICT (contest_id, day, shard) DO UPDATE SET
      visits = d.visits + EXCLUDED.visits,
      signups = d.signups + EXCLUDED.signups,
      referred_signups = d.referred_signups + EXCLUDED.referred_signups,
      purchases = d.purchases + EXCLUDED.purchases;
  END $$;

  CREATE FUNCTION contest_daily_visits() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM add_to_contest_daily(contest_id, (created_at / 86400000)::integer, count(*), 0, 0, 0)
    FROM new_visits GROUP BY contest_id, (created_at / 86400000)::integer;
    RETURN NULL;
  END $$;
  CREATE TRIGGER contest_daily_visits AFTER INSERT ON visits
    REFERENCING NEW TABLE AS new_visits
    FOR EACH STATEMENT EXECUTE FUNCTION contest_daily_visits();

  CREATE FUNCTION contest_daily_entries() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM add_to_contest_daily(contest_id, (created_at / 86400000)::integer, 0, count(*),
      count(referred_by), 0)
    FROM new_entries GROUP BY contest_id, (created_at / 86400000)::integer;
    RETURN NULL;
  END $$;
  CREATE TRIGGER contest_daily_entries AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION contest_daily_entries();

  CREATE FUNCTION contest_daily_purchases() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM add_to_contest_daily(contest_id, (created_at / 86400000)::integer, 0, 0, 0, count(*))
    FROM new_purchases GROUP BY contest_id, (created_at / 86400000)::integer;
    INSERT INTO contest_daily_revenue AS r (contest_id, day, currency, shard, amount_minor)
    SELECT contest_id, (created_at / 86400000)::integer, currency, pg_backend_pid() % ${STATS_SHARDS}, sum(amount_minor)
    FROM new_purchases GROUP BY 1, 2, 3
    ON CONFLICT (contest_id, day, currency, shard) DO UPDATE SET amount_minor = r.amount_minor + EXCLUDED.amount_minor;
    RETURN NULL;
  END $$;
  CREATE TRIGGER contest_daily_purchases AFTER INSERT ON purchases
    REFERENCING NEW TABLE AS new_purchases
    FOR EACH STATEMENT EXECUTE FUNCTION contest_daily_purchases();

  -- What a public key may see of entrants' contacts (see SQLite's migration 10).
  ALTER TABLE contests ADD COLUMN public_key_contacts text COLLATE "C" NOT NULL DEFAULT 'masked'
    CHECK (public_key_contacts IN ('masked', 'full'));

  -- A participant's private page link: only the token's SHA-256 is kept.
  CREATE TABLE hub_tokens (
    token_hash text COLLATE "C" PRIMARY KEY,
    entry_id text COLLATE "C" NOT NULL REFERENCES entries(id),
    contest_id text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint
  );
  CREATE INDEX hub_tokens_entry ON hub_tokens (entry_id);

  -- Dashboard operators, their sessions and the audit log (see SQLite's migration 10).
  CREATE TABLE operators (
    id text COLLATE "C" PRIMARY KEY,
    email text COLLATE "C" NOT NULL UNIQUE,
    password_hash text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE TABLE operator_sessions (
    token_hash text COLLATE "C" PRIMARY KEY,
    operator_id text COLLATE "C" NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    created_at bigint NOT NULL,
    last_seen_at bigint NOT NULL
  );
  CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);
  CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_email text COLLATE "C" NOT NULL,
    action text COLLATE "C" NOT NULL,
    contest_id text COLLATE "C",
    entry_id text COLLATE "C",
    detail text COLLATE "C",
    created_at bigint NOT NULL
  );
  CREATE INDEX audit_log_contest ON audit_log (contest_id, id) WHERE contest_id IS NOT NULL;
  CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
  END $$;
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
`;

/** Version 9: the participant pages' contest settings (see SQLite's migration 11). */
const contestPageSettings = `
  ALTER TABLE contests ADD COLUMN referral_url text COLLATE "C";
  ALTER TABLE contests ADD COLUMN public_pages integer NOT NULL DEFAULT 1 CHECK (public_pages IN (0, 1));
  ALTER TABLE contests ADD COLUMN leaderboard_frame_ancestors text COLLATE "C" NOT NULL DEFAULT '';
`;

export const migrations: Migration[] = [
  { version: 1, name: 'tables and indexes (as SQLite after its migration 4)', sql: tables },
  { version: 2, name: 'triggers holding the counters and the points ledger', sql: triggers },
  { version: 8, name: 'daily counters, public-key contact setting, hub tokens, operators, sessions, audit log', sql: pagesAndDailyCounters },
  { version: 9, name: 'contest page settings: referral URL, public pages on/off, leaderboard frame ancestors', sql: contestPageSettings },
];

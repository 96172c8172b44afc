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

/**
 * Version 3 (SQLite's 5): refunds and disputes reverse points, Stripe events are processed once,
 * an authenticated purchase supersedes a browser-reported one with the same order id (both rows
 * kept; the order id is unique among those not superseded), and the outbound-webhook outbox.
 * Webhook and REST purchases kept the purchaser's own award in points_awarded/credited_entry_id:
 * it moves to purchaser_points; credited_entry_id/points_awarded now always mean the advocate's.
 */
const refundsStripeOutbox = /* sql */ `
  ALTER TABLE points_ledger DROP CONSTRAINT points_ledger_reason_check;
  ALTER TABLE points_ledger ADD CONSTRAINT points_ledger_reason_check CHECK (reason IN
    ('referral_advocate', 'referral_friend', 'purchase', 'bonus_action', 'adjustment',
     'purchase_refunded', 'purchase_disputed', 'purchase_superseded'));

  ALTER TABLE purchases ADD COLUMN purchaser_points bigint NOT NULL DEFAULT 0;
  ALTER TABLE purchases ADD COLUMN refunded_minor bigint NOT NULL DEFAULT 0;
  ALTER TABLE purchases ADD COLUMN points_reversed bigint NOT NULL DEFAULT 0;
  ALTER TABLE purchases ADD COLUMN purchaser_points_reversed bigint NOT NULL DEFAULT 0;
  ALTER TABLE purchases ADD COLUMN status text COLLATE "C" NOT NULL DEFAULT 'paid'
    CHECK (status IN ('paid', 'partially_refunded', 'refunded', 'disputed', 'superseded'));
  ALTER TABLE purchases ADD COLUMN superseded_by text COLLATE "C";
  ALTER TABLE purchases ADD COLUMN stripe_payment_intent text COLLATE "C";
  ALTER TABLE purchases ADD COLUMN stripe_customer text COLLATE "C";
  ALTER TABLE purchases ADD COLUMN stripe_subscription text COLLATE "C";
  UPDATE purchases SET purchaser_points = points_awarded, points_awarded = 0, credited_entry_id = NULL
    WHERE source <> 'referral';
  ALTER TABLE purchases DROP CONSTRAINT purchases_contest_id_order_id_key;
  CREATE UNIQUE INDEX purchases_order ON purchases (contest_id, order_id) WHERE superseded_by IS NULL;
  CREATE INDEX purchases_payment_intent ON purchases (contest_id, stripe_payment_intent)
    WHERE stripe_payment_intent IS NOT NULL;
  CREATE INDEX purchases_customer ON purchases (contest_id, stripe_customer)
    WHERE stripe_customer IS NOT NULL;

  CREATE TABLE purchase_refunds (
    id text COLLATE "C" PRIMARY KEY,
    contest_id text COLLATE "C" NOT NULL,
    purchase_id text COLLATE "C" NOT NULL REFERENCES purchases(id),
    refund_key text COLLATE "C",
    kind text COLLATE "C" NOT NULL CHECK (kind IN ('refund', 'dispute')),
    amount_minor bigint NOT NULL,
    points_reversed bigint NOT NULL,
    reason text COLLATE "C",
    created_at bigint NOT NULL,
    UNIQUE (contest_id, refund_key)
  );

  CREATE TABLE stripe_events (
    contest_id text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    type text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (contest_id, event_id)
  );

  ALTER TABLE contests ADD COLUMN stripe_webhook_secret text COLLATE "C";
  ALTER TABLE contests ADD COLUMN recurring_purchases integer NOT NULL DEFAULT 0
    CHECK (recurring_purchases IN (0, 1));
  ALTER TABLE contests ADD COLUMN browser_purchases text COLLATE "C" NOT NULL DEFAULT 'record';

  CREATE TABLE webhook_endpoints (
    id text COLLATE "C" PRIMARY KEY,
    url text COLLATE "C" NOT NULL,
    description text COLLATE "C",
    events text COLLATE "C" NOT NULL,
    secret text COLLATE "C" NOT NULL,
    disabled integer NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    disabled_reason text COLLATE "C",
    failing_since bigint,
    deleted_at bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );

  -- The outbox: written in the transaction of the change it describes.
  CREATE TABLE webhook_events (
    id text COLLATE "C" PRIMARY KEY,
    type text COLLATE "C" NOT NULL,
    contest_id text COLLATE "C",
    payload text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL
  );

  CREATE TABLE webhook_deliveries (
    id text COLLATE "C" PRIMARY KEY,
    event_id text COLLATE "C" NOT NULL REFERENCES webhook_events(id),
    endpoint_id text COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id),
    status text COLLATE "C" NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
    attempts bigint NOT NULL DEFAULT 0,
    next_attempt_at bigint,
    last_response_status bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

  CREATE TABLE webhook_attempts (
    id text COLLATE "C" PRIMARY KEY,
    delivery_id text COLLATE "C" NOT NULL REFERENCES webhook_deliveries(id),
    attempted_at bigint NOT NULL,
    duration_ms bigint NOT NULL,
    response_status bigint,
    error text COLLATE "C",
    next_attempt_at bigint
  );
  CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);
`;

/**
 * Fraud checks (SQLite's migration 7, the same tables and rules). Held points are not ledger rows:
 * they wait on their flag, and the schema keeps them out of points: a referral's ledger rows for a
 * friend with a flag can be written only once that flag is approved, for exactly the held
 * amounts, to exactly the flagged entries; a flag is decided once and never deleted. Approvals of
 * one flag at the same moment serialise on its row (the UPDATE … WHERE status = 'pending' of the
 * second finds it decided), so its points are released once.
 */
const fraudChecks = /* sql */ `
  ALTER TABLE contests ADD COLUMN fraud_settings text COLLATE "C";

  CREATE TABLE entry_signals (
    entry_id text COLLATE "C" PRIMARY KEY REFERENCES entries(id),
    contest_id text COLLATE "C" NOT NULL,
    advocate_id text COLLATE "C",
    identity_key text COLLATE "C",
    visitor_key text COLLATE "C",
    network_key text COLLATE "C",
    created_at bigint NOT NULL
  );
  CREATE INDEX entry_signals_identity ON entry_signals (contest_id, identity_key)
    WHERE identity_key IS NOT NULL;
  CREATE INDEX entry_signals_advocate ON entry_signals (advocate_id, created_at)
    WHERE advocate_id IS NOT NULL;
  CREATE INDEX visits_visitor ON visits (visitor_key, entry_id, created_at)
    WHERE visitor_key IS NOT NULL;

  CREATE TABLE referral_flags (
    id text COLLATE "C" PRIMARY KEY,
    contest_id text COLLATE "C" NOT NULL REFERENCES contests(id),
    friend_entry_id text COLLATE "C" NOT NULL UNIQUE REFERENCES entries(id),
    advocate_entry_id text COLLATE "C" NOT NULL REFERENCES entries(id),
    reasons text COLLATE "C" NOT NULL,
    status text COLLATE "C" NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'blocked')),
    advocate_points bigint NOT NULL CHECK (advocate_points >= 0),
    friend_points bigint NOT NULL CHECK (friend_points >= 0),
    decision_reason text COLLATE "C",
    created_at bigint NOT NULL,
    decided_at bigint
  );
  CREATE INDEX referral_flags_queue ON referral_flags (contest_id, status, created_at, id);
  CREATE INDEX referral_flags_advocate ON referral_flags (advocate_entry_id);

  CREATE FUNCTION referral_flags_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'referral_flags are never deleted';
  END $$;
  CREATE TRIGGER referral_flags_no_delete BEFORE DELETE ON referral_flags
    FOR EACH ROW EXECUTE FUNCTION referral_flags_no_delete();
  CREATE TRIGGER referral_flags_no_truncate BEFORE TRUNCATE ON referral_flags
    FOR EACH STATEMENT EXECUTE FUNCTION referral_flags_no_delete();

  CREATE FUNCTION referral_flags_decided_once() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF OLD.status <> 'pending' OR NEW.status NOT IN ('approved', 'rejected')
      OR (NEW.id, NEW.contest_id, NEW.friend_entry_id, NEW.advocate_entry_id, NEW.reasons,
          NEW.advocate_points, NEW.friend_points, NEW.created_at)
        IS DISTINCT FROM (OLD.id, OLD.contest_id, OLD.friend_entry_id, OLD.advocate_entry_id,
          OLD.reasons, OLD.advocate_points, OLD.friend_points, OLD.created_at) THEN
      RAISE EXCEPTION 'a referral flag is decided once: pending to approved or rejected';
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER referral_flags_decided_once BEFORE UPDATE ON referral_flags
    FOR EACH ROW EXECUTE FUNCTION referral_flags_decided_once();

  CREATE FUNCTION points_ledger_held_referrals() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM referral_flags f WHERE f.friend_entry_id = NEW.source_id AND (
        f.status <> 'approved'
        OR NEW.entry_id IS DISTINCT FROM (CASE NEW.reason WHEN 'referral_advocate' THEN f.advocate_entry_id ELSE f.friend_entry_id END)
        OR NEW.delta IS DISTINCT FROM (CASE NEW.reason WHEN 'referral_advocate' THEN f.advocate_points ELSE f.friend_points END))) THEN
      RAISE EXCEPTION 'held referral points are released only by approving their flag';
    END IF;
    RETURN NEW;
  END $$;
  -- Row-level, but only for referral rows (purchases and bonus actions skip the call).
  CREATE TRIGGER points_ledger_held_referrals BEFORE INSERT ON points_ledger
    FOR EACH ROW WHEN (NEW.reason IN ('referral_advocate', 'referral_friend'))
    EXECUTE FUNCTION points_ledger_held_referrals();

  CREATE FUNCTION entries_count_referrer() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE entries SET referrals_count = referrals_count - 1 WHERE id = OLD.referred_by;
    UPDATE entries SET referrals_count = referrals_count + 1 WHERE id = NEW.referred_by;
    RETURN NULL;
  END $$;
  CREATE TRIGGER entries_count_referrer AFTER UPDATE OF referred_by ON entries
    FOR EACH ROW WHEN (OLD.referred_by IS DISTINCT FROM NEW.referred_by)
    EXECUTE FUNCTION entries_count_referrer();
`;

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

/**
 * Version 10 (as SQLite's migration 12): the daily counters follow a referrer set after the
 * insert (row triggers: transition tables cannot go with a column list) and a superseded
 * purchase, which must count once; rows already superseded are taken off migration 8's counts.
 */
const dailyCountersFollowUpdates = /* sql */ `
  CREATE FUNCTION contest_daily_referred() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM add_to_contest_daily(NEW.contest_id, (NEW.created_at / 86400000)::integer, 0, 0, 1, 0);
    RETURN NULL;
  END $$;
  CREATE TRIGGER contest_daily_referred AFTER UPDATE OF referred_by ON entries
    FOR EACH ROW WHEN (OLD.referred_by IS NULL AND NEW.referred_by IS NOT NULL)
    EXECUTE FUNCTION contest_daily_referred();

  CREATE FUNCTION subtract_superseded_revenue(contest text, on_day integer, cur text, amount bigint)
  RETURNS void LANGUAGE plpgsql AS $$ BEGIN
    INSERT INTO contest_daily_revenue AS r (contest_id, day, currency, shard, amount_minor)
    VALUES (contest, on_day, cur, pg_backend_pid() % ${STATS_SHARDS}, -amount)
    ON CONFLICT (contest_id, day, currency, shard) DO UPDATE SET amount_minor = r.amount_minor + EXCLUDED.amount_minor;
  END $$;
  CREATE FUNCTION contest_daily_superseded() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM add_to_contest_daily(OLD.contest_id, (OLD.created_at / 86400000)::integer, 0, 0, 0, -1);
    PERFORM subtract_superseded_revenue(OLD.contest_id, (OLD.created_at / 86400000)::integer, OLD.currency, OLD.amount_minor);
    RETURN NULL;
  END $$;
  CREATE TRIGGER contest_daily_superseded AFTER UPDATE OF status ON purchases
    FOR EACH ROW WHEN (NEW.status = 'superseded' AND OLD.status <> 'superseded')
    EXECUTE FUNCTION contest_daily_superseded();

  SELECT add_to_contest_daily(contest_id, (created_at / 86400000)::integer, 0, 0, 0, -count(*))
  FROM purchases WHERE status = 'superseded' GROUP BY contest_id, (created_at / 86400000)::integer;
  SELECT subtract_superseded_revenue(contest_id, (created_at / 86400000)::integer, currency, sum(amount_minor)::bigint)
  FROM purchases WHERE status = 'superseded' GROUP BY contest_id, (created_at / 86400000)::integer, currency;
`;

// Kept in version order (branches added theirs at the end; versions were reserved per change).
export const migrations: Migration[] = ([
  { version: 1, name: 'tables and indexes (as SQLite after its migration 4)', sql: tables },
  { version: 2, name: 'triggers holding the counters and the points ledger', sql: triggers },
  { version: 3, name: 'refunds, Stripe events, superseded purchases, outbound webhook outbox', sql: refundsStripeOutbox },
  {
    version: 7,
    name: 'search indexes, erasable ledger notes, contest-scoped keys (as SQLite migration 9)',
    // Entry search (email or name, a literal substring, ILIKE) scanned every entry of a contest:
    // trigram GIN indexes (pg_trgm, a trusted extension: a database owner may create it) serve
    // ILIKE '%term%' for terms of 3 characters or more, which is what the API accepts.
    // The ledger stays append-only for every column but note, which an erasure may blank (set to
    // NULL) and nothing may rewrite. api_keys.contest_id scopes a public key to one contest.
    sql: /* sql */ `
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX entries_search_email ON entries USING gin (email gin_trgm_ops);
      CREATE INDEX entries_search_name ON entries USING gin (name gin_trgm_ops);

      CREATE FUNCTION points_ledger_only_note_erasable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (NEW.id, NEW.entry_id, NEW.contest_id, NEW.delta, NEW.reason, NEW.created_at)
            IS DISTINCT FROM (OLD.id, OLD.entry_id, OLD.contest_id, OLD.delta, OLD.reason, OLD.created_at)
          OR NEW.source_id IS DISTINCT FROM OLD.source_id OR NEW.note IS NOT NULL THEN
          RAISE EXCEPTION 'points_ledger is append-only';
        END IF;
        RETURN NEW;
      END $$;
      DROP TRIGGER points_ledger_no_update ON points_ledger;
      CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledger
        FOR EACH ROW EXECUTE FUNCTION points_ledger_only_note_erasable();

      ALTER TABLE api_keys ADD COLUMN contest_id text COLLATE "C" REFERENCES contests(id);
    `,
  },
  { version: 5, name: 'fraud checks: settings, signup signals, referral flags holding points', sql: fraudChecks },
  {
    version: 4,
    name: 'attributions (as SQLite migration 6)',
    sql: /* sql */ `
      CREATE TABLE attributions (
        subject_id text COLLATE "C" PRIMARY KEY,
        contest_id text COLLATE "C" NOT NULL REFERENCES contests(id),
        advocate_id text COLLATE "C" REFERENCES entries(id),
        code_source text COLLATE "C" CHECK (code_source IN ('body', 'server_cookie', 'script', 'typed', 'webhook', 'api')),
        credit_rule text COLLATE "C" CHECK (credit_rule IN ('code', 'cookie', 'referrer')),
        visitor_key text COLLATE "C",
        created_at bigint NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'idempotency keys: the first answer to a write, replayed for 24 h (as SQLite migration 8)',
    sql: /* sql */ `
      CREATE TABLE idempotency_keys (
        key_hash TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        status_code INTEGER,
        response TEXT
      );
      CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
    `,
  },
  { version: 8, name: 'daily counters, public-key contact setting, hub tokens, operators, sessions, audit log', sql: pagesAndDailyCounters },
  { version: 9, name: 'contest page settings: referral URL, public pages on/off, leaderboard frame ancestors', sql: contestPageSettings },
  { version: 10, name: 'daily counters follow referrals set after the insert and superseded purchases', sql: dailyCountersFollowUpdates },
] satisfies Migration[]).sort((a, b) => a.version - b.version);

import pg from 'pg';
import { TABLES, type Row, type TableAccess, type TableName } from '../repositories.js';
import { mapUnavailable, type TrackedClient } from './queryable.js';
import { PRIMARY_KEYS } from '../rows.js';

/** Tables whose id is an identity column: copied ids need OVERRIDING SYSTEM VALUE, then setval. */
const IDENTITY_TABLES: TableName[] = ['points_ledger', 'visits', 'audit_log'];

/**
 * Whole-table statements (counts, the invariant check) over millions of rows outlast the pool's
 * 4–5 s request timeouts, which are right for requests but not for maintenance.
 */
const MAINTENANCE_TIMEOUT_MS = 30 * 60_000;

/** A whole-table read with the maintenance timeout (the setting is local to its transaction). */
async function maintenanceQuery<R extends pg.QueryResultRow>(pool: pg.Pool, text: string): Promise<R[]> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${MAINTENANCE_TIMEOUT_MS}`);
    const result = await client.query<R>({ text, query_timeout: MAINTENANCE_TIMEOUT_MS } as pg.QueryConfig);
    await client.query('COMMIT');
    return result.rows;
  } catch (error) {
    failure = error as Error;
    throw mapUnavailable(error);
  } finally {
    // A failed connection is discarded, and its open transaction with it.
    client.release(failure);
  }
}

/** PostgreSQL binds at most 65,535 parameters per statement. */
const MAX_PARAMETERS = 60_000;

function checkTable(table: string): TableName {
  if (!(TABLES as readonly string[]).includes(table)) throw new Error(`unknown table ${table}`);
  return table as TableName;
}

type WithClient = <T>(fn: (tx: TrackedClient) => Promise<T>) => Promise<T>;
type InTransaction = <T>(tx: TrackedClient, fn: () => Promise<T>) => Promise<T>;

/** Raw table access for `refrocket migrate-store` and tests; table names come from TABLES only. */
export function createTableAccess(pool: pg.Pool, withClient: WithClient, inTransaction: InTransaction): TableAccess {
  const query = async <R extends pg.QueryResultRow>(config: pg.QueryConfig) => {
    try {
      return (await pool.query<R>(config)).rows;
    } catch (error) {
      throw mapUnavailable(error);
    }
  };

  return {
    async count(table) {
      const rows = await maintenanceQuery<{ n: number }>(pool, `SELECT count(*) AS n FROM ${checkTable(table)}`);
      return rows[0].n;
    },
    async page(table, after, limit) {
      const keys = PRIMARY_KEYS[checkTable(table)];
      const where = after ? `WHERE (${keys.join(', ')}) > (${keys.map((_, i) => `$${i + 1}`).join(', ')})` : '';
      const values: unknown[] = after ? keys.map((k) => after[k]) : [];
      return query<Row>({
        text: `SELECT * FROM ${table} ${where} ORDER BY ${keys.join(', ')} LIMIT $${values.length + 1}`,
        values: [...values, limit],
      });
    },
    async insertCopied(table, rows) {
      if (rows.length === 0) return;
      checkTable(table);
      const columns = Object.keys(rows[0]);
      const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
      await withClient((tx) =>
        inTransaction(tx, async () => {
          for (let i = 0; i < rows.length; i += perStatement) {
            await tx.write({ ...copyStatement(table, columns, rows.slice(i, i + perStatement)), name: '' });
          }
        }),
      );
    },
    async finishCopy() {
      for (const table of IDENTITY_TABLES) {
        // is_called = false: the next id handed out is exactly max(id) + 1 (or 1 when empty).
        await query({
          text: `SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce(max(id), 0) + 1, false)
            FROM ${table}`,
        });
      }
    },
  };
}

/** One multi-row INSERT; column names are quoted, so a copied row cannot inject SQL. */
function copyStatement(table: TableName, columns: string[], rows: Row[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = columns.map((column) => {
      values.push(row[column] ?? null);
      return `$${values.length}`;
    });
    return `(${placeholders.join(', ')})`;
  });
  const overriding = IDENTITY_TABLES.includes(table) ? 'OVERRIDING SYSTEM VALUE' : '';
  const names = columns.map((c) => pg.escapeIdentifier(c)).join(', ');
  return { text: `INSERT INTO ${table} (${names}) ${overriding} VALUES ${tuples.join(', ')}`, values };
}

/** Entries whose points differ from their ledger sum, and contests whose counters are off. */
export async function invariantViolations(pool: pg.Pool): Promise<string[]> {
  const entries = await maintenanceQuery<{ id: string; points: number; ledger: number }>(pool, `
    SELECT e.id, e.points, coalesce(sum(l.delta), 0) AS ledger
    FROM entries e LEFT JOIN points_ledger l ON l.entry_id = e.id
    GROUP BY e.id HAVING e.points <> coalesce(sum(l.delta), 0)
    ORDER BY e.id`);
  const contests = await maintenanceQuery<{
    id: string;
    points_total: number;
    entries_sum: number;
    entries_count: number;
    entries_rows: number;
  }>(pool, `
    SELECT s.contest_id AS id, s.points_total, coalesce(sum(e.points), 0) AS entries_sum,
      s.entries_count, count(e.id) AS entries_rows
    FROM (SELECT contest_id, sum(points_total) AS points_total, sum(entries_count) AS entries_count
          FROM contest_stats GROUP BY contest_id) s
      LEFT JOIN entries e ON e.contest_id = s.contest_id
    GROUP BY s.contest_id, s.points_total, s.entries_count
    HAVING s.points_total <> coalesce(sum(e.points), 0) OR s.entries_count <> count(e.id)
    ORDER BY s.contest_id`);
  const problems = entries.map((m) => `entry ${m.id}: points ${m.points}, ledger sum ${m.ledger}`);
  for (const t of contests) {
    if (t.points_total !== t.entries_sum) {
      problems.push(`contest ${t.id}: points_total ${t.points_total}, entries sum ${t.entries_sum}`);
    }
    if (t.entries_count !== t.entries_rows) {
      problems.push(`contest ${t.id}: entries_count ${t.entries_count}, rows ${t.entries_rows}`);
    }
  }
  // The daily counters (summed over shards) against the rows they count, both ways.
  const daily = await maintenanceQuery<{ side: string; contest_id: string; day: number }>(pool, `
    WITH counted AS (SELECT contest_id, day, sum(visits) AS visits, sum(signups) AS signups,
          sum(referred_signups) AS referred, sum(purchases) AS purchases
        FROM contest_daily GROUP BY contest_id, day),
      actual AS (SELECT contest_id, day, sum(v) AS visits, sum(s) AS signups, sum(r) AS referred,
          sum(p) AS purchases FROM (
          SELECT contest_id, (created_at / 86400000)::integer AS day, 1 AS v, 0 AS s, 0 AS r, 0 AS p FROM visits
          UNION ALL SELECT contest_id, (created_at / 86400000)::integer, 0, 1, (referred_by IS NOT NULL)::integer, 0 FROM entries
          UNION ALL SELECT contest_id, (created_at / 86400000)::integer, 0, 0, 0, 1 FROM purchases WHERE status <> 'superseded'
        ) r GROUP BY contest_id, day),
      revenue AS (SELECT contest_id, day, currency, sum(amount_minor) AS amount
        FROM contest_daily_revenue GROUP BY 1, 2, 3),
      actual_revenue AS (SELECT contest_id, (created_at / 86400000)::integer AS day, currency,
          sum(amount_minor) AS amount FROM purchases WHERE status <> 'superseded' GROUP BY 1, 2, 3)
    SELECT 'counters' AS side, contest_id, day FROM (SELECT * FROM counted EXCEPT SELECT * FROM actual) a
    UNION ALL SELECT 'rows', contest_id, day FROM (SELECT * FROM actual EXCEPT SELECT * FROM counted) b
    UNION ALL SELECT 'revenue counters', contest_id, day FROM (SELECT * FROM revenue EXCEPT SELECT * FROM actual_revenue) c
    UNION ALL SELECT 'revenue rows', contest_id, day FROM (SELECT * FROM actual_revenue EXCEPT SELECT * FROM revenue) d`);
  for (const d of daily) problems.push(`contest ${d.contest_id}: daily ${d.side} of day ${d.day} differ`);
  return problems;
}

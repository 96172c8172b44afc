/**
 * What `refrocket export` reads, one contest at a time in key order, a page per query (keyset
 * pagination: each page starts after the last row of the previous one, so memory stays constant
 * and no row is read twice). The same SQL serves both engines; only the placeholders differ.
 */
export const EXPORT_KINDS = ['entries', 'purchases', 'ledger', 'visits'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

interface ExportQuery {
  /** Columns, in output order. */
  columns: string[];
  /** The key columns a page continues after (a subset of the selected columns). */
  key: string[];
  /** With `$contest`, `$k1`, `$k2` and `$limit` placeholders. */
  sql: string;
  /** Columns PostgreSQL returns as strings (BIGINT) that are numbers on the wire. */
  numeric: string[];
}

export const exportQueries: Record<ExportKind, ExportQuery> = {
  entries: {
    columns: ['id', 'email', 'name', 'phone', 'code', 'referrer_code', 'points', 'email_confirmed', 'disqualified', 'created_at'],
    key: ['created_at', 'id'],
    // entries_contest_created (contest_id, created_at, id) serves the order and the page start.
    sql: `SELECT e.id, e.email, e.name, e.phone, e.referral_code AS code, r.referral_code AS referrer_code,
        e.points, e.email_confirmed, e.disqualified, e.created_at
      FROM entries e LEFT JOIN entries r ON r.id = e.referred_by
      WHERE e.contest_id = $contest AND (e.created_at > $k1 OR (e.created_at = $k1 AND e.id > $k2))
      ORDER BY e.created_at, e.id LIMIT $limit`,
    numeric: ['points', 'email_confirmed', 'disqualified', 'created_at'],
  },
  purchases: {
    columns: ['order_id', 'email', 'amount_minor', 'currency', 'points_awarded', 'source', 'purchaser_entry_id', 'credited_entry_id', 'created_at', 'id'],
    key: ['order_id'],
    // UNIQUE (contest_id, order_id) serves it.
    sql: `SELECT order_id, email, amount_minor, currency, points_awarded, source, purchaser_entry_id,
        credited_entry_id, created_at, id
      FROM purchases WHERE contest_id = $contest AND order_id > $k1 ORDER BY order_id LIMIT $limit`,
    numeric: ['amount_minor', 'points_awarded', 'created_at'],
  },
  ledger: {
    columns: ['id', 'entry_id', 'delta', 'reason', 'source_id', 'note', 'created_at'],
    key: ['id'],
    sql: `SELECT id, entry_id, delta, reason, source_id, note, created_at
      FROM points_ledger WHERE contest_id = $contest AND id > $k1 ORDER BY id LIMIT $limit`,
    numeric: ['id', 'delta', 'created_at'],
  },
  visits: {
    // The visitor key is a salted hash that means nothing outside the day it was made: left out.
    columns: ['id', 'entry_id', 'url', 'referrer', 'created_at'],
    key: ['id'],
    sql: `SELECT id, entry_id, url, referrer, created_at
      FROM visits WHERE contest_id = $contest AND id > $k1 ORDER BY id LIMIT $limit`,
    numeric: ['id', 'created_at'],
  },
};

/** The key values a page starts after: the first page starts before every row. */
export function pageStart(kind: ExportKind, after: Record<string, unknown> | undefined): [unknown, unknown] {
  const q = exportQueries[kind];
  if (!after) return kind === 'entries' ? [-1, ''] : kind === 'purchases' ? ['', ''] : [0, ''];
  return [after[q.key[0]], q.key[1] ? after[q.key[1]] : ''];
}

import type pg from 'pg';
import { isUnavailable } from '../../db/postgres/pool.js';
import { ApiError } from '../../domain/errors.js';

/**
 * A named statement: pg prepares it once per connection on first use (the name must be unique
 * to its text), then only binds values.
 */
export interface Statement {
  name: string;
  text: string;
  values: unknown[];
}

/** What the repositories run statements on: the pool (reads, autocommit writes) or a transaction. */
export interface Queryable {
  rows<R>(statement: Statement): Promise<R[]>;
  /** An INSERT, UPDATE or DELETE (counted by runBatch); resolves to the number of rows changed. */
  write(statement: Statement): Promise<number>;
}

export async function one<R>(q: Queryable, statement: Statement): Promise<R | undefined> {
  return (await q.rows<R>(statement))[0];
}

export const databaseUnavailable = () => new ApiError(503, 'Database unavailable');

/** Connection-class failures become the 503 the API answers; SQL errors pass through unchanged. */
export function mapUnavailable(error: unknown): unknown {
  return isUnavailable(error) && !(error instanceof ApiError) ? databaseUnavailable() : error;
}

/** Statements on the pool: each takes any idle connection, in autocommit. */
export function poolQueryable(pool: pg.Pool): Queryable {
  return {
    async rows<R>(statement: Statement) {
      try {
        return (await pool.query(statement)).rows as R[];
      } catch (error) {
        throw mapUnavailable(error);
      }
    },
    async write(statement) {
      try {
        return (await pool.query(statement)).rowCount ?? 0;
      } catch (error) {
        throw mapUnavailable(error);
      }
    },
  };
}

/**
 * Statements on one client inside a transaction, counting writes and failures: runBatch needs to
 * know whether a failed op changed anything, and whether PostgreSQL aborted the transaction (any
 * failed statement does). Errors pass through raw so runBatch can read their SQLSTATE.
 */
export class TrackedClient implements Queryable {
  writes = 0;
  /** The first failed statement since runBatch last reset it (the transaction is then aborted). */
  failed: unknown = undefined;
  /** Set when ROLLBACK itself failed: the connection must not go back to the pool. */
  broken = false;

  constructor(readonly client: pg.PoolClient) {}

  async rows<R>(statement: Statement): Promise<R[]> {
    return (await this.run(statement)).rows as R[];
  }

  async write(statement: Statement): Promise<number> {
    this.writes++;
    return (await this.run(statement)).rowCount ?? 0;
  }

  /** Statements of the transaction itself (BEGIN, SAVEPOINT…): not counted as writes. */
  async control(text: string): Promise<void> {
    await this.run({ text } as Statement);
  }

  private async run(statement: Statement): Promise<pg.QueryResult> {
    try {
      return await this.client.query(statement);
    } catch (error) {
      this.failed ??= error;
      throw error;
    }
  }
}

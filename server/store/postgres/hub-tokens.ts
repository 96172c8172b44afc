import type { HubTokensRepo } from '../repositories.js';
import { one, type Queryable } from './queryable.js';

export function createHubTokensRepo(q: Queryable): HubTokensRepo {
  return {
    async insert(tokenHash, entry, now) {
      const text = 'INSERT INTO hub_tokens (token_hash, entry_id, contest_id, created_at) VALUES ($1, $2, $3, $4)';
      await q.write({ name: 'rr_hub_tokens_insert', text, values: [tokenHash, entry.id, entry.contestId, now] });
    },
    async find(tokenHash) {
      const text = `SELECT entry_id AS "entryId", contest_id AS "contestId" FROM hub_tokens
        WHERE token_hash = $1 AND revoked_at IS NULL`;
      return one(q, { name: 'rr_hub_tokens_find', text, values: [tokenHash] });
    },
    async revokeForEntry(entryId, now) {
      const text = 'UPDATE hub_tokens SET revoked_at = $1 WHERE entry_id = $2 AND revoked_at IS NULL';
      return q.write({ name: 'rr_hub_tokens_revoke', text, values: [now, entryId] });
    },
  };
}

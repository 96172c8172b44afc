import type { Db } from '../../db/sqlite/open-database.js';
import type { HubTokensRepo } from '../repositories.js';

export function createHubTokensRepo(db: Db): HubTokensRepo {
  const insert = db.prepare('INSERT INTO hub_tokens (token_hash, entry_id, contest_id, created_at) VALUES (?, ?, ?, ?)');
  const find = db.prepare<[string], { entryId: string; contestId: string }>(`SELECT entry_id AS entryId,
      contest_id AS contestId FROM hub_tokens WHERE token_hash = ? AND revoked_at IS NULL`);
  const revoke = db.prepare('UPDATE hub_tokens SET revoked_at = ? WHERE entry_id = ? AND revoked_at IS NULL');
  return {
    async insert(tokenHash, entry, now) {
      insert.run(tokenHash, entry.id, entry.contestId, now);
    },
    async find(tokenHash) {
      return find.get(tokenHash);
    },
    async revokeForEntry(entryId, now) {
      return revoke.run(now, entryId).changes;
    },
  };
}

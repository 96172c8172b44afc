import { newId, newSecret } from '../domain/ids.js';
import type { ApiKeyType } from '../store/types.js';
import type { CollectorContext } from './context.js';

/** Creates an API key and returns it in clear, the only time it is ever shown. */
export function createApiKey(
  ctx: CollectorContext,
  type: ApiKeyType,
  label: string | null = null,
): { id: string; key: string; type: ApiKeyType } {
  const key = newSecret(type === 'private' ? 'rr_sk_' : 'rr_pk_');
  const id = newId('key');
  ctx.store.apiKeys.insert(id, type, key, label, ctx.now());
  return { id, key, type };
}

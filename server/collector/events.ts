import { newId } from '../domain/ids.js';
import type { OutboxEvent, WebhookEventType } from '../store/repositories.js';
import type { LedgerReason } from '../store/types.js';
import type { CollectorContext } from './context.js';

/**
 * Outbound webhook events. A rule emits them through its own transaction's repositories, so the
 * event is in the outbox exactly when the change it describes committed (a rolled-back write
 * emits nothing); the delivery loop (server/outbound/) sends them later. Payloads carry ids,
 * the contest, points and the referrer: no email, name or phone.
 */
export interface PendingEvent {
  type: WebhookEventType;
  contestId: string;
  data: Record<string, unknown>;
}

/**
 * Writes the events to the outbox (one statement on PostgreSQL, whatever their number), or, inside
 * a named write operation, collects them for flushOutbox at its end.
 */
export async function emit(ctx: CollectorContext, events: PendingEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (ctx.outbox) {
    ctx.outbox.push(...events);
    return;
  }
  const now = ctx.now();
  const timestamp = new Date(now).toISOString();
  const outbox: OutboxEvent[] = events.map((e) => ({
    id: newId('msg', now),
    type: e.type,
    contestId: e.contestId,
    payload: JSON.stringify({ type: e.type, timestamp, data: { contestId: e.contestId, ...e.data } }),
    createdAt: now,
  }));
  await ctx.store.webhooks.emit(outbox);
}

export const pointsChanged = (
  entry: { id: string; contestId: string },
  delta: number,
  reason: LedgerReason,
  sourceId: string | null,
): PendingEvent => ({ type: 'points.changed', contestId: entry.contestId, data: { entryId: entry.id, delta, reason, sourceId } });

/** points.changed for each award that changed something. */
export const pointsChangedAll = (awards: Array<{ entry: { id: string; contestId: string }; delta: number; reason: LedgerReason; sourceId: string | null }>) =>
  awards.filter((a) => a.delta !== 0).map((a) => pointsChanged(a.entry, a.delta, a.reason, a.sourceId));

/** Runs a write operation with an outbox of its own, flushed (in its transaction) when it ends. */
export async function withOutbox<T>(ctx: CollectorContext, op: (ctx: CollectorContext) => Promise<T>): Promise<T> {
  const outbox: PendingEvent[] = [];
  const result = await op({ ...ctx, outbox });
  await emit({ store: ctx.store, now: ctx.now }, outbox);
  return result;
}

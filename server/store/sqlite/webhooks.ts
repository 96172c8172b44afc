import type { Db } from '../../db/sqlite/open-database.js';
import type { ClaimedDelivery, OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhooksRepo } from '../repositories.js';
import {
  storedEventTypes,
  toWebhookDeliveries,
  toWebhookEndpoint,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from '../rows.js';

const LIVE_ENDPOINT = 'ep.deleted_at IS NULL AND ep.disabled = 0';
const SUBSCRIBED = `(ep.events = '*' OR instr(ep.events, ',' || @type || ',') > 0)`;

/** Outbound webhooks: endpoints, the outbox of events, and their deliveries and attempts. */
export function createWebhooksRepo(db: Db): WebhooksRepo {
  // An event nobody subscribes to is not stored: with no endpoints, a signup pays one cheap read.
  const insertEvent = db.prepare(`INSERT INTO webhook_events (id, type, contest_id, payload, created_at)
    SELECT @id, @type, @contestId, @payload, @createdAt
    WHERE EXISTS (SELECT 1 FROM webhook_endpoints ep WHERE ${LIVE_ENDPOINT} AND ${SUBSCRIBED})`);
  const insertDeliveries = db.prepare(`INSERT INTO webhook_deliveries (id, event_id, endpoint_id,
      status, attempts, next_attempt_at, created_at, updated_at)
    SELECT 'dlv_' || substr(@id, 5) || '_' || substr(ep.id, 4), @id, ep.id, 'pending', 0, @createdAt,
      @createdAt, @createdAt
    FROM webhook_endpoints ep WHERE ${LIVE_ENDPOINT} AND ${SUBSCRIBED}`);
  const insertEndpoint = db.prepare(`INSERT INTO webhook_endpoints (id, url, description, events,
      secret, disabled, disabled_reason, failing_since, created_at, updated_at)
    VALUES (@id, @url, @description, @events, @secret, @disabled, @disabledReason, @failingSince,
      @createdAt, @updatedAt)`);
  const updateEndpoint = db.prepare(`UPDATE webhook_endpoints SET url = @url,
      description = @description, events = @events, disabled = @disabled,
      disabled_reason = @disabledReason, failing_since = @failingSince, updated_at = @updatedAt
    WHERE id = @id AND deleted_at IS NULL`);
  const deleteEndpoint = db.prepare(
    'UPDATE webhook_endpoints SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL',
  );
  const cancelPending = db.prepare(`UPDATE webhook_deliveries SET status = 'cancelled',
      next_attempt_at = NULL, updated_at = ? WHERE endpoint_id = ? AND status = 'pending'`);
  const endpointById = db.prepare<[string], WebhookEndpointRow>(
    'SELECT * FROM webhook_endpoints WHERE id = ? AND deleted_at IS NULL',
  );
  const endpoints = db.prepare<[], WebhookEndpointRow>(
    'SELECT * FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY created_at, id',
  );
  const lease = db.prepare<[number, number, number, number], { id: string }>(`UPDATE webhook_deliveries
    SET next_attempt_at = ?, updated_at = ?
    WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND ${LIVE_ENDPOINT}
      ORDER BY d.next_attempt_at, d.id LIMIT ?)
    RETURNING id`);
  const claimed = db.prepare<[string], ClaimedDelivery>(`SELECT d.id AS deliveryId, d.event_id AS eventId,
      d.endpoint_id AS endpointId, d.attempts, ep.url, ep.secret, e.payload
    FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
      JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
    WHERE d.id = ?`);
  const insertAttempt = db.prepare(`INSERT INTO webhook_attempts (id, delivery_id, attempted_at,
      duration_ms, response_status, error, next_attempt_at)
    VALUES (@id, @deliveryId, @attemptedAt, @durationMs, @responseStatus, @error, @nextAttemptAt)`);
  const updateDelivery = db.prepare(`UPDATE webhook_deliveries SET status = @status,
      attempts = attempts + 1, next_attempt_at = @nextAttemptAt,
      last_response_status = @responseStatus, updated_at = @attemptedAt
    WHERE id = @deliveryId`);
  const failingSince = db.prepare<[string], { failing_since: number | null }>(
    'SELECT failing_since FROM webhook_endpoints WHERE id = ?',
  );
  const startFailing = db.prepare('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL');
  const disable = db.prepare(`UPDATE webhook_endpoints SET disabled = 1,
      disabled_reason = 'failing every attempt for 5 days', updated_at = ? WHERE id = ?`);
  const succeeded = db.prepare('UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL');
  const deliveries = db.prepare<[string, number], WebhookDeliveryRow>(`SELECT d.id, d.event_id,
      e.type AS event_type, d.endpoint_id, d.status, d.attempts, d.next_attempt_at,
      d.last_response_status, d.created_at
    FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
    WHERE d.endpoint_id = ? ORDER BY d.created_at DESC, d.id DESC LIMIT ?`);
  const attempts = db.prepare<[string], WebhookAttemptRow>(
    'SELECT * FROM webhook_attempts WHERE delivery_id = ?',
  );
  const retry = db.prepare(`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?,
      updated_at = ? WHERE id = ? AND endpoint_id = ? AND status <> 'cancelled'`);

  const endpointParams = (e: WebhookEndpoint) => ({
    id: e.id,
    url: e.url,
    description: e.description,
    events: storedEventTypes(e.events),
    disabled: e.disabled ? 1 : 0,
    disabledReason: e.disabledReason,
    failingSince: e.failingSince,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  });

  // The partial index webhook_deliveries_due holds exactly the pending rows.
  const backlog = db.prepare<[number], { pending: number; oldest_due_at: number | null }>(`SELECT count(*) AS pending,
      min(CASE WHEN d.next_attempt_at <= ? THEN d.next_attempt_at END) AS oldest_due_at
    FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
    WHERE d.status = 'pending' AND ${LIVE_ENDPOINT}`);

  return {
    async backlog(now) {
      const row = backlog.get(now)!;
      return { pending: row.pending, oldestDueAt: row.oldest_due_at };
    },
    async emit(events: OutboxEvent[]) {
      for (const event of events) {
        if (insertEvent.run(event).changes > 0) insertDeliveries.run(event);
      }
    },
    async insertEndpoint(endpoint, secret) {
      insertEndpoint.run({ ...endpointParams(endpoint), secret });
    },
    async updateEndpoint(endpoint) {
      updateEndpoint.run(endpointParams(endpoint));
    },
    async deleteEndpoint(id, now) {
      if (deleteEndpoint.run(now, now, id).changes === 0) return false;
      cancelPending.run(now, id);
      return true;
    },
    async getEndpoint(id) {
      const row = endpointById.get(id);
      return row && toWebhookEndpoint(row);
    },
    listEndpoints: async () => endpoints.all().map(toWebhookEndpoint),
    async claimDue(now, leaseUntil, limit) {
      return lease.all(leaseUntil, now, now, limit).map(({ id }) => claimed.get(id)!);
    },
    async recordAttempt(deliveryId: string, attempt: WebhookAttempt, status: WebhookDelivery['status']) {
      insertAttempt.run({ ...attempt, deliveryId });
      updateDelivery.run({ deliveryId, status, nextAttemptAt: attempt.nextAttemptAt, responseStatus: attempt.responseStatus, attemptedAt: attempt.attemptedAt });
    },
    async endpointFailed(id, now, disableAfterMs) {
      const since = failingSince.get(id)?.failing_since ?? null;
      if (since === null) {
        startFailing.run(now, id);
        return false;
      }
      if (now - since < disableAfterMs) return false;
      disable.run(now, id);
      return true;
    },
    async endpointSucceeded(id) {
      succeeded.run(id);
    },
    async listDeliveries(endpointId, limit) {
      const rows = deliveries.all(endpointId, limit);
      return toWebhookDeliveries(rows, rows.flatMap((r) => attempts.all(r.id)));
    },
    async retryDelivery(endpointId, deliveryId, now) {
      return retry.run(now, now, deliveryId, endpointId).changes === 1;
    },
  };
}

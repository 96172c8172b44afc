import type { ClaimedDelivery, OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhooksRepo } from '../repositories.js';
import {
  storedEventTypes,
  toWebhookDeliveries,
  toWebhookEndpoint,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from '../rows.js';
import { one, type Queryable } from './queryable.js';

const LIVE_ENDPOINT = 'ep.deleted_at IS NULL AND ep.disabled = 0';

/**
 * All of a write's events in one statement (one round trip): the events some live endpoint
 * subscribes to, and a pending delivery per such endpoint. An event nobody wants is not stored.
 */
const EMIT = `WITH ev AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
      AS t(id, type, contest_id, payload, created_at)),
  targets AS (
    SELECT ev.id AS event_id, ep.id AS endpoint_id, ev.created_at FROM ev
    JOIN webhook_endpoints ep ON ${LIVE_ENDPOINT}
      AND (ep.events = '*' OR strpos(ep.events, ',' || ev.type || ',') > 0)),
  events AS (
    INSERT INTO webhook_events (id, type, contest_id, payload, created_at)
    SELECT * FROM ev WHERE ev.id IN (SELECT event_id FROM targets))
  INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, attempts, next_attempt_at,
    created_at, updated_at)
  SELECT 'dlv_' || substr(event_id, 5) || '_' || substr(endpoint_id, 4), event_id, endpoint_id,
    'pending', 0, created_at, created_at, created_at
  FROM targets`;

/**
 * Leases due deliveries: FOR UPDATE SKIP LOCKED, so collectors claiming at once take different
 * rows; the lease (the next attempt moved to leaseUntil) keeps them from being claimed again
 * after this statement commits, and makes them due again if this collector dies mid-send.
 */
const CLAIM = `WITH due AS (
    SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
    WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND ${LIVE_ENDPOINT}
    ORDER BY d.next_attempt_at, d.id LIMIT $3
    FOR UPDATE OF d SKIP LOCKED)
  UPDATE webhook_deliveries d SET next_attempt_at = $2, updated_at = $1
  FROM due, webhook_events e, webhook_endpoints ep
  WHERE d.id = due.id AND e.id = d.event_id AND ep.id = d.endpoint_id
  RETURNING d.id AS "deliveryId", d.event_id AS "eventId", d.endpoint_id AS "endpointId",
    d.attempts, ep.url, ep.secret, e.payload`;

/** Outbound webhooks: endpoints, the outbox of events, and their deliveries and attempts. */
export function createWebhooksRepo(q: Queryable): WebhooksRepo {
  const endpointValues = (e: WebhookEndpoint) => [e.id, e.url, e.description, storedEventTypes(e.events),
    e.disabled ? 1 : 0, e.disabledReason, e.failingSince, e.createdAt, e.updatedAt];
  return {
    async backlog(now) {
      // The partial index webhook_deliveries_due holds exactly the pending rows.
      const row = await one<{ pending: string; oldest_due_at: string | null }>(q, {
        name: 'rr_webhook_deliveries_backlog',
        text: `SELECT count(*) AS pending,
      min(CASE WHEN d.next_attempt_at <= $1 THEN d.next_attempt_at END) AS oldest_due_at
    FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
    WHERE d.status = 'pending' AND ${LIVE_ENDPOINT}`,
        values: [now],
      });
      return { pending: Number(row!.pending), oldestDueAt: row!.oldest_due_at === null ? null : Number(row!.oldest_due_at) };
    },
    async emit(events: OutboxEvent[]) {
      if (events.length === 0) return;
      await q.write({
        name: 'rr_webhooks_emit',
        text: EMIT,
        values: [events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.contestId),
          events.map((e) => e.payload), events.map((e) => e.createdAt)],
      });
    },
    async insertEndpoint(endpoint, secret) {
      await q.write({
        name: 'rr_webhook_endpoints_insert',
        text: `INSERT INTO webhook_endpoints (id, url, description, events, disabled,
            disabled_reason, failing_since, created_at, updated_at, secret)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        values: [...endpointValues(endpoint), secret],
      });
    },
    async updateEndpoint(endpoint) {
      await q.write({
        name: 'rr_webhook_endpoints_update',
        text: `UPDATE webhook_endpoints SET url = $2, description = $3, events = $4, disabled = $5,
            disabled_reason = $6, failing_since = $7, updated_at = $9
          WHERE id = $1 AND deleted_at IS NULL AND $8::bigint IS NOT NULL`,
        values: endpointValues(endpoint),
      });
    },
    async deleteEndpoint(id, now) {
      const deleted = await q.write({
        name: 'rr_webhook_endpoints_delete',
        text: 'UPDATE webhook_endpoints SET deleted_at = $1, updated_at = $1 WHERE id = $2 AND deleted_at IS NULL',
        values: [now, id],
      });
      if (deleted === 0) return false;
      await q.write({
        name: 'rr_webhook_deliveries_cancel',
        text: `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, updated_at = $1
          WHERE endpoint_id = $2 AND status = 'pending'`,
        values: [now, id],
      });
      return true;
    },
    async getEndpoint(id) {
      const row = await one<WebhookEndpointRow>(q, {
        name: 'rr_webhook_endpoints_get',
        text: 'SELECT * FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL',
        values: [id],
      });
      return row && toWebhookEndpoint(row);
    },
    async listEndpoints() {
      const rows = await q.rows<WebhookEndpointRow>({
        name: 'rr_webhook_endpoints_list',
        text: 'SELECT * FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY created_at, id',
        values: [],
      });
      return rows.map(toWebhookEndpoint);
    },
    claimDue(now, leaseUntil, limit) {
      return q.rows<ClaimedDelivery>({ name: 'rr_webhook_deliveries_claim', text: CLAIM, values: [now, leaseUntil, limit] });
    },
    async recordAttempt(deliveryId: string, attempt: WebhookAttempt, status: WebhookDelivery['status']) {
      await q.write({
        name: 'rr_webhook_attempts_insert',
        text: `WITH attempt AS (
            INSERT INTO webhook_attempts (id, delivery_id, attempted_at, duration_ms, response_status,
              error, next_attempt_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7))
          UPDATE webhook_deliveries SET status = $8, attempts = attempts + 1, next_attempt_at = $7,
            last_response_status = $5, updated_at = $3
          WHERE id = $2`,
        values: [attempt.id, deliveryId, attempt.attemptedAt, attempt.durationMs, attempt.responseStatus,
          attempt.error, attempt.nextAttemptAt, status],
      });
    },
    async endpointFailed(id, now, disableAfterMs) {
      const row = await one<{ disabled: number }>(q, {
        name: 'rr_webhook_endpoints_failed',
        text: `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $2),
            disabled = CASE WHEN failing_since IS NOT NULL AND $2 - failing_since >= $3 THEN 1 ELSE disabled END,
            disabled_reason = CASE WHEN failing_since IS NOT NULL AND $2 - failing_since >= $3
              THEN 'failing every attempt for 5 days' ELSE disabled_reason END
          WHERE id = $1
          RETURNING (failing_since IS NOT NULL AND $2 - failing_since >= $3 AND disabled = 1)::int AS disabled`,
        values: [id, now, disableAfterMs],
      });
      return row?.disabled === 1;
    },
    async endpointSucceeded(id) {
      await q.write({
        name: 'rr_webhook_endpoints_succeeded',
        text: 'UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL',
        values: [id],
      });
    },
    async listDeliveries(endpointId, limit) {
      const rows = await q.rows<WebhookDeliveryRow>({
        name: 'rr_webhook_deliveries_list',
        text: `SELECT d.id, d.event_id, e.type AS event_type, d.endpoint_id, d.status, d.attempts,
            d.next_attempt_at, d.last_response_status, d.created_at
          FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
          WHERE d.endpoint_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
        values: [endpointId, limit],
      });
      const attempts = rows.length === 0 ? [] : await q.rows<WebhookAttemptRow>({
        name: 'rr_webhook_attempts_list',
        text: 'SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1::text[])',
        values: [rows.map((r) => r.id)],
      });
      return toWebhookDeliveries(rows, attempts);
    },
    async retryDelivery(endpointId, deliveryId, now) {
      const changed = await q.write({
        name: 'rr_webhook_deliveries_retry',
        text: `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, updated_at = $1
          WHERE id = $2 AND endpoint_id = $3 AND status <> 'cancelled'`,
        values: [now, deliveryId, endpointId],
      });
      return changed === 1;
    },
  };
}

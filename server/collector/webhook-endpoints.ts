import { randomBytes } from 'node:crypto';
import { notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { ClaimedDelivery, WebhookAttempt, WebhookEndpoint, WebhookEventType } from '../store/repositories.js';
import type { CollectorContext } from './context.js';

/**
 * A Standard Webhooks signing secret: `whsec_` + base64 of 24 random bytes. Stored as is (the
 * HMAC needs it, unlike API keys, which are stored as hashes) and shown once, at creation.
 */
export const newSigningSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export interface EndpointInput {
  url: string;
  events?: WebhookEventType[];
  description?: string | null;
}

export async function createWebhookEndpoint(ctx: CollectorContext, input: EndpointInput) {
  const now = ctx.now();
  const endpoint: WebhookEndpoint = {
    id: newId('we', now),
    url: input.url,
    description: input.description ?? null,
    events: [...new Set(input.events ?? [])],
    disabled: false,
    disabledReason: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  const secret = newSigningSecret();
  await ctx.store.webhooks.insertEndpoint(endpoint, secret);
  return { endpoint, secret };
}

export async function requireWebhookEndpoint(ctx: CollectorContext, id: string) {
  const endpoint = await ctx.store.webhooks.getEndpoint(id);
  if (!endpoint) throw notFound('Webhook endpoint not found');
  return endpoint;
}

/** Changes events, description or URL; enabling again clears the failure state. */
export async function updateWebhookEndpoint(
  ctx: CollectorContext,
  id: string,
  patch: Partial<EndpointInput> & { disabled?: boolean },
) {
  const current = await requireWebhookEndpoint(ctx, id);
  const reenabled = patch.disabled === false && current.disabled;
  const next: WebhookEndpoint = {
    ...current,
    url: patch.url ?? current.url,
    events: patch.events ? [...new Set(patch.events)] : current.events,
    description: patch.description !== undefined ? patch.description : current.description,
    disabled: patch.disabled ?? current.disabled,
    disabledReason: patch.disabled === true ? 'disabled by an operator' : reenabled ? null : current.disabledReason,
    failingSince: reenabled ? null : current.failingSince,
    updatedAt: ctx.now(),
  };
  await ctx.store.webhooks.updateEndpoint(next);
  return next;
}

export async function deleteWebhookEndpoint(ctx: CollectorContext, id: string) {
  if (!(await ctx.store.webhooks.deleteEndpoint(id, ctx.now()))) throw notFound('Webhook endpoint not found');
  return true as const;
}

export async function retryWebhookDelivery(ctx: CollectorContext, endpointId: string, deliveryId: string) {
  await requireWebhookEndpoint(ctx, endpointId);
  if (!(await ctx.store.webhooks.retryDelivery(endpointId, deliveryId, ctx.now()))) throw notFound('Delivery not found');
  return true as const;
}

/** The delivery loop's two writes: lease due deliveries, and record how an attempt went. */
export function claimWebhookDeliveries(ctx: CollectorContext, args: { now: number; leaseUntil: number; limit: number }): Promise<ClaimedDelivery[]> {
  return ctx.store.webhooks.claimDue(args.now, args.leaseUntil, args.limit);
}

export interface AttemptReport {
  deliveryId: string;
  endpointId: string;
  attempt: WebhookAttempt;
  succeeded: boolean;
  /** No attempt left in the schedule. */
  exhausted: boolean;
  disableAfterMs: number;
}

export async function recordWebhookAttempt(ctx: CollectorContext, report: AttemptReport): Promise<{ endpointDisabled: boolean }> {
  const status = report.succeeded ? 'succeeded' : report.exhausted ? 'failed' : 'pending';
  await ctx.store.webhooks.recordAttempt(report.deliveryId, report.attempt, status);
  if (report.succeeded) {
    await ctx.store.webhooks.endpointSucceeded(report.endpointId);
    return { endpointDisabled: false };
  }
  return { endpointDisabled: await ctx.store.webhooks.endpointFailed(report.endpointId, report.attempt.attemptedAt, report.disableAfterMs) };
}

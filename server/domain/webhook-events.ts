/**
 * The outbound webhook event types. Free of imports: the route schemas (and through them the
 * SDK's type declarations) name them without pulling in the store.
 */
export const WEBHOOK_EVENT_TYPES = [
  'entry.created',
  'referral.converted',
  'purchase.created',
  'purchase.refunded',
  'points.changed',
  'entry.disqualified',
  'referral.flagged',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

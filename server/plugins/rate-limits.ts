import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, messages } from '../domain/errors.js';
import { findApiKey } from '../collector/api-keys.js';
import { checkWebhookSecret } from '../collector/contests.js';
import { presentedWebhookSecret } from '../routes/webhooks.js';
import { isSignedByStripe } from '../routes/stripe.js';

export interface RateLimitOptions {
  /** General limit: requests per minute per client IP. */
  perMinute: number;
}

const trustedBackends = new WeakMap<FastifyRequest, Promise<boolean>>();

/**
 * A trusted backend sends many users' events from one IP: a request that carries a valid private
 * API key, or the contest's webhook secret (header, Bearer token, or the body field `secret`), is
 * exempt from per-IP limits, and its signups skip the device checks (its address is the server's).
 * Asked at preValidation, where the body is parsed but not yet validated (validation drops the
 * `secret` field, so it is never stored); the answer is kept for the rest of the request.
 */
export function isTrustedBackend(app: FastifyInstance, request: FastifyRequest): Promise<boolean> {
  let answer = trustedBackends.get(request);
  if (!answer) trustedBackends.set(request, (answer = checkTrustedBackend(app, request)));
  return answer;
}

async function checkTrustedBackend(app: FastifyInstance, request: FastifyRequest): Promise<boolean> {
  const key = request.headers['x-api-key'];
  if (typeof key === 'string' && (await findApiKey(app.collector, key))?.type === 'private') return true;
  // Stripe sends every shop's events from a few addresses: a valid Stripe-Signature is trusted too.
  if (await isSignedByStripe(app, request)) return true;
  // Webhooks name the contest in the path; referral endpoints in the body.
  const contestId =
    (request.params as { contestId?: unknown } | undefined)?.contestId ??
    (request.body as { contestId?: unknown } | undefined)?.contestId;
  const secret = presentedWebhookSecret(request);
  if (typeof contestId !== 'string' || !secret) return false;
  return (await checkWebhookSecret(app.collector, contestId, secret)) === 'ok';
}

const tooManyRequests = () => new ApiError(429, messages.rateLimited);

/**
 * The per-IP limit on the public /api routes (@fastify/rate-limit, in memory). Runs at
 * preValidation so the exemption can see a body secret. Behind a reverse proxy the IP comes from
 * X-Forwarded-For only with trustProxy. Its 429 carries Retry-After and x-ratelimit-* of this limit.
 */
export const rateLimitsPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    const allowList = (request: FastifyRequest) => isTrustedBackend(app, request);
    await app.register(rateLimit, {
      global: true,
      max: options.perMinute,
      timeWindow: 60_000,
      hook: 'preValidation',
      allowList,
      errorResponseBuilder: tooManyRequests,
    });
  },
  { name: 'refrocket-rate-limits', dependencies: ['refrocket-services'] },
);

/** Without limits (`--rate-limit off`): nothing to register, the name keeps dependents working. */
export const noRateLimitsPlugin = fp(async () => {}, { name: 'refrocket-rate-limits' });
